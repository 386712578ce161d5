"""Every lab's student tarball offers the same commands: `make`, `make sample-qemu-asan`,
`make check`, `make guests`, `make kvmemu`, `make clean`, `./kvm-emu`, and its README names each
of them. Each tarball is made (`make dist LAB=...`) and unpacked into a clean folder; the targets
are read from make's own database, not from the Makefile's text."""

import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VIRTLAB_BUILD", os.path.join(ROOT, "build"))
LABS = sorted(d for d in os.listdir(os.path.join(ROOT, "labs"))
              if os.path.isfile(os.path.join(ROOT, "labs", d, "lab.conf"))
              and os.path.isdir(os.path.join(ROOT, "skeleton", d)))
# What the handouts and READMEs promise students, in every lab.
COMMANDS = ["sample-qemu", "sample-qemu-asan", "check", "guests", "kvmemu", "clean"]


def clean_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("VIRTLAB_", "KVMEMU_", "MAKE", "MFLAGS")) and k not in ("BUILD", "BACKEND")}


@pytest.fixture(scope="module")
def tarballs(tmp_path_factory):
    out = {}
    for lab in LABS:
        r = subprocess.run(["make", "--no-print-directory", f"BUILD={BUILD}", f"LAB={lab}", "dist"], cwd=ROOT,
                           env=clean_env(), capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, f"make dist LAB={lab} failed:\n{r.stdout}\n{r.stderr}"
        top = tmp_path_factory.mktemp(lab)
        r = subprocess.run(["tar", "xzf", os.path.join(BUILD, "dist", f"{lab}-student.tar.gz")], cwd=top,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        out[lab] = os.path.join(top, lab)
    return out


def targets(folder):
    """The explicit targets of folder's Makefile, from `make -pq` (no built-in rules)."""
    r = subprocess.run(["make", "-pqrR"], cwd=folder, env=clean_env(), capture_output=True, text=True,
                       timeout=60)
    names, skip = set(), False
    for line in r.stdout.splitlines():
        if line.startswith("# Not a target"):
            skip = True
            continue
        m = re.match(r"^([A-Za-z][\w.-]*):(?!=)", line)
        if m and not skip:
            names.add(m.group(1))
        skip = False
    return names


def test_two_labs_at_least():
    assert {"cpu_lab", "mem_lab"} <= set(LABS), LABS


def test_same_commands(tarballs):
    got = {lab: targets(d) for lab, d in tarballs.items()}
    for lab, names in got.items():
        missing = [c for c in COMMANDS if c not in names]
        assert not missing, f"{lab}'s tarball has no make target {missing} (targets: {sorted(names)})"
    first = LABS[0]
    for lab in LABS[1:]:
        assert got[lab] == got[first], \
            f"{lab} and {first} differ: only in {lab}: {sorted(got[lab] - got[first])}, " \
            f"only in {first}: {sorted(got[first] - got[lab])}"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_commands_dry_run(tarballs, cmd):
    """Each command has a recipe make can plan in each unpacked tarball (make -n)."""
    for lab, d in tarballs.items():
        r = subprocess.run(["make", "-n", cmd], cwd=d, env=clean_env(), capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, f"{lab}: make -n {cmd}: {r.stderr}"


def test_readme_names_the_commands(tarballs):
    for lab, d in tarballs.items():
        readme = open(os.path.join(d, "README.md"), encoding="utf-8").read()
        assert readme.startswith(f"# {lab}:"), f"{lab}'s README is not its own: {readme[:80]!r}"
        for cmd in COMMANDS[1:]:
            assert f"make {cmd}" in readme, f"{lab}'s README does not mention `make {cmd}`"
        assert "./kvm-emu" in readme and "kvm-emu gdb" in readme, lab
        assert os.access(os.path.join(d, "kvm-emu"), os.X_OK), lab


def test_readme_is_the_labs_own(tarballs):
    """No lab ships another lab's README: each names its own guests folder and no other lab."""
    for lab, d in tarballs.items():
        readme = open(os.path.join(d, "README.md"), encoding="utf-8").read()
        assert f"kit/guests/{lab}/" in readme, lab
        for other in LABS:
            if other != lab:
                assert other not in readme, f"{lab}'s README names {other}"
