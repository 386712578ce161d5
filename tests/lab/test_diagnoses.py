"""One diagnosis per root cause (issue 23): each lab's rules (labs/<lab>/diagnoses) tested with the
mutants that break every scenario, graded by the real grader: the report's top names the rule's
symptom, once, and its likely cause; the covered scenarios point to it instead of giving their own
hints. A mutant no rule covers still gets its symptom said once at the top (the generic summary).
Every rule of every lab is exercised by some case here, on some backend."""

import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labkit import BUILD, ROOT, io_body_span, kvm_usable  # noqa: E402
from test_mem_lab import parse_mutant, regions, splice as splice_regions  # noqa: E402

GRADE = os.path.join(BUILD, "grade")
LIBKVMEMU = os.path.join(BUILD, "libkvmemu.so")
BACKENDS = ["kvm", "emu"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rules(lab):
    """{name: {key: value}} of labs/<lab>/diagnoses (the grader parses it; this only reads names)."""
    out, cur = {}, None
    for line in read(os.path.join(ROOT, "labs", lab, "diagnoses")).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^\[(.+)\]$", line)
        if m:
            cur = out.setdefault(m.group(1), {})
            continue
        key, _, value = line.partition("=")
        cur[key.strip()] = value.strip()
    return out


def mem_source(mutant=None, todo2_undone=False):
    sol = read(os.path.join(ROOT, "solution", "mem_lab", "sample-qemu.c"))
    if todo2_undone:   # TODO 1 done, TODO 2 as given: the skeleton's region body
        skel = read(os.path.join(ROOT, "skeleton", "mem_lab", "sample-qemu.c"))
        body = {rid: skel[a:b] for rid, a, b in regions(skel)}["2"]
        return splice_regions(sol, {"2": body})
    _, bodies = parse_mutant(os.path.join(ROOT, "labs", "mem_lab", "mutants", mutant + ".c"))
    return splice_regions(sol, bodies)


def cpu_source(mutant):
    skel = read(os.path.join(ROOT, "skeleton", "cpu_lab", "sample-qemu.c"))
    body = read(os.path.join(ROOT, "labs", "cpu_lab", "mutants", mutant + ".c")).split("\n", 1)[1]
    a, b = io_body_span(skel)
    return skel[:a] + "\n" + body.rstrip("\n") + "\n" + skel[b:]


# (lab, what, {backend: the rule expected to fire}); "-" = no rule: the generic summary.
CASES = [
    ("mem_lab", "skeleton", {"kvm": "todo-1", "emu": "todo-1"}),
    ("mem_lab", "todo2_undone", {"kvm": "todo-2", "emu": "todo-2"}),
    ("mem_lab", "lme_without_lma", {"kvm": "set-sregs", "emu": "set-sregs"}),
    ("mem_lab", "no_pae", {"kvm": "set-sregs", "emu": "set-sregs"}),
    ("mem_lab", "no_paging", {"kvm": "set-sregs", "emu": "set-sregs"}),
    ("mem_lab", "only_ram_mapped", {"kvm": "triple-fault", "emu": "triple-fault"}),
    # a triple fault on both backends (kvmemu once said KVM_EXIT_INTERNAL_ERROR here)
    ("mem_lab", "pd_without_ps", {"kvm": "triple-fault", "emu": "triple-fault"}),
    ("mem_lab", "rom_slot_0", {"kvm": "slot", "emu": "slot"}),
    ("mem_lab", "log_not_enabled", {"kvm": "dirty-log", "emu": "dirty-log"}),
    # KVM's page walks set A in 3 entries: +3; kvmemu's (Unicorn's) dirty one page: +1
    ("mem_lab", "no_ad_preset", {"kvm": "dirty-plus-3", "emu": "dirty-count"}),
    ("mem_lab", "popcount_32", {"kvm": "dirty-count", "emu": "dirty-count"}),
    ("mem_lab", "mmio_missing_break", {"kvm": "nothing-printed", "emu": "nothing-printed"}),
    ("mem_lab", "cs_32bit", {"kvm": "triple-fault", "emu": "-"}),
    ("cpu_lab", "no_conversion", {"kvm": "letter-case", "emu": "letter-case"}),
    ("cpu_lab", "partial_range", {"kvm": "letter-case", "emu": "letter-case"}),
    ("cpu_lab", "direction_inverted", {"kvm": "valid-out-refused", "emu": "valid-out-refused"}),
    ("cpu_lab", "missing_break", {"kvm": "valid-out-refused", "emu": "valid-out-refused"}),
    ("cpu_lab", "byte_from_port", {"kvm": "-", "emu": "-"}),
    ("cpu_lab", "newline_each", {"kvm": "-", "emu": "-"}),
]


def source(lab, what):
    if lab == "cpu_lab":
        return cpu_source(what)
    if what == "skeleton":
        return read(os.path.join(ROOT, "skeleton", lab, "sample-qemu.c"))
    if what == "todo2_undone":
        return mem_source(todo2_undone=True)
    return mem_source(what)


def need(backend):
    if not os.path.exists(GRADE):
        pytest.skip(f"{GRADE} not built (make all)")
    if backend == "kvm" and not kvm_usable():
        pytest.skip("no usable /dev/kvm: the KVM column of the diagnoses not checked")
    if backend == "emu" and not os.path.exists(LIBKVMEMU):
        pytest.skip(f"{LIBKVMEMU} not built (make all)")


def grade(lab, what, backend, tmp_path, lang="en"):
    src = tmp_path / "sample-qemu.c"
    src.write_text(source(lab, what))
    r = subprocess.run([GRADE, "--root", ROOT, "--build", BUILD, "--lab", lab, "--backend", backend,
                        "--seed", "1", "--lang", lang, str(src)],
                       capture_output=True, text=True, timeout=600)
    # 2 with a score: some scenario was a grader error (e.g. the sandbox could not start on a loaded
    # machine); it is left out of every diagnosis, and the others are still checked.
    graded = r.returncode == 0 or (r.returncode == 2 and "GRADER ERROR" in r.stdout and
                                   r.stdout.rstrip().splitlines()[-1].startswith("Score: "))
    assert graded, f"grade exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def top(report):
    """The lines before the first scenario line."""
    out = []
    for line in report.splitlines():
        if re.match(r"^(PASS|FAIL|ERR) ", line):
            break
        out.append(line)
    return out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("lab,what,want", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_the_top_names_the_cause(lab, what, want, backend, tmp_path):
    need(backend)
    report = grade(lab, what, backend, tmp_path)
    head = top(report)
    diag = [line for line in head if line.startswith("diagnosis: ")]
    score = report.splitlines()[-1]
    assert score.startswith("Score: ") and not score.startswith("Score: 0/0"), report
    rule = want[backend]
    if rule == "-":
        assert not diag, "\n".join(head)
        assert any(re.match(r"^your program .* in \d+ of \d+ scenarios", line) for line in head), \
            "the shared symptom is not said once at the top:\n" + "\n".join(head)
        return
    r = rules(lab)[rule]
    assert diag and diag[0].startswith(f"diagnosis: {r['symptom']}, in "), \
        f"want rule [{rule}] first:\n" + "\n".join(head)
    at = head.index(diag[0])
    assert head[at + 1] == f"  likely cause: {r['cause']}", "\n".join(head)
    if "see" in r:
        assert head[at + 2] == f"  read: {r['see']}", "\n".join(head)
    # said once; each covered scenario points to it, with no hint of its own
    assert report.count(f"diagnosis: {r['symptom']}") == 1
    blocks = re.split(r"\n(?=(?:PASS|FAIL|ERR) )", report)
    covered = [b for b in blocks if f"({r['symptom']}: the diagnosis at the top)" in b]
    assert covered, report
    for b in covered:
        assert "\n      hint: " not in b, b


def test_chinese_top(tmp_path):
    need("emu")
    report = grade("mem_lab", "lme_without_lma", "emu", tmp_path, lang="zh")
    r = rules("mem_lab")["set-sregs"]
    n = len([f for f in os.listdir(os.path.join(ROOT, "guests", "mem_lab")) if f.endswith(".asm")])
    assert f"诊断：{r['symptom-zh']}，{n}/{n} 个测例（第一个是 `hello`）" in report, report
    assert f"  可能的原因：{r['cause-zh']}" in report and f"  参阅：{r['see-zh']}" in report


def test_failures_in_teaching_order(tmp_path):
    """Scenario lines come in lab.conf's `order`, and "first in" names the simplest failure."""
    need("emu")
    for lab in ("cpu_lab", "mem_lab"):
        conf = read(os.path.join(ROOT, "labs", lab, "lab.conf"))
        order = re.search(r"^order\s*=\s*(.*)$", conf, re.M).group(1).split()
        names = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "guests", lab)) if f.endswith(".asm"))
        assert sorted(order) == names, f"{lab}: `order` must name every scenario once"
    report = grade("mem_lab", "skeleton", "emu", tmp_path)
    lines = [m.group(1) for m in map(re.compile(r"^(?:PASS|FAIL|ERR) +\S+ +(\S+)").match, report.splitlines()) if m]
    assert lines == order, lines


def test_every_rule_is_exercised():
    for lab in ("cpu_lab", "mem_lab"):
        used = {rule for c in CASES if c[0] == lab for rule in c[2].values()}
        assert set(rules(lab)) <= used, f"{lab}: rules no case exercises: {sorted(set(rules(lab)) - used)}"
