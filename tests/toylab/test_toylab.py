"""A lab is data: a second lab added to a copy of the kit purely as
files, with no code or Makefile edit, is graded, checked and packaged by the
kit's own targets; and BUILD= puts the whole build somewhere else.

The copy is the kit's tracked (and not ignored) files plus this kit's build
dir, times preserved, so that make only builds what the toy lab adds; the
BUILD=<elsewhere> test builds everything there from nothing."""
import os
import pathlib
import shutil
import subprocess
import tarfile

import pytest

HERE = pathlib.Path(__file__).resolve().parent
KIT = HERE.parents[1]
BUILD = KIT / os.environ.get("VIRTLAB_BUILD", "build")
TOY = HERE / "toy"


def make(kit, *args, timeout=900):
    p = subprocess.run(["make", "--no-print-directory", "-C", str(kit), *args], capture_output=True,
                       text=True, timeout=timeout, errors="replace")
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """A copy of the kit with the toy lab's files added, nothing else changed."""
    dest = tmp_path_factory.mktemp("toykit") / "kit"
    files = subprocess.run(["git", "-C", str(KIT), "ls-files", "-co", "--exclude-standard", "-z"],
                           capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        src = KIT / f
        if f.startswith("tests/toylab/toy/") or not src.is_file():
            continue
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / f, follow_symlinks=False)
    shutil.copytree(BUILD, dest / "build", symlinks=True,
                    ignore=shutil.ignore_patterns("dist", "gradescope", "cache", "tests"))
    for src in TOY.rglob("*"):
        if src.is_file():
            (dest / src.relative_to(TOY)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / src.relative_to(TOY))
    return dest


def test_toy_lab_is_only_files(kit):
    """The toy lab adds files under its own folders and touches nothing else."""
    added = {str(p.relative_to(TOY)) for p in TOY.rglob("*") if p.is_file()}
    assert added, "no toy lab files"
    for f in added:
        top, lab = f.split("/")[:2]
        assert top in ("labs", "skeleton", "solution", "guests", "handout") and lab == "toy", f


def test_grade_toy(kit):
    rc, out, err = make(kit, "grade", "LAB=toy")
    assert rc == 0, f"make grade LAB=toy: exit {rc}\n{out}\n{err}"
    lines = out.rstrip("\n").split("\n")
    assert lines[-1] == "Score: 4/4", f"expected full marks on the toy reference, got {lines[-1]!r}\n{out}"
    for name in ("hello", "wrong_port", "word"):
        assert any(l.startswith("PASS") and f" {name} " in l for l in lines), f"{name} not passed:\n{out}"
    assert (kit / "build/toy/guests/hello.bin").is_file(), "make all did not assemble the toy's guests"
    assert (kit / "build/toy/solution/sample-qemu").is_file(), "make all did not build the toy's VMMs"


def test_grade_toy_skeleton(kit):
    rc, out, err = make(kit, "grade", "LAB=toy", "SUBMISSION=skeleton/toy/sample-qemu.c")
    assert rc == 0, f"exit {rc}\n{out}\n{err}"
    assert out.rstrip("\n").split("\n")[-1] == "Score: 0/4", out


def test_check_lab_toy(kit):
    rc, out, err = make(kit, "check-lab", "LAB=toy", "BACKEND=emu")
    assert rc == 0, f"make check-lab LAB=toy: exit {rc}\n{out}\n{err}"
    last = out.rstrip("\n").split("\n")[-1]
    assert last.startswith("check-lab toy: OK: the reference passes all 3 scenarios (2 pinned), "
                           "the skeleton scores 0/4, all 2 mutants are killed"), last
    rows = {l.split()[0]: l for l in out.split("\n") if l.startswith(("tolower ", "no_port_check "))}
    assert set(rows) == {"tolower", "no_port_check"}, out


def test_dist_toy(kit):
    rc, out, err = make(kit, "dist", "LAB=toy")
    assert rc == 0, f"make dist LAB=toy: exit {rc}\n{out}\n{err}"
    tarball = kit / "build/dist/toy-student.tar.gz"
    with tarfile.open(tarball) as t:
        names = set(t.getnames())
    for want in ("toy/sample-qemu.c", "toy/Makefile", "toy/handout/en.html", "toy/kit/labs/toy/lab.conf",
                 "toy/kit/guests/toy/hello.asm", "toy/kit/guests/toy/wrong_port.asm",
                 "toy/kit/expect/hello.out", "toy/kit/expect/SEED"):
        assert want in names, f"{want} missing from {tarball}"
    for never in ("toy/kit/guests/toy/word.asm", "toy/kit/expect/word.out"):
        assert never not in names, f"the hidden scenario is in the tarball: {never}"
    assert not any("solution" in n or "mutants" in n for n in names), sorted(names)


def snapshot(d):
    return {str(p.relative_to(d)): p.stat().st_mtime_ns for p in d.rglob("*")}


def test_build_elsewhere(kit, tmp_path):
    """make BUILD=<elsewhere> grade: built and graded there, build/ untouched."""
    before = snapshot(kit / "build")
    elsewhere = tmp_path / "elsewhere"
    rc, out, err = make(kit, f"BUILD={elsewhere}", "grade")
    assert rc == 0, f"make BUILD={elsewhere} grade: exit {rc}\n{out[-3000:]}\n{err[-3000:]}"
    assert out.rstrip("\n").split("\n")[-1] == "Score: 27/27", out[-2000:]
    for f in ("grade", "libkvmemu.so", "cpu_lab/lab.mk", "cpu_lab/guests/hello.bin"):
        assert (elsewhere / f).is_file(), f"{elsewhere / f} was not built"
    assert (elsewhere / "cache/cpu_lab").is_dir(), "the grader's cache is not under BUILD"
    after = snapshot(kit / "build")
    assert after == before, f"build/ changed: {sorted(set(after.items()) ^ set(before.items()))[:10]}"
