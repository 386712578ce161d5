"""The student kit works offline once unpacked (issue 23): each lab's tarball carries the pinned
Unicorn packages (kit/unicorn/, checked against scripts/unicorn.sha256), and `make check` in a
clean unpack, run with the network cut (`unshare -n`) and no VIRTLAB_UNICORN_DEBS, builds kvmemu
from them and grades on it (BACKEND=emu): the reference gets full marks. On /dev/kvm the same
(skipped without one). A second `make check` does not say "first time only" again."""

import hashlib
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
LABS = ["cpu_lab", "mem_lab"]
REPORT_LINE = re.compile(r"^(PASS|FAIL|ERR) +(\d+)/(\d+) +(\S+) .*\[(\w+)")


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VIRTLAB_", "KVMEMU_", "MAKE", "MFLAGS")) and k not in ("BUILD", "BACKEND",
                                                                                        "LD_PRELOAD")}
    env["LC_ALL"] = "C"
    return env


def offline():
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return r.returncode == 0



def pinned():
    out = {}
    with open(os.path.join(ROOT, "scripts", "unicorn.sha256")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            s, name, arch = line.split()
            if arch == "amd64":
                out[name] = s
    return out


@pytest.fixture(scope="module", params=LABS)
def kit(request, tmp_path_factory):
    lab = request.param
    r = subprocess.run(["make", "--no-print-directory", f"BUILD={BUILD}", f"LAB={lab}", "dist"], cwd=ROOT,
                       env=clean_env(), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"make dist LAB={lab} failed:\n{r.stdout}\n{r.stderr}"
    top = tmp_path_factory.mktemp(f"{lab}-offline")
    r = subprocess.run(["tar", "xzf", os.path.join(BUILD, "dist", f"{lab}-student.tar.gz")], cwd=top,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    d = os.path.join(top, lab)
    shutil.copy(os.path.join(ROOT, "solution", lab, "sample-qemu.c"), os.path.join(d, "sample-qemu.c"))
    return lab, d


def test_carries_the_pinned_unicorn(kit):
    lab, d = kit
    got = sorted(os.listdir(os.path.join(d, "kit", "unicorn")))
    want = pinned()
    assert got == sorted(want), got
    for name, s in want.items():
        with open(os.path.join(d, "kit", "unicorn", name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == s, name


@pytest.mark.parametrize("backend", ["emu", "kvm"])
def test_check_offline(kit, backend):
    lab, d = kit
    if not offline():
        pytest.skip("unshare -n is not permitted here: the offline run not checked")
    if backend == "kvm" and not kvm_usable():
        pytest.skip("no usable /dev/kvm: the offline self-check on kvm not run")
    cmd = ["unshare", "-n", "make", "check", f"BACKEND={backend}"]
    r = subprocess.run(cmd, cwd=d, env=clean_env(), capture_output=True, text=True, timeout=900)
    out = r.stdout + r.stderr
    lines = {m.group(4): m.groups() for m in map(REPORT_LINE.match, r.stdout.splitlines()) if m}
    assert r.returncode == 0 and lines, out
    assert all(v[0] == "PASS" and v[4] == backend for v in lines.values()), out
    assert "make check: every public scenario passes" in out
    assert "deb.debian.org" not in out and "apt-get" not in out, out
    # once built, make check says nothing of building
    r = subprocess.run(cmd, cwd=d, env=clean_env(), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0 and "first time only" not in r.stdout + r.stderr, r.stdout + r.stderr


def test_kvm_emu_offline(kit):
    """./kvm-emu runs the student's program offline too (kvmemu built from the kit's packages)."""
    lab, d = kit
    if not offline():
        pytest.skip("unshare -n is not permitted here")
    r = subprocess.run(["unshare", "-n", "make", "-s", "sample-qemu"], cwd=d, env=clean_env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["unshare", "-n", "./kvm-emu", "./sample-qemu"], cwd=d, env=clean_env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.endswith("KVM_EXIT_HLT\n"), r.stdout + r.stderr


def test_missing_library_names_the_kits_command(kit, tmp_path):
    """Without kit/unicorn/ (and a system Unicorn older than 2.1), fetch-unicorn --check names
    the lab folder's own command, never the repository's script or the system's libunicorn-dev."""
    lab, d = kit
    r = subprocess.run(["pkg-config", "--modversion", "unicorn"], capture_output=True, text=True)
    if r.returncode == 0 and [int(x) for x in r.stdout.strip().split(".")[:2]] >= [2, 1]:
        pytest.skip("the system's Unicorn is >= 2.1: nothing is missing here")
    k = tmp_path / "kit"
    shutil.copytree(os.path.join(d, "kit"), k, symlinks=True)
    shutil.rmtree(k / "unicorn")
    shutil.rmtree(k / "build", ignore_errors=True)
    r = subprocess.run(["scripts/fetch-unicorn", "--check"], cwd=k, env=clean_env(), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert "make kvmemu" in r.stderr and "in the lab folder" in r.stderr, r.stderr
