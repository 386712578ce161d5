"""check-lab: `grade --check-lab`, `make check-lab`, `make new-scenario`.

Every test works on its own copy of the lab (a temporary kit root holding
only what `grade --root` reads: labs/, guests/, skeleton/, solution/), with
build/grade and build/libkvmemu.so of this tree. The copies share one build
cache, so the reference, the skeleton and the mutants are compiled once.
Tests about one scenario keep only a few mutants, to stay fast.

The kill matrix of the shipped lab is read from check-lab's own report, and
the clauses of the handler contract are checked against it (DESIGNED_KILLS):
that is what tests/lab/test_mutants.py did before check-lab existed."""

import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, os.environ.get("VIRTLAB_BUILD", "build"))
GRADE = os.path.join(BUILD, "grade")
EMU_LIB = os.path.join(BUILD, "libkvmemu.so")
LAB = os.environ.get("VIRTLAB_LAB", "cpu_lab")   # make passes LAB= here
KIT_PARTS = ("labs", "guests", "skeleton", "solution")

sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
import labkit  # noqa: E402  (the splice rule, written out in python)

# Each clause of the handler contract has a scenario made for it: the
# handler missing just that clause must fail there, on every backend.
DESIGNED_KILLS = {
    "no_direction_check": "in_dir",
    "no_size_check": "out_word",
    "no_count_check": "string_batch",
    "loop_over_count": "string_batch",
    "no_port_check": "wrong_port",
    "toupper": "upper",
    "no_conversion": "upper",
    "partial_range": "mixed",
    "or_0x20": "mixed",
    "byte_from_rax": "rep_outsb",
    "hardcoded_4096": "pio_offset",
    "memorized_greeting": "random",
    "ignore_error": "wrong_port",
    "exit0_on_error": "wrong_port",
    "error_on_stdout": "port_imm",
    "missing_break": "hello",
}

# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("build-cache")


def make_kit(path, cache, with_makefile=False):
    os.makedirs(path)
    for part in KIT_PARTS:
        shutil.copytree(os.path.join(ROOT, part), os.path.join(path, part))
    if with_makefile:
        shutil.copy(os.path.join(ROOT, "Makefile"), path)
    os.makedirs(os.path.join(path, "build"))
    os.symlink(cache, os.path.join(path, "build", "cache"))
    return path


@pytest.fixture
def kit(tmp_path, cache):
    return make_kit(str(tmp_path / "kit"), str(cache))


def guest(kit, name):
    return os.path.join(kit, "guests", LAB, name + ".asm")


def mutant(kit, name):
    return os.path.join(kit, "labs", LAB, "mutants", name + ".c")


def keep_mutants(kit, *names):
    d = os.path.join(kit, "labs", LAB, "mutants")
    for f in os.listdir(d):
        if f[:-2] not in names:
            os.remove(os.path.join(d, f))


def line_of(path, prefix):
    """1-based line of the first line of path starting with prefix."""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith(prefix):
                return n
    raise AssertionError(f"{path}: no line starts with {prefix!r}")


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    assert old in text, (path, old)
    with open(path, "w") as f:
        f.write(text.replace(old, new, 1))


class Report:
    """check-lab's output: legend, matrix rows, warnings, errors, summary."""

    LEGEND = re.compile(r"^\s+(\d+)\s+(\S+)\s+(\d+) pt\s+kills\s+(\d+)\s+(.*)$")

    def __init__(self, p):
        self.rc, self.out, self.err = p.returncode, p.stdout, p.stderr
        lines = self.out.splitlines()
        self.errors = [l[len("error: "):] for l in lines if l.startswith("error: ")]
        self.warnings = [l[len("warning: "):] for l in lines if l.startswith("warning: ")]
        self.summary = lines[-1] if lines else ""
        self.scenarios = []             # names, in column order
        for l in lines:
            m = self.LEGEND.match(l)
            if m:
                assert int(m.group(1)) == len(self.scenarios) + 1, l
                self.scenarios.append(m.group(2))
        n = len(self.scenarios)
        row = re.compile(r"^(\S+)\s+([.Xke?!]{%d})(?:\s+(\d+))?\s+(.*)$" % n)
        self.rows, self.desc = {}, {}
        for l in lines:
            m = row.match(l) if n else None
            if m:
                self.rows[m.group(1)] = dict(zip(self.scenarios, m.group(2)))
                self.desc[m.group(1)] = m.group(4)

    def killers(self, name):
        return {s for s, mark in self.rows[name].items() if mark != "."}

    def has_error(self, text):
        return any(text in e for e in self.errors)

    def __repr__(self):
        return f"rc={self.rc}\n{self.out}\n--- stderr:\n{self.err}"


