"""The reference unreachable (issue 22): the build cache (the reference's binary, its outputs,
the images) is the grader's alone, 0700 and 0600; as root the box runs under another uid, so a
VMM can't open or exec the cached reference even on the fallback without Landlock. Where no layer
can keep a box from the kit's files (not root, no bubblewrap, no Landlock), the grader says so."""
import glob
import os
import shutil
import stat
import subprocess
import tempfile

import pytest

import gradekit as gk
from readable_kit import NOBODY, readable_kit  # nobody grades a copy it can read (the clone may be in /root)

pytestmark = pytest.mark.skipif(not os.path.isfile(gk.GRADE) or not gk.emu_usable(),
                                reason=f"{gk.GRADE} or libkvmemu.so not built (make all)")

CACHE = os.path.join(gk.BUILD, "cache", gk.LAB)
MARKER = "REACHED-THE-CACHE"

# The reference, plus a constructor that tries every cached file by its path and says which
# it could open (to read or exec: either is the reference's build taken home).
STEAL = r"""
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
static const char *const targets[] = { @PATHS@ 0 };
__attribute__((constructor)) static void steal(void)
{
	for (int i = 0; targets[i]; i++) {
		int fd = open(targets[i], O_RDONLY);
		if (fd >= 0) {
			printf("REACHED-THE-CACHE %s\n", targets[i]);
			fflush(stdout);
			close(fd);
		}
	}
}
"""


def grade(src, env, *args):
    return subprocess.run([gk.GRADE, "--backend", "emu", "--seed", str(gk.SEED), *args, str(src)],
                          capture_output=True, text=True, timeout=300, env=env)


def test_cache_is_the_graders_alone(tmp_path):
    build = tmp_path / "build"   # a cache of its own: every file made by this grade
    build.mkdir(mode=0o755)
    env = dict(os.environ, KVMEMU_LIB=gk.EMU_LIB)
    p = grade(gk.SOLUTION, env, "--build", str(build))
    assert p.returncode == 0, p.stderr
    CACHE = os.path.join(build, "cache", gk.LAB)
    for d in (CACHE, os.path.dirname(CACHE)):
        assert stat.S_IMODE(os.stat(d).st_mode) & 0o077 == 0, f"{d} is {oct(os.stat(d).st_mode)}"
    vmms = glob.glob(os.path.join(CACHE, "vmm-*"))
    outs = glob.glob(os.path.join(CACHE, "expect-*.out"))
    assert vmms and outs, os.listdir(CACHE)
    for f in vmms + outs:
        assert stat.S_IMODE(os.stat(f).st_mode) & 0o077 == 0, f"{f} is {oct(os.stat(f).st_mode)}"
    # the key is a SHA-256: 64 hex digits
    assert all(len(os.path.basename(f)) == len("vmm-") + 64 for f in vmms), vmms


@pytest.mark.skipif(os.geteuid() != 0, reason="the box runs under another uid only when grading as root")
def test_box_cannot_open_the_cached_reference_without_landlock(tmp_path):
    grade(gk.SOLUTION, dict(os.environ))   # the cache exists
    targets = sorted(glob.glob(os.path.join(CACHE, "vmm-*")) + glob.glob(os.path.join(CACHE, "expect-*.out")))
    assert targets
    paths = " ".join('"%s",' % t for t in targets)
    with open(gk.SOLUTION) as f:
        src = STEAL.replace("@PATHS@", paths) + f.read()
    sub = tmp_path / "sample-qemu.c"
    sub.write_text(src)
    env = dict(os.environ, VIRTLAB_SANDBOX="fallback", VIRTLAB_LANDLOCK_ABI="0")
    p = grade(sub, env, "--scenario", "hello")
    assert p.returncode == 0, p.stderr
    assert "no landlock" in p.stderr, p.stderr   # the weaker layer says what it gives
    assert MARKER not in p.stdout, f"the box opened the cache:\n{p.stdout}"
    # and the check can fail: the same VMM run outside the box reads them
    out = subprocess.run(["cc", "-o", str(tmp_path / "vmm"), str(sub)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    direct = subprocess.run([str(tmp_path / "vmm")], capture_output=True, text=True, timeout=30)
    assert MARKER in direct.stdout, direct.stdout


def test_not_root_without_landlock_says_the_grade_cant_be_trusted():
    work = tempfile.mkdtemp(prefix="virtlab-noland.")
    try:
        cmd, kit, grade_bin = [], gk.ROOT, gk.GRADE
        if os.geteuid() == 0:   # as nobody: the box then runs as the grader's own uid
            cmd = NOBODY
            kit, grade_bin = readable_kit(gk.ROOT, gk.BUILD)
            os.chmod(work, 0o1777)
        env = dict(os.environ, VIRTLAB_SANDBOX="fallback", VIRTLAB_LANDLOCK_ABI="0", TMPDIR=work)
        env.pop("KVMEMU_LIB", None)   # the copy's own build/libkvmemu.so
        q = subprocess.run(cmd + [str(grade_bin), "--backend", "emu", "--scenario", "hello", "--root", str(kit),
                                  os.path.join(kit, "solution", gk.LAB, "sample-qemu.c")],
                           capture_output=True, text=True, timeout=300, env=env, cwd=work)
        assert "NO LANDLOCK AND NOT ROOT" in q.stderr and "can't be trusted" in q.stderr, q.stderr
        assert q.stderr.count("NO LANDLOCK AND NOT ROOT") == 1, q.stderr   # once
    finally:
        shutil.rmtree(work, ignore_errors=True)
