"""Intake (grader/core/intake.c, DESIGN.md "Intake"): a hostile class folder graded end to
end with `grade` (one submission) and `grade --batch` (the folder), and make variables
that try to run commands.

The class folder holds links to the kit's reference (absolute and through
/proc/self/cwd), to a secret file planted here, to /proc files (environ, pagemap,
mem, kmsg), a FIFO, a 1 GiB sparse file, a directory named sample-qemu.c, a
symlinked student folder and an empty file, beside one honest student. Each
hostile entry must get 0 with its cause, no marker of the secret (the file's, or
one planted in the grader's environment) may appear in any output, every grading
must end (generous subprocess timeouts, no timing asserts), and nothing may be
written outside the out dir.
"""
import csv
import os
import pathlib
import shutil
import subprocess
import tempfile
import uuid

import pytest

KIT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VIRTLAB_BUILD", KIT / "build"))
BUILD = BUILD if BUILD.is_absolute() else KIT / BUILD
GRADE = BUILD / "grade"
REFERENCE = KIT / "solution/cpu_lab/sample-qemu.c"
TIMEOUT = 600   # a bound on a hang, not a speed target
from readable_kit import NOBODY, readable_kit  # noqa: E402  (nobody grades a copy it can read)

pytestmark = pytest.mark.skipif(not GRADE.exists() or not (BUILD / "libkvmemu.so").exists(),
                                reason=f"{GRADE} or libkvmemu.so not built (make all)")

SECRET = "VIRTLAB-SECRET-" + uuid.uuid4().hex
ENV_SECRET = "VIRTLAB-ENV-SECRET-" + uuid.uuid4().hex

# entry -> (how to make it, expected CSV status). The submission path of each
# (for a single `grade`) is the folder's sample-qemu.c or the .c file itself.
SYMLINK = "rejected: symlink"
NOT_REGULAR = "rejected: not a regular file"


def make_bank(root):
    cls = root / "class"
    cls.mkdir()
    secret = root / "shadow"
    secret.write_text(f"root:{SECRET}:19000:0:99999:7:::\n")
    outside = root / "elsewhere"
    outside.mkdir()
    shutil.copy(REFERENCE, outside / "sample-qemu.c")

    def folder(name):
        d = cls / name
        d.mkdir()
        return d / "sample-qemu.c"

    shutil.copy(REFERENCE, folder("honest"))
    folder("ref_abs").symlink_to(REFERENCE)
    folder("ref_proc").symlink_to("/proc/self/cwd/solution/cpu_lab/sample-qemu.c")
    (cls / "ref_file.c").symlink_to(REFERENCE)
    folder("shadow").symlink_to(secret)
    (cls / "shadow_file.c").symlink_to(secret)
    folder("environ").symlink_to("/proc/self/environ")
    (cls / "pagemap.c").symlink_to("/proc/self/pagemap")
    (cls / "mem.c").symlink_to("/proc/self/mem")
    (cls / "kmsg.c").symlink_to("/proc/kmsg")
    os.mkfifo(folder("fifo"))
    with open(cls / "sparse.c", "wb") as f:
        f.truncate(1 << 30)
    folder("dirsrc").mkdir()
    (cls / "linked_folder").symlink_to(outside)
    (cls / "empty.c").write_bytes(b"")
    expect = {
        "honest": "graded",
        "ref_abs": SYMLINK, "ref_proc": SYMLINK, "ref_file": SYMLINK,
        "shadow": SYMLINK, "shadow_file": SYMLINK, "environ": SYMLINK,
        "pagemap": SYMLINK, "mem": SYMLINK, "kmsg": SYMLINK,
        "fifo": NOT_REGULAR, "dirsrc": NOT_REGULAR,
        "sparse": "rejected: over 1 MiB",
        "linked_folder": SYMLINK,
        "empty": "rejected: empty",
    }
    return cls, expect


