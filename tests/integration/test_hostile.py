"""Grades each hostile submission (tests/hostile/*.attack.c) with build/grade --json and
checks the grader survives it: points lost, bounded time and output, nothing left running,
nothing leaked from solution/ or the hidden guests, nothing written outside the scratch.

Run as root (CI) it also grades a subset as an unprivileged user (nobody) via setpriv,
with a copy of the kit nobody can read (readable_kit.py: the clone may be in /root).
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

KIT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VIRTLAB_BUILD", KIT / "build"))
GRADE = BUILD / "grade"
sys.path.insert(0, str(KIT / "tests/hostile"))
import make_bank  # noqa: E402
from readable_kit import NOBODY, readable_kit  # noqa: E402

ATTACKS = sorted(p.name[: -len(".attack.c")] for p in (KIT / "tests/hostile").glob("*.attack.c"))
# A hang guard, not a speed check: each run has its own limits, and a loaded
# machine (load average 23 while CI-sized suites ran beside) took 123 s here.
TIME_BOUND_S = 600
SIZE_BOUND = 1 << 20
NOBODY_ATTACKS = {"fake_score", "setsid_child", "write_files", "fork_bomb", "read_solution"}

pytestmark = pytest.mark.skipif(not GRADE.exists(), reason=f"{GRADE} not built (make all)")


def secret_lines():
    """Distinctive lines of solution/'s handler and the hidden guests' bodies."""
    lines = set()
    skeleton = (KIT / "skeleton/cpu_lab/sample-qemu.c").read_text()
    solution = (KIT / "solution/cpu_lab/sample-qemu.c").read_text()
    m = re.search(r"case KVM_EXIT_IO:(.*?)case KVM_EXIT_FAIL_ENTRY", solution, re.S)
    body = m.group(1) if m else solution
    lines |= {l.strip() for l in body.splitlines() if len(l.strip()) >= 20 and l.strip() not in skeleton}
    public = ""
    for g in (KIT / "guests/cpu_lab").glob("*.asm"):
        if not re.search(r"^; visibility: hidden", g.read_text(), re.M):
            public += g.read_text()
    for g in (KIT / "guests/cpu_lab").glob("*.asm"):
        text = g.read_text()
        if re.search(r"^; visibility: hidden", text, re.M):
            code = [l.strip() for l in text.splitlines() if not l.startswith(";")]
            lines |= {l for l in code if len(l) >= 20 and l not in public}
    return lines


def tagged_processes(tag):
    found = []
    for p in pathlib.Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            if tag.encode() in (p / "cmdline").read_bytes():
                found.append(int(p.name))
        except OSError:
            pass
    return found


def tagged_files(tag, kit=KIT):
    homes = {os.path.expanduser("~"), "/root", "/tmp", "/var/tmp", "/dev/shm", str(KIT), str(BUILD),
             str(kit), str(kit / "build")}
    hits = []
    for d in homes:
        try:
            hits += [os.path.join(d, n) for n in os.listdir(d) if tag in n]
        except OSError:
            pass
    return hits


def grade(attack, as_nobody):
    """(tag, work, proc, out_json, elapsed, kit): kit is the one graded with (its copy as nobody)."""
    tag = "vlhostile" + uuid.uuid4().hex[:12]
    kit, grade_bin = readable_kit(KIT, BUILD) if as_nobody else (KIT, GRADE)
    variants = dict(make_bank.variants(tag, kit))
    work = pathlib.Path(tempfile.mkdtemp(prefix="virtlab-hostile."))
    os.chmod(work, 0o1777)
    sub = work / "sample-qemu.c"
    sub.write_text(variants[attack])
    os.chmod(sub, 0o644)
    out_json = work / "result.json"
    cmd = [str(grade_bin), "--root", str(kit), "--json", str(out_json), str(sub)]
    if as_nobody:
        cmd = NOBODY + cmd
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, timeout=TIME_BOUND_S + 30, cwd=work)
    elapsed = time.monotonic() - t0
    return tag, work, proc, out_json, elapsed, kit


@pytest.mark.parametrize("as_nobody", [False, True], ids=["self", "nobody"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile(attack, as_nobody):
    if as_nobody and (os.geteuid() != 0 or not shutil.which("setpriv") or attack not in NOBODY_ATTACKS):
        pytest.skip("unprivileged variant: needs root + setpriv; run for a subset of attacks")
    if as_nobody and not (BUILD / "libkvmemu.so").exists():
        pytest.skip("unprivileged variant: nobody can't open /dev/kvm here and build/libkvmemu.so is missing")
    tag, work, proc, out_json, elapsed, kit = grade(attack, as_nobody)
    try:
        report = proc.stdout
        assert proc.returncode in (0, 2), proc.stderr[-2000:]
        assert elapsed < TIME_BOUND_S, f"grading took {elapsed:.1f}s"
        assert len(report) < SIZE_BOUND and len(proc.stderr) < SIZE_BOUND
        # the grader lived and wrote its JSON
        assert out_json.exists(), proc.stderr[-2000:]
        raw = out_json.read_bytes()
        assert len(raw) < SIZE_BOUND
        result = json.loads(raw)
        assert result["score"] < result["max_score"], "a hostile submission kept full points"
        last = report.decode(errors="replace").rstrip("\n").splitlines()[-1]
        assert last == f"Score: {result['score']}/{result['max_score']}", last
        # nothing of the box left running
        deadline = time.monotonic() + 2
        while tagged_processes(tag) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not tagged_processes(tag), "processes of the box survived grading"
        # nothing leaked from solution/ or a hidden guest
        text = report.decode(errors="replace") + raw.decode(errors="replace") + proc.stderr.decode(errors="replace")
        leaked = [l for l in secret_lines() if l in text]
        assert not leaked, f"leaked into the report: {leaked[:3]}"
        # no file planted outside the scratch space
        assert not tagged_files(tag, kit), tagged_files(tag, kit)
    finally:
        for pid in tagged_processes(tag):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        for f in tagged_files(tag, kit):
            os.unlink(f)
        shutil.rmtree(work, ignore_errors=True)
