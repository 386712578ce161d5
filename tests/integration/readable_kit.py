"""A copy of the kit that another user can read, for the tests that run grade as nobody.

The clone may live where nobody can't enter (/root is 0700, many homes are 0700 or 0750):
grading as nobody from there would test the home's permissions, not the grader. So those
tests grade with a copy of what grade reads — the kit's files but .git and build/, and the
build but its caches and intermediates — made once per test process in a folder of /tmp,
readable by all (a+rX), owned by root like a kit a TA installed (nobody reads it, never
writes it), and removed at exit.
"""
import atexit
import os
import pathlib
import shutil
import tempfile

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

# What grade never reads in a build: the grader's cache, objects, other targets' outputs,
# and fetch-unicorn's download (unicorn/apt; the unpacked unicorn/root is what kvmemu loads).
BUILD_SKIP = {"cache", "tests", "grader", "kvmemu", "handout", "dist", "gradescope", "unicorn/apt"}

_copies = {}


def _readable(top):
    """a+rX below top: what the owner can read (or run, or enter), everyone can."""
    for dirpath, dirs, files in os.walk(top):
        os.chmod(dirpath, 0o755)
        for n in files:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                mode = os.stat(p).st_mode
                os.chmod(p, mode | 0o444 | (0o111 if mode & 0o100 else 0))


def readable_kit(kit, build):
    """(root, grade): a copy of kit, with build as its build/, that nobody can read. Grade
    with `grade --root root` (its default build is root/build)."""
    kit, build = pathlib.Path(kit).resolve(), pathlib.Path(build).resolve()
    key = (kit, build)
    if key not in _copies:
        top = pathlib.Path(tempfile.mkdtemp(prefix="virtlab-kit."))
        atexit.register(shutil.rmtree, top, True)
        root = top / "kit"
        shutil.copytree(kit, root, symlinks=True, ignore=lambda d, names: [
            n for n in names if n in (".git", "__pycache__") or (pathlib.Path(d) == kit and n == "build")])
        shutil.copytree(build, root / "build", symlinks=True, ignore=lambda d, names: [
            n for n in names if (pathlib.Path(d) / n).relative_to(build).as_posix() in BUILD_SKIP])
        _readable(top)
        _copies[key] = (root, root / "build" / "grade")
    return _copies[key]