def snapshot(root, skip):
    """Every path under root (links not followed) with its size and mtime, but skip/."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        if pathlib.Path(dirpath) == skip:
            dirs[:] = []
            continue
        for n in dirs + files:
            p = os.path.join(dirpath, n)
            if pathlib.Path(p) == skip:
                continue
            st = os.lstat(p)
            out[p] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def env_with_secret():
    env = dict(os.environ)
    env["VIRTLAB_TEST_SECRET"] = ENV_SECRET
    return env


def assert_no_secret(text, where):
    for marker in (SECRET, ENV_SECRET):
        assert marker not in text, f"{where}: holds the secret marker {marker[:24]}..."


def scan_outputs(out):
    for p in out.rglob("*"):
        if p.is_file():
            assert_no_secret(p.read_text(errors="replace"), str(p))


@pytest.mark.parametrize("as_nobody", [False, True], ids=["self", "nobody"])
@pytest.mark.parametrize("layer", ["auto", "fallback"])
def test_hostile_class_batch(layer, as_nobody):
    if as_nobody and (os.geteuid() != 0 or not shutil.which("setpriv")):
        pytest.skip("unprivileged variant: needs root and setpriv")
    # Not pytest's tmp_path: its parents are private to root, and nobody must get in.
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="virtlab-intake."))
    try:
        os.chmod(tmp_path, 0o1777)
        cls, expect = make_bank(tmp_path)
        for dirpath, dirs, files in os.walk(tmp_path):
            for n in dirs:
                os.chmod(os.path.join(dirpath, n), 0o755)
        out = tmp_path / "out"
        before = snapshot(tmp_path, out)
        env = env_with_secret()
        if layer == "fallback":
            env["VIRTLAB_SANDBOX"] = "fallback"
        kit, grade = readable_kit(KIT, BUILD) if as_nobody else (KIT, GRADE)
        cmd = [str(grade), "--batch", str(cls), "--csv", str(out / "grades.csv"), "--out", str(out / "res"),
               "--jobs", "2", "--backend", "emu", "--seed", "7", "--root", str(kit)]
        p = subprocess.run((NOBODY if as_nobody else []) + cmd, capture_output=True, text=True,
                           timeout=TIMEOUT, env=env, cwd=tmp_path)
        assert p.returncode == 0, f"expected exit 0, got {p.returncode}\nstderr: {p.stderr}"
        assert_no_secret(p.stdout, "stdout")
        assert_no_secret(p.stderr, "stderr")
        scan_outputs(out)
        with open(out / "grades.csv", newline="") as f:
            rows = {r["student"]: r for r in csv.DictReader(f)}
        assert set(rows) == set(expect), f"students: expected {sorted(expect)}, got {sorted(rows)}"
        for name, status in expect.items():
            r = rows[name]
            assert r["status"] == status, f"{name}: expected status {status!r}, got {r['status']!r}"
            if name == "honest":
                assert r["score"] == r["max"], f"honest: expected full marks, got {r['score']}/{r['max']}"
            else:
                assert r["score"] == "0", f"{name}: expected 0 points, got {r['score']}"
                report = (out / "res" / f"{name}.txt").read_text()
                assert "the submission was not graded: it is" in report, f"{name}.txt: {report}"
                assert report.rstrip().endswith(f"Score: 0/{r['max']}"), f"{name}.txt: {report}"
                assert (out / "res" / f"{name}.json").exists(), f"{name}: no results file"
        assert "rejected" in p.stdout, p.stdout
        if as_nobody:
            assert (out / "grades.csv").stat().st_uid == 65534, "the batch did not run as nobody"
        if layer == "fallback":
            assert "sandbox: fallback" in (out / "res" / "honest.txt").read_text()
        assert snapshot(tmp_path, out) == before, "something was written outside the out dir"
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


SINGLE = {   # submission path (relative to the class folder) -> expected cause
    "ref_abs/sample-qemu.c": "a symbolic link", "ref_proc/sample-qemu.c": "a symbolic link",
    "ref_file.c": "a symbolic link", "shadow/sample-qemu.c": "a symbolic link",
    "shadow_file.c": "a symbolic link", "environ/sample-qemu.c": "a symbolic link",
    "pagemap.c": "a symbolic link", "mem.c": "a symbolic link", "kmsg.c": "a symbolic link",
    "fifo/sample-qemu.c": "not a regular file", "dirsrc/sample-qemu.c": "a folder without sample-qemu.c",
    "sparse.c": "over 1 MiB", "empty.c": "empty",
}


@pytest.mark.parametrize("sub", sorted(SINGLE))
def test_hostile_submission_single(tmp_path, sub):
    cls, _ = make_bank(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(tmp_path, out)
    p = subprocess.run([str(GRADE), "--backend", "emu", "--root", str(KIT), "--json", str(out / "r.json"),
                        str(cls / sub)], capture_output=True, text=True, timeout=TIMEOUT,
                       env=env_with_secret(), cwd=out)
    assert p.returncode == 0, f"{sub}: expected exit 0 (a final 0), got {p.returncode}: {p.stderr}"
    assert f"the submission was not graded: it is {SINGLE[sub]}" in p.stdout, p.stdout
    assert p.stdout.rstrip().splitlines()[-1].startswith("Score: 0/"), p.stdout
    assert "GRADER ERROR" not in p.stdout, p.stdout
    assert_no_secret(p.stdout + p.stderr, sub)
    scan_outputs(out)
    assert snapshot(tmp_path, out) == before, "something was written outside the out dir"


def test_proc_paths_given_directly(tmp_path):
    """A TA's path straight to a /proc file: refused, never read (kmsg would block)."""
    for path in ("/proc/self/environ", "/proc/self/pagemap", "/proc/self/mem", "/proc/kmsg"):
        p = subprocess.run([str(GRADE), "--backend", "emu", "--root", str(KIT), path], capture_output=True,
                           text=True, timeout=TIMEOUT, env=env_with_secret(), cwd=tmp_path)
        if not os.path.exists(path):
            assert p.returncode == 2, f"{path}: missing, expected a setup error: {p.stderr}"
            continue
        if not os.access(path, os.R_OK):   # /proc/kmsg for a TA who isn't root
            assert p.returncode == 2 and "unreadable" in p.stderr, f"{path}: expected a setup error: {p.stderr}"
            assert_no_secret(p.stdout + p.stderr, path)
            continue
        assert p.returncode == 0 and "it is not a regular file" in p.stdout, f"{path}: {p.stdout}{p.stderr}"
        assert_no_secret(p.stdout + p.stderr, path)


