"""`make dist LAB=mem_lab`: the second lab's student tarball, made here (whatever LAB make test
runs with), unpacked into a clean folder and used as a student would: what it ships, what it
must not, and its `make check` on the skeleton (0) and on the reference (full marks on /dev/kvm;
on kvmemu full marks once kvmemu runs long mode, until then a grader error, never a 0).

test_dist.py checks the tarball of $(LAB) (cpu_lab under make test) in depth; this file checks
what is particular to a lab with several TODO regions and a long-mode guest."""

import os
import re
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab"))
from labkit import kvm_usable  # noqa: E402  (/dev/kvm opens and answers API version 12)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VIRTLAB_BUILD", os.path.join(ROOT, "build"))
LAB = "mem_lab"
TARBALL = os.path.join(BUILD, "dist", f"{LAB}-student.tar.gz")
GUEST_DIR = os.path.join(ROOT, "guests", LAB)
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
REPORT_LINE = re.compile(r"^(PASS|FAIL|ERR) +(\d+)/(\d+) +(\S+) .*\[(\w+)")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def header(name):
    h = {}
    for line in read(os.path.join(GUEST_DIR, name + ".asm")).splitlines():
        m = re.match(r"^; ([a-z-]+): (.*)$", line)
        if not m:
            break
        h[m.group(1)] = m.group(2)
    return h


SCENARIOS = {f[:-4]: header(f[:-4]) for f in sorted(os.listdir(GUEST_DIR)) if f.endswith(".asm")}
PUBLIC = {n: h for n, h in SCENARIOS.items() if h.get("visibility", "public") == "public"}
HIDDEN = sorted(set(SCENARIOS) - set(PUBLIC))
TOTAL = sum(int(h["points"]) for h in PUBLIC.values())


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VIRTLAB_", "KVMEMU_", "MAKE", "MFLAGS"))}
    return env