def check_lab(kit, *args, timeout=300):
    env = dict(os.environ, KVMEMU_LIB=EMU_LIB)
    p = subprocess.run([GRADE, "--check-lab", "--root", kit, "--lab", LAB, *args],
                       capture_output=True, text=True, timeout=timeout, env=env)
    r = Report(p)
    assert r.rc in (0, 1), f"check-lab must end with 0 or 1 here, never crash: {r}"
    assert r.summary.startswith(f"check-lab {LAB}: "), r
    return r


def grade(kit, submission, *args):
    env = dict(os.environ, KVMEMU_LIB=EMU_LIB)
    p = subprocess.run([GRADE, "--root", kit, "--lab", LAB, "--backend", "emu", *args, submission],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def mutant_names():
    d = os.path.join(ROOT, "labs", LAB, "mutants")
    return sorted(f[:-2] for f in os.listdir(d) if f.endswith(".c"))


def scenario_names():
    d = os.path.join(ROOT, "guests", LAB)
    return sorted(f[:-4] for f in os.listdir(d) if f.endswith(".asm"))


# ------------------------------------------------------------------ the shipped lab


@pytest.fixture(scope="module")
def shipped(tmp_path_factory, cache):
    """check-lab on an untouched copy, every usable backend (as make check-lab)."""
    base = tmp_path_factory.mktemp("shipped")
    kit = make_kit(str(base / "kit"), str(cache))
    report = check_lab(kit, "--write-mutants", str(base / "spliced"))
    report.spliced = str(base / "spliced")
    return report


def test_shipped_lab_passes(shipped):
    r = shipped
    assert r.rc == 0 and not r.errors, r
    assert "OK" in r.summary and f"all {len(mutant_names())} mutants are killed" in r.summary, r
    assert r.scenarios == scenario_names()
    assert set(r.rows) == {"(reference)", "(skeleton)", *mutant_names()}
    assert set(r.rows["(reference)"].values()) == {"."}, r
    assert set(r.rows["(skeleton)"].values()) == {"X"}, r
    for m in mutant_names():
        assert r.killers(m), f"{m} survives: {r}"


def test_matrix_rows_carry_the_descriptions(shipped):
    for m in mutant_names():
        with open(os.path.join(ROOT, "labs", LAB, "mutants", m + ".c")) as f:
            desc = f.readline()[3:].strip()
        assert shipped.desc[m].endswith(desc), (m, shipped.desc[m])


def test_weak_kills_are_warnings(shipped):
    """Mutants killed only by randomized or emulated-only scenarios are
    flagged, and no other mutant is."""
    headers = {n: labkit.parse_header(os.path.join(ROOT, "guests", LAB, n + ".asm"))
               for n in scenario_names()}
    weak = {n for n, h in headers.items() if h.get("random") == "yes" or h.get("backend") == "emu"}
    expected = {m for m in mutant_names() if shipped.killers(m) <= weak}
    flagged = {m for m in mutant_names()
               if any(f"mutant {m} is killed only by randomized or emulated-only" in w
                      for w in shipped.warnings)}
    assert flagged == expected, shipped


@pytest.mark.parametrize("mutant_name", sorted(DESIGNED_KILLS))
def test_designed_kill(mutant_name, shipped):
    scenario = DESIGNED_KILLS[mutant_name]
    assert shipped.rows[mutant_name][scenario] == "X", \
        f"{mutant_name} should fail {scenario} on every backend: {shipped}"


def test_splice_in_c_is_the_rule(shipped):
    """What check-lab compiles for a mutant is the skeleton with the mutant's
    body spliced in by the rule of HACKING.md (labkit.splice)."""
    for m in mutant_names():
        with open(os.path.join(ROOT, "labs", LAB, "mutants", m + ".c")) as f:
            body = f.read().partition("\n")[2]
        with open(os.path.join(shipped.spliced, m + ".c")) as f:
            assert f.read() == labkit.splice(body), m


# ------------------------------------------------------------------ failures


def test_surviving_mutant(shipped, kit):
    """Without the scenarios that alone kill no_size_check, it survives."""
    killers = shipped.killers("no_size_check")
    assert killers == {"out_word", "out_dword"}, shipped
    for s in killers:
        os.remove(guest(kit, s))
    keep_mutants(kit, "no_size_check", "toupper")
    r = check_lab(kit)
    assert r.rc == 1 and "FAILED" in r.summary, r
    assert r.has_error("labs/cpu_lab/mutants/no_size_check.c: mutant no_size_check survives "
                       "every scenario"), r
    assert len(r.errors) == 1, r
    assert set(r.rows["no_size_check"].values()) == {"."}, r


def test_changed_pin_fails_the_reference(kit):
    path = guest(kit, "hello")
    edit(path, '"hello, world!\\n', '"hello, World!\\n')
    keep_mutants(kit, "toupper")
    r = check_lab(kit, "--backend", "emu")
    line = line_of(path, "; expect-stdout:")
    assert r.rc == 1, r
    assert r.has_error(f"guests/cpu_lab/hello.asm:{line}: expect-stdout differs from the "
                       "reference's stdout on scenario hello, at byte 7"), r
    assert r.rows["(reference)"]["hello"] == "X", r


def test_changed_exit_pin_fails_the_reference(kit):
    path = guest(kit, "wrong_port")
    edit(path, "; expect-exit: error", "; expect-exit: success")
    keep_mutants(kit, "toupper")
    r = check_lab(kit, "--backend", "emu")
    line = line_of(path, "; expect-exit:")
    assert r.rc == 1, r
    assert r.has_error(f"guests/cpu_lab/wrong_port.asm:{line}: expect-exit is success, but the "
                       "reference ends with error"), r


def pinned_scenarios(kit):
    d = os.path.join(kit, "guests", LAB)
    return [f[:-4] for f in sorted(os.listdir(d))
            if f.endswith(".asm") and "; expect-" in open(os.path.join(d, f)).read()]


def test_wrong_reference_is_the_lab_not_the_backend(kit):
    """The reference no longer meets any pin (toupper): a failure of the
    lab's, at file:line, exit 1; never a backend "left out" nor an OK."""
    ref = os.path.join(kit, "solution", LAB, "sample-qemu.c")
    edit(ref, "tolower(", "toupper(")
    keep_mutants(kit, "toupper")
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 1 and "FAILED" in r.summary, r
    assert r.has_error("the reference meets none of the pins"), r
    line = line_of(guest(kit, "hello"), "; expect-stdout:")
    assert r.has_error(f"guests/{LAB}/hello.asm:{line}: expect-stdout differs"), r
    assert not any("can't run this lab" in e for e in r.errors + r.warnings), r


def test_every_pin_wrong_is_never_environment(kit):
    """Every pinned scenario pins output the reference doesn't give."""
    for s in pinned_scenarios(kit):
        path = guest(kit, s)
        text = open(path).read()
        new = re.sub(r'(; expect-stdout: ")', r'\1#', text, count=1)
        assert new != text or "; expect-stdout:" not in text
        open(path, "w").write(new)
    keep_mutants(kit, "toupper")
    r = check_lab(kit)
    assert r.rc == 1 and "FAILED" in r.summary, r
    assert not any("environment" in e or "can't run" in e for e in r.errors), r


def test_exit_only_pin_is_compared_on_exit_only(kit):
    """A scenario pinning only its exit class: its stdout comes from the
    reference, the pin decides nothing about it; the suite holds."""
    for s in pinned_scenarios(kit):
        path = guest(kit, s)
        lines = [l for l in open(path).read().split("\n") if not l.startswith("; expect-stdout:")]
        open(path, "w").write("\n".join(lines))
    keep_mutants(kit, "toupper")
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 0 and "OK" in r.summary and not r.errors, r
    assert "(0 pinned" not in r.summary, r


def test_nothing_checked_is_a_failure(kit):
    """No scenario at all: nothing checked, never OK."""
    d = os.path.join(kit, "guests", LAB)
    for f in os.listdir(d):
        if f.endswith(".asm"):
            os.remove(os.path.join(d, f))
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 1 and "FAILED" in r.summary, r
    assert r.has_error("no scenarios"), r


HELLO = "guests/cpu_lab/hello.asm"


def bad_header(kit, change):
    """Applies change(lines) to hello.asm's lines; returns nothing."""
    path = guest(kit, "hello")
    with open(path) as f:
        lines = f.read().split("\n")
    change(lines)
    with open(path, "w") as f:
        f.write("\n".join(lines))


MALFORMED = {
    # name: (change to hello.asm's lines, expected message)
    "duplicate_key": (lambda l: l.insert(1, "; title: again"), f"{HELLO}:2: duplicate key 'title'"),
    "unknown_key": (lambda l: l.insert(2, "; colour: red"), f"{HELLO}:3: unknown key 'colour'"),
    "bad_points": (lambda l: l.__setitem__(1, "; points: many"),
                   f"{HELLO}:2: points: points must be an integer >= 0"),
    "points_missing": (lambda l: l.pop(2), f"{HELLO}:7: missing required key 'points'"),   # line 3: after title, title-zh
    "bad_visibility": (lambda l: l.insert(2, "; visibility: secret"),
                       f"{HELLO}:3: visibility: visibility must be 'public' or 'hidden'"),
    "bad_pin": (lambda l: l.__setitem__(4, '; expect-stdout: hello'),
                f"{HELLO}:5: expect-stdout: must be a C-escaped string in double quotes"),
    "nasm_error": (lambda l: l.insert(11, "        mov ax, [bx+cx]"),
                   f"assembling {HELLO} failed: {HELLO}:12: error: invalid 16-bit effective address"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_scenario(kit, case):
    change, message = MALFORMED[case]
    bad_header(kit, change)
    r = check_lab(kit)
    assert r.rc == 1 and r.has_error(message), r
    assert "FAILED" in r.summary and "Traceback" not in r.err, r


def test_every_broken_file_is_reported_at_once(kit):
    bad_header(kit, lambda l: l.insert(1, "; title: again"))
    edit(guest(kit, "upper"), "; points:", "; pointz:")
    with open(mutant(kit, "nodesc"), "w") as f:
        f.write("\t\t\tbreak;\n")
    r = check_lab(kit)
    assert r.rc == 1, r
    assert r.has_error(f"{HELLO}:2: duplicate key 'title'"), r
    assert r.has_error("guests/cpu_lab/upper.asm:3: unknown key 'pointz'"), r
    assert r.has_error("labs/cpu_lab/mutants/nodesc.c:1: line 1 must be `// <one-line description"), r
    assert len(r.errors) == 3, r


def test_random_scenario_cannot_pin_stdout(kit):
    path = guest(kit, "random")
    edit(path, "; random: yes\n", '; random: yes\n; expect-stdout: "x"\n')
    r = check_lab(kit)
    line = line_of(path, "; expect-stdout:")
    assert r.rc == 1 and r.has_error(f"guests/cpu_lab/random.asm:{line}: expect-stdout pinned "
                                     "on a `random: yes` scenario"), r


def test_names_differing_in_case(kit):
    shutil.copy(guest(kit, "upper"), guest(kit, "Upper"))
    r = check_lab(kit)
    assert r.rc == 1, r
    assert r.has_error("guests/cpu_lab/upper.asm: scenario name 'upper' differs from 'Upper' "
                       "(guests/cpu_lab/Upper.asm) only in case"), r


def test_same_title_is_a_warning(kit):
    shutil.copy(guest(kit, "upper"), guest(kit, "upper2"))
    keep_mutants(kit, "toupper")
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 0 and not r.errors, r
    assert any(w.startswith("guests/cpu_lab/upper2.asm:1: same title as guests/cpu_lab/upper.asm")
               for w in r.warnings), r


def test_empty_guest(kit):
    with open(guest(kit, "empty"), "w") as f:
        f.write("; title: nothing\n; points: 1\n")
    r = check_lab(kit)
    assert r.rc == 1 and r.has_error("guests/cpu_lab/empty.asm: assembles to an empty image"), r


MUTANT_MISTAKES = {
    # body of labs/cpu_lab/mutants/bad.c: expected message
    "label": ("// has a label\n\t\t\tswitch (run->io.size) {\n\t\t\tcase 1: break;\n\t\t\t}\n",
              "labs/cpu_lab/mutants/bad.c:3: a case/default label in the handler"),
    "no_description": ("\t\t\tbreak;\n", "labs/cpu_lab/mutants/bad.c:1: line 1 must be"),
    "syntax_error": ("// forgets a semicolon\n\t\t\tputchar('x')\n\t\t\tbreak;\n",
                     "labs/cpu_lab/mutants/bad.c:2: does not compile spliced into the skeleton: "
                     "error: expected ';'"),
}


@pytest.mark.parametrize("case", sorted(MUTANT_MISTAKES))
def test_malformed_mutant(kit, case):
    text, message = MUTANT_MISTAKES[case]
    keep_mutants(kit, "toupper")
    with open(mutant(kit, "bad"), "w") as f:
        f.write(text)
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 1 and r.has_error(message), r


NEVER_HALTS = {
    "spin": "spin: jmp spin\n",
    "flood": "        mov dx, 0x3f8\n        mov al, 'y'\nflood:  out dx, al\n        jmp flood\n",
}


@pytest.mark.parametrize("case", sorted(NEVER_HALTS))
def test_guest_that_never_halts(kit, case):
    with open(guest(kit, case), "w") as f:
        f.write(f"; title: never halts\n; points: 1\n; timeout: 0.5\n;\nbits 16\norg 0x1000\n"
                f"{NEVER_HALTS[case]}")
    keep_mutants(kit, "toupper")
    r = check_lab(kit, "--backend", "emu", timeout=60)
    assert r.rc == 1, r
    # On kvmemu a spinning guest ends at its guest-instruction budget (lab.conf insn_budget), before
    # the CPU-time limit; a flooding one at the output cap.
    if case == "spin":
        budget = re.search(r"^insn_budget\s*=\s*(\d+)", open(os.path.join(kit, "labs", LAB, "lab.conf")).read(), re.M)
        n = budget.group(1) if budget else "10000000"
        want = (f"guests/cpu_lab/spin.asm: reference used its budget of {n} guest instructions on "
                "scenario spin: the guest never halts, or raise `insn-budget`")
    else:
        want = f"guests/cpu_lab/{case}.asm: reference flooded stdout on scenario {case}: the guest never halts?"
    assert r.has_error(want), r
    # Nothing else runs on a scenario without an expectation.
    assert r.rows["toupper"][case] == "?" and r.rows["(skeleton)"][case] == "?", r


def test_skeleton_must_score_zero(kit):
    with open(guest(kit, "just_hlt"), "w") as f:
        f.write("; title: only a hlt\n; points: 1\n;\nbits 16\norg 0x1000\n        hlt\n")
    keep_mutants(kit, "toupper")
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 1 and r.has_error("skeleton/cpu_lab/sample-qemu.c: the untouched skeleton "
                                     "passes scenario just_hlt (1 point): it must score 0"), r
    assert any("scenario just_hlt kills no mutant" in w for w in r.warnings), r


def test_reference_must_compile(kit):
    edit(os.path.join(kit, "solution", LAB, "sample-qemu.c"), "putchar(tolower(", "putchar(tolowr(")
    r = check_lab(kit)
    assert r.rc == 1, r
    assert any(re.match(r"solution/cpu_lab/sample-qemu\.c:\d+: does not compile with lab\.conf's "
                        r"flags: .*tolowr", e) for e in r.errors), r


def test_usage_errors():
    for args in (["--backend", "fast"], ["--jobs", "0"], ["x.c"], ["--bogus"]):
        p = subprocess.run([GRADE, "--check-lab", *args], capture_output=True, text=True, timeout=30)
        assert p.returncode == 2 and p.stderr.startswith("grade --check-lab: "), (args, p)


# ------------------------------------------------------------------ authoring

NEW_SCENARIO = """; title: digits and punctuation pass through unchanged
; points: 2
; hint: tolower() only changes letters.
; expect-exit: success
; expect-stdout: "abc 123 !?\\nKVM_EXIT_HLT\\n"
;
bits 16
org 0x1000

        mov dx, 0x3f8
        mov si, msg
.next:  lodsb
        test al, al
        jz .done
        out dx, al
        jmp .next
.done:  hlt

msg:    db "ABC 123 !?", 10, 0
"""


def test_adding_a_scenario_is_one_file(kit):
    solution = os.path.join(kit, "solution", LAB, "sample-qemu.c")
    before = grade(kit, solution)
    with open(guest(kit, "digits"), "w") as f:
        f.write(NEW_SCENARIO)
    after = grade(kit, solution)
    score = re.compile(r"^Score: (\d+)/(\d+)$", re.M)
    (n0, m0), (n1, m1) = [tuple(map(int, score.search(t).groups())) for t in (before, after)]
    assert (n1, m1) == (n0 + 2, m0 + 2) and n0 == m0, after
    lines = lambda t: [l for l in t.splitlines() if re.match(r"^(PASS|FAIL|ERR )  ", l)]
    assert len(lines(after)) == len(lines(before)) + 1
    assert any(re.match(r"^PASS  2/2  digits ", l) for l in lines(after)), after

    keep_mutants(kit, "toupper", "no_conversion", "or_0x20", "no_size_check")
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 0 and not r.errors, r
    assert "digits" in r.scenarios and len(r.scenarios) == len(scenario_names()) + 1, r
    assert r.rows["toupper"]["digits"] == "X" and r.rows["or_0x20"]["digits"] == "X", r
    assert r.rows["no_size_check"]["digits"] == ".", r


def test_new_scenario_scaffold(tmp_path, cache):
    kit = make_kit(str(tmp_path / "kit"), str(cache), with_makefile=True)

    def new(name):
        return subprocess.run(["make", "-s", "-C", kit, "new-scenario", f"NAME={name}"],
                              capture_output=True, text=True, timeout=60)

    p = new("out_imm16")
    path = guest(kit, "out_imm16")
    assert p.returncode == 0 and os.path.exists(path), p
    with open(path) as f:
        text = f.read()
    assert text.startswith("; title: ") and "out_imm16" in text and "@" not in text
    # It assembles as it is, with warnings on (as guests/guests.mk does: the
    # scenarios' folder on the include path, for serial.inc).
    a = subprocess.run(["nasm", "-f", "bin", "-w+all", "-I", os.path.dirname(path) + "/",
                        "-o", str(tmp_path / "g.bin"), path],
                       capture_output=True, text=True, timeout=30)
    assert a.returncode == 0 and not a.stderr, a

    again = new("out_imm16")
    assert again.returncode != 0 and "exists; not overwriting it" in again.stderr, again
    with open(path) as f:
        assert f.read() == text
    for bad in ("Foo", "a-b", "../x", "", "a b", "x$(id)"):
        p = new(bad)
        assert p.returncode != 0 and "NAME must match [a-z0-9_]+" in p.stderr, (bad, p)
    assert sorted(f for f in os.listdir(os.path.join(kit, "guests", LAB)) if f.endswith(".asm")) \
        == sorted([f + ".asm" for f in scenario_names()] + ["out_imm16.asm"])

    keep_mutants(kit, "toupper")
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 0 and not r.errors, r     # the reference meets the scaffold's pins
    assert "out_imm16" in r.scenarios, r
    assert r.rows["(reference)"]["out_imm16"] == "." and r.rows["toupper"]["out_imm16"] == "X", r
    assert any("out_imm16.asm:1: the title still says TODO" in w for w in r.warnings), r


def test_lab_files_read_through_intake(kit):
    """check-lab reads the reference, the skeleton and the mutants as a submission is
    read (grader/core/intake.c): a mutant that is a link, or not a regular file, is an error
    naming it, and nothing of its target is compiled or shown."""
    keep_mutants(kit, "toupper")
    secret = os.path.join(os.path.dirname(kit), "secret.c")
    with open(secret, "w") as f:
        f.write("// CHECKLAB-SECRET-MARKER\n")
    os.symlink(secret, mutant(kit, "linked"))
    os.mkfifo(mutant(kit, "fifo"))
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 1, r
    assert r.has_error("linked.c: symlink"), r.errors
    assert r.has_error("fifo.c: not a regular file"), r.errors
    assert "CHECKLAB-SECRET-MARKER" not in r.out + r.err
    # The reference as a link: refused too.
    ref = os.path.join(kit, "solution", LAB, "sample-qemu.c")
    os.rename(ref, ref + ".real")
    os.symlink(ref + ".real", ref)
    r = check_lab(kit, "--backend", "emu")
    assert r.rc == 1 and r.has_error("sample-qemu.c: symlink"), r.errors


# ------------------------------------------------------------------ generated mutants


def mutate(kit, *args):
    env = dict(os.environ, KVMEMU_LIB=EMU_LIB)
    p = subprocess.run([GRADE, "--check-lab", "--mutate", "--root", kit, "--lab", LAB, "--backend", "emu",
                        *args], capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode in (0, 1), p.stdout + p.stderr
    return p


def test_mutate_shipped_lab_has_no_unrecorded_survivor(kit):
    p = mutate(kit)
    assert p.returncode == 0, p.stdout
    m = re.search(r"mutate \w+: (\d+) generated mutants: (\d+) killed, 0 survive, (\d+) did not compile, "
                  r"(\d+) recorded as equivalent", p.stdout)
    assert m and int(m.group(2)) > 10, p.stdout


def test_mutate_lists_survivors_with_their_diff(kit):
    """Without the equivalents file, every recorded mutant is a survivor, with its diff."""
    eq = os.path.join(kit, "labs", LAB, "equivalent-mutants")
    recorded = [l for l in open(eq).read().split("\n") if l and not l.startswith("#")]
    os.remove(eq)
    p = mutate(kit)
    assert p.returncode == 1 and "FAILED" in p.stdout, p.stdout
    survivors = re.findall(r"^survivor \S+ \(solution/\w+/sample-qemu\.c:\d+, .*\):\n  - (.*)\n  \+ (.*)$",
                           p.stdout, re.M)
    assert sorted(f"{a}  =>  {b}" for a, b in survivors) == sorted(recorded), p.stdout


def test_mutate_finds_what_a_missing_scenario_lets_through(kit):
    """With hello alone, the handler's checks are shown by nothing: the mutant that
    accepts any access to port 0x3f8 (`&&` turned `||` before the port test) survives,
    named with its line and diff."""
    d = os.path.join(kit, "guests", LAB)
    for f in os.listdir(d):
        if f.endswith(".asm") and f != "hello.asm":
            os.remove(os.path.join(d, f))
    p = mutate(kit)
    assert p.returncode == 1, p.stdout
    assert re.search(r"^  \+ run->io\.count == 1 \|\| run->io\.port == 0x3f8\) \{$", p.stdout, re.M), p.stdout
    line = line_of(os.path.join(kit, "solution", LAB, "sample-qemu.c"), "\t\t\t    run->io.count == 1")
    assert any(f"sample-qemu.c:{line}: mutant " in e and "survives every scenario" in e
               for e in Report(subprocess.CompletedProcess([], p.returncode, p.stdout, "")).errors), p.stdout