# Folder names that are shell code: make passes them to grade as one argument.
HOSTILE_NAMES = ["x;touch PWNED;", "$(touch PWNED2)", "`touch PWNED3`", "it's \"quoted\" & spaced"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_make_grade_variable_is_one_argument(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    shutil.copy(REFERENCE, d / "sample-qemu.c")
    json_path = tmp_path / (name + ".json")
    p = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(KIT), "grade", "BACKEND=emu",
                        f"SUBMISSION={d / 'sample-qemu.c'}", f"JSON={json_path}"],
                       capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path)
    assert p.returncode == 0, f"make grade: exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
    last = p.stdout.rstrip().splitlines()[-1]
    assert last.startswith("Score: "), f"expected a Score line last, got {last!r}"
    got, full = last[len("Score: "):].split("/")
    assert got == full, f"the reference in {name!r}: expected full marks, got {last!r}"
    assert json_path.exists(), f"JSON= was not passed as one argument: no {json_path}"
    for where in (tmp_path, KIT, pathlib.Path("/")):
        for f in ("PWNED", "PWNED2", "PWNED3"):
            assert not (where / f).exists(), f"{where / f} was created: a make variable ran a command"


@pytest.mark.parametrize("name", HOSTILE_NAMES[:2])
def test_make_grade_all_variables_are_one_argument(tmp_path, name):
    cls = tmp_path / name
    (cls / "alice").mkdir(parents=True)
    shutil.copy(REFERENCE, cls / "alice" / "sample-qemu.c")
    csv_path = tmp_path / (name + " grades.csv")
    p = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(KIT), "grade-all", "BACKEND=emu",
                        f"SUBMISSIONS={cls}", f"CSV={csv_path}", "JOBS=1", "SEED=5"],
                       capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path)
    assert p.returncode == 0, f"make grade-all: exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["student"], r["status"]) for r in rows] == [("alice", "graded")], rows
    for where in (tmp_path, KIT):
        for f in ("PWNED", "PWNED2"):
            assert not (where / f).exists(), f"{where / f} was created: a make variable ran a command"


@pytest.mark.parametrize("fmt", ["gradescope", "prairielearn", "autolab"])
def test_long_source_line_report_bounded(tmp_path, fmt):
    """A 240 KB source line quoted by the compiler (once: a 1 MB report, a 2.9 MB
    PrairieLearn JSON) gives a report and results file of a few KiB, the error still shown."""
    line = 'static const char big[] = "' + "A" * 240000 + '" oops; int also = "' + "B" * 1000 + '" 1;\n'
    sub = tmp_path / "sample-qemu.c"
    sub.write_text(line + REFERENCE.read_text())
    res = tmp_path / "r.json"
    p = subprocess.run([str(GRADE), "--backend", "emu", "--root", str(KIT), "--format", fmt, "--json", str(res),
                        str(sub)], capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    assert "did not compile" in p.stdout and "error:" in p.stdout, p.stdout[:3000]
    assert len(p.stdout.encode()) < 16384, f"text report of {len(p.stdout.encode())} bytes"
    assert res.stat().st_size < 16384, f"{fmt} results file of {res.stat().st_size} bytes"
    assert max(len(l) for l in p.stdout.splitlines()) < 1000, "an uncapped line in the report"