@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    r = subprocess.run(["make", "--no-print-directory", f"BUILD={BUILD}", f"LAB={LAB}", "dist"], cwd=ROOT,
                       env=clean_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"make dist LAB={LAB} failed:\n{r.stdout}\n{r.stderr}"
    top = tmp_path_factory.mktemp("mem_lab-dist")
    r = subprocess.run(["tar", "xzf", TARBALL], cwd=top, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return os.path.join(top, LAB)


def files_under(top):
    out = {}
    for d, _, fs in os.walk(top):
        for f in fs:
            p = os.path.join(d, f)
            out[os.path.relpath(p, top)] = p
    return out


def run(cmd, cwd, **env):
    return subprocess.run(cmd, cwd=cwd, env={**clean_env(), **env}, capture_output=True, text=True,
                          timeout=600)


def test_ships_the_lab(unpacked):
    assert read(os.path.join(unpacked, "sample-qemu.c")) == read(SKELETON)
    for f in ["Makefile", "README.md", "kvm-emu", "handout/en.md", "handout/zh.md", "handout/en.html",
              "handout/zh.html", "handout/report-template-en.md", "handout/report-template-zh.md",
              f"kit/labs/{LAB}/lab.conf"]:
        assert os.path.isfile(os.path.join(unpacked, f)), f"{f} is missing"
    for lang in ("en", "zh"):
        html = read(os.path.join(unpacked, "handout", f"{lang}.html"))
        assert html.count("<svg") >= 3, f"{lang}.html: the inline figures are missing"
    figs = sorted(os.listdir(os.path.join(unpacked, "handout", "fig")))
    want = sorted(f"{n[:-4]}.{lang}.svg" for n in os.listdir(os.path.join(ROOT, "handout", LAB, "fig"))
                  for lang in ("en", "zh"))
    assert figs == want and len(figs) >= 6, f"handout/fig/: {figs}, want {want}"
    guests = sorted(os.listdir(os.path.join(unpacked, "kit", "guests", LAB)))
    assert guests == sorted([n + ".asm" for n in PUBLIC] + ["README.md", "console.inc"])
    for f in guests:
        assert read(os.path.join(unpacked, "kit", "guests", LAB, f)) == read(os.path.join(GUEST_DIR, f)), f


def test_expectations(unpacked):
    expect = os.path.join(unpacked, "kit", "expect")
    names = sorted(os.listdir(expect))
    want = sorted(["SEED"] + [f"{n}.{e}" for n in PUBLIC for e in ("out", "exit")])
    extra = [n for n in names if n not in want]
    assert sorted(set(names) - set(extra)) == want and extra in ([], ["unusable-emu"]), names
    for name, h in PUBLIC.items():
        if "expect-exit" in h:
            assert read(os.path.join(expect, name + ".exit")).strip() == h["expect-exit"], name


def test_nothing_it_must_not_ship(unpacked):
    """No hidden scenario (not even its name in the contract), no mutant, no reference."""
    files = files_under(unpacked)
    assert not [f for f in files if "mutant" in f or f.startswith("solution")], files
    sol = read(SOLUTION)
    todo2 = sol[sol.index("TODO 2 begins"):sol.index("TODO 2 ends")]
    todo2 = todo2[todo2.index("\n") + 1:]
    for rel, p in files.items():
        if p.endswith((".c", ".md", ".html", ".asm", ".inc", "Makefile")) and "/grader/" not in p:
            text = read(p)
            assert todo2 not in text, f"{rel}: holds the reference's TODO 2"
            for h in HIDDEN:
                assert f"{h}.asm" not in text and f"`{h}`" not in text, f"{rel}: names hidden scenario {h}"


def test_check_skeleton_scores_zero(unpacked):
    r = run(["make", "check"], unpacked)
    lines = {m.group(4): m.groups() for m in map(REPORT_LINE.match, r.stdout.splitlines()) if m}
    assert r.returncode == 2 and sorted(lines) == sorted(PUBLIC), r.stdout + r.stderr
    if kvm_usable():
        assert all(v[0] == "FAIL" and v[1] == "0" for v in lines.values()), r.stdout
        assert f"Score: 0/{TOTAL}" in r.stdout
    else:   # kvmemu: 0 from the skeleton, or a grader error while kvmemu can't run the lab
        assert all(v[1] == "0" for v in lines.values()), r.stdout


@pytest.fixture(scope="module")
def solved(unpacked):
    """The unpacked kit (kit/build included) with the reference as sample-qemu.c: the skeleton
    with every TODO region written, as a student who solved the lab has it."""
    dst = os.path.join(os.path.dirname(unpacked), "solved", LAB)
    shutil.copytree(unpacked, dst, symlinks=True)
    shutil.copy(SOLUTION, os.path.join(dst, "sample-qemu.c"))
    return dst


@pytest.mark.parametrize("backend", ["kvm", "emu"])
def test_check_reference(solved, backend):
    if backend == "kvm" and not kvm_usable():
        pytest.skip("no usable /dev/kvm: the tarball's self-check on kvm not run")
    r = run(["make", "check", f"BACKEND={backend}"], solved)
    lines = {m.group(4): m.groups() for m in map(REPORT_LINE.match, r.stdout.splitlines()) if m}
    assert sorted(lines) == sorted(PUBLIC), r.stdout + r.stderr
    if r.returncode == 0:
        assert all(v[0] == "PASS" and v[4] == backend for v in lines.values()), r.stdout
        assert f"Score: {TOTAL}/{TOTAL}" in r.stdout
        return
    # Only kvmemu may fail to run the lab, and then every row is a grader error, never a FAIL.
    assert backend == "emu" and r.returncode == 2, r.stdout + r.stderr
    assert all(v[0] == "ERR" for v in lines.values()) and "can't run this lab" in r.stdout, r.stdout
    pytest.skip("kvmemu can't run mem_lab yet: the self-check on emu says so (every scenario ERR, exit 2)")
