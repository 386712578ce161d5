"""Issue 15, the batch and make side: resume keyed on the submission's content (never on its
mtime), STUDENT= / --student regrades exactly those students, FORCE=1 everyone, progress lines
when stderr is piped (k/N, rate, ETA) and one rewritten line on a terminal, SCENARIO= grades a
subset and says so. Everything on kvmemu (--backend emu)."""
import csv
import os
import pathlib
import pty
import re
import select
import subprocess
import sys
import time

import pytest

KIT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VIRTLAB_BUILD", KIT / "build"))
BUILD = BUILD if BUILD.is_absolute() else KIT / BUILD
GRADE = BUILD / "grade"
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_class  # noqa: E402

SCENARIOS = sorted(p.stem for p in (KIT / "guests/cpu_lab").glob("*.asm"))
REFERENCE = (KIT / "solution/cpu_lab/sample-qemu.c").read_text()
SKELETON = (KIT / "skeleton/cpu_lab/sample-qemu.c").read_text()
ODD = "o'neil $(x) 李"           # one argument through make, shown as UTF-8
SEED = 77

pytestmark = pytest.mark.skipif(not GRADE.exists() or not (BUILD / "libkvmemu.so").exists(),
                                reason=f"{GRADE} or libkvmemu.so not built (make all)")


def batch(classdir, out, *extra):
    cmd = [str(GRADE), "--batch", str(classdir), "--csv", str(out / "grades.csv"), "--jobs", "2",
           "--root", str(KIT), "--backend", "emu", "--seed", str(SEED), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def make(*args, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=KIT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], {r[0]: r for r in rows[1:]}


def files_of(out, name):
    return [out / "grades-results" / f"{name}{ext}" for ext in (".row", ".json", ".txt")]


def identity(out, names):
    """(mtime_ns, inode) of each student's row, results file and report: a regrade
    replaces them (atomic rename), a reuse leaves them as they are."""
    ids = {}
    for n in names:
        for f in files_of(out, n):
            st = f.stat()
            ids[str(f)] = (st.st_mtime_ns, st.st_ino)
    return ids


STUDENTS = ("alice", "bob", ODD, "zoe")


@pytest.fixture
def graded(tmp_path):
    """alice/sample-qemu.c and ODD/sample-qemu.c: the reference; bob.c: the skeleton (0);
    zoe.c: a faulty handler. Graded once."""
    d = tmp_path / "class"
    for folder in ("alice", ODD):
        (d / folder).mkdir(parents=True)
        (d / folder / "sample-qemu.c").write_text(REFERENCE + f"\n/* {folder} */\n")
    (d / "bob.c").write_text(SKELETON)
    (d / "zoe.c").write_text(dict(make_class.mutants())["toupper"])
    out = tmp_path / "out"
    p = batch(d, out)
    assert p.returncode == 0, p.stderr
    return d, out, p


def test_progress_lines_when_piped(graded):
    """stderr is a pipe here: one line per finished student, `[k/N] name: status S/M; R/min,
    ETA T`, k counting 1..N; the final summary on stdout as before."""
    _, out, p = graded
    line = re.compile(r"^grade: \[ *(\d+)/4\] (.+): (graded|did not compile) (\d+)/27; "
                      r"(\d+\.\d)/min, ETA (\d+s|\d+m\d\ds|\d+h\d\dm)$")
    found = [m for m in map(line.match, p.stderr.splitlines()) if m]
    assert [int(m.group(1)) for m in found] == [1, 2, 3, 4], f"expected 4 progress lines, got:\n{p.stderr}"
    assert sorted(m.group(2) for m in found) == sorted(STUDENTS), p.stderr
    assert found[-1].group(6) == "0s", found[-1].group(0)
    assert all(float(m.group(5)) > 0 for m in found), p.stderr
    _, rows = read_csv(out / "grades.csv")
    for m in found:
        assert m.group(4) == rows[m.group(2)][1], (m.group(0), rows[m.group(2)])
    assert "\r" not in p.stderr and "\x1b" not in p.stderr, repr(p.stderr)
    assert "4 students: 4 graded" in p.stdout and "mean" in p.stdout, p.stdout


def test_progress_on_a_terminal(graded, tmp_path):
    """On a terminal: one line rewritten in place (\\r ... ESC[K), not a line per student."""
    d, _, _ = graded
    out = tmp_path / "tty"
    master, slave = pty.openpty()
    cmd = [str(GRADE), "--batch", str(d), "--csv", str(out / "grades.csv"), "--jobs", "2",
           "--root", str(KIT), "--backend", "emu", "--seed", str(SEED)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    data = b""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 300:
        r, _, _ = select.select([master], [], [], 1)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        elif p.poll() is not None:
            break
    p.wait(30)
    os.close(master)
    assert p.returncode == 0, data
    text = data.decode()
    assert re.search(r"\r\[ *4/4\] [^\r\n]*ETA 0s\x1b\[K", text), repr(text)
    assert not re.search(r"\[ *\d+/4\][^\r]*\n", text), f"a progress line ended with a newline: {text!r}"
    assert ODD in text, repr(text)        # UTF-8 shown as such


def test_corrected_file_with_an_older_mtime_is_regraded(graded):
    """bob replaces his skeleton by a working handler whose file carries an old mtime (cp -p,
    unzip, tar x): regraded, and only he."""
    d, out, _ = graded
    others = identity(out, ["alice", ODD, "zoe"])
    bob = d / "bob.c"
    bob.write_text(REFERENCE)
    os.utime(bob, (946684800, 946684800))        # 2000-01-01: older than every row
    assert bob.stat().st_mtime_ns < (out / "grades-results/bob.row").stat().st_mtime_ns
    p = batch(d, out)
    assert p.returncode == 0, p.stderr
    assert "regrading 1 whose submission changed" in p.stderr and "resuming: 3 already graded" in p.stderr, \
        p.stderr
    _, rows = read_csv(out / "grades.csv")
    assert rows["bob"][1:3] == ["27", "27"], rows["bob"]
    assert identity(out, ["alice", ODD, "zoe"]) == others, "an unchanged student was regraded"


def test_unchanged_file_is_reused_whatever_its_mtime(graded):
    """Touched (newer mtime), or copied back with an older one: same bytes, same grade, reused."""
    d, out, _ = graded
    before = identity(out, STUDENTS)
    csv_before = (out / "grades.csv").read_text()
    future = time.time() + 3600
    os.utime(d / "alice" / "sample-qemu.c", (future, future))
    os.utime(d / "zoe.c", (946684800, 946684800))
    same = (d / "bob.c").read_bytes()
    (d / "bob.c").unlink()
    (d / "bob.c").write_bytes(same)                # a new file (inode), the same bytes
    p = batch(d, out)
    assert p.returncode == 0, p.stderr
    assert "resuming: 4 already graded" in p.stderr and "regrading" not in p.stderr, p.stderr
    assert identity(out, STUDENTS) == before, "a student whose bytes did not change was regraded"
    assert (out / "grades.csv").read_text() == csv_before


def test_make_student_regrades_exactly_one(graded):
    """STUDENT= (one argument whatever it holds) regrades that student even though nothing
    changed; the others' files are untouched; the gradebook is rewritten with every row."""
    d, out, _ = graded
    others = identity(out, ["alice", "bob", "zoe"])
    mine = identity(out, [ODD])
    csv_before = (out / "grades.csv").read_text()
    p = make("grade-all", f"SUBMISSIONS={d}", f"CSV={out / 'grades.csv'}", "BACKEND=emu", "JOBS=2",
             f"STUDENT={ODD}")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "regrading 1 named by --student" in p.stderr, p.stderr
    assert identity(out, ["alice", "bob", "zoe"]) == others, "another student's results were touched"
    now = identity(out, [ODD])
    assert all(now[f] != mine[f] for f in mine), "the named student was not regraded"
    assert (out / "grades.csv").read_text() == csv_before     # same seed, same bytes: same grades
    assert re.search(r"^grade: \[1/1\] " + re.escape(ODD) + ": graded 27/27;", p.stderr, re.M), p.stderr


def test_student_list_and_unknown_names(graded):
    d, out, _ = graded
    kept = identity(out, [ODD, "zoe"])
    p = batch(d, out, "--student", "alice,bob.c")        # the folder's or the file's name
    assert p.returncode == 0 and "regrading 2 named by --student" in p.stderr, p.stderr
    assert identity(out, [ODD, "zoe"]) == kept
    for bad in ("nobody", "Alice", "ali", "alice,nobody"):
        before = identity(out, STUDENTS)
        p = batch(d, out, "--student", bad)
        assert p.returncode == 2, (bad, p.stderr)
        assert "--student: no student named 'nobody'" in p.stderr or f"no student named '{bad}'" in p.stderr, \
            p.stderr
        # Names in the class folder are the students': an error lists none of them.
        for other in ("bob", "zoe", "o'neil"):
            assert other not in p.stderr, (bad, p.stderr)
        assert identity(out, STUDENTS) == before, "a refused run touched results"


def test_make_force_regrades_everyone(graded):
    d, out, _ = graded
    before = identity(out, STUDENTS)
    p = make("grade-all", f"SUBMISSIONS={d}", f"CSV={out / 'grades.csv'}", "BACKEND=emu", "JOBS=2", "FORCE=1")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "--force: regrading everyone" in p.stderr and "resuming" not in p.stderr, p.stderr
    after = identity(out, STUDENTS)
    assert all(after[f] != before[f] for f in before), "FORCE=1 reused a row"
    p = make("grade-all", f"SUBMISSIONS={d}", f"CSV={out / 'grades.csv'}", "FORCE=yes")
    assert p.returncode != 0 and "FORCE must be 1" in p.stderr, p.stderr


def test_make_grade_scenario_subset():
    """SCENARIO= grades only those scenarios and the score line says the grade is partial."""
    p = make("grade", "BACKEND=emu", "SCENARIO=wrong_port,hello")
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.rstrip("\n").split("\n")
    graded = [l.split()[2] for l in lines if re.match(r"^(PASS|FAIL|ERR) ", l)]
    assert graded == ["hello", "wrong_port"], lines
    assert lines[-1] == f"Score: 5/5 (partial: 2 of {len(SCENARIOS)} scenarios: hello,wrong_port)", lines[-1]


def test_make_grade_unknown_scenario(tmp_path):
    marker = tmp_path / "ran"
    p = make("grade", "BACKEND=emu", f"SCENARIO=hello;touch {marker}")
    assert p.returncode != 0, p.stdout
    assert f"--scenario: no scenario 'hello;touch {marker}'" in p.stderr, p.stderr
    assert all(s in p.stderr for s in SCENARIOS), f"the known scenarios are not listed:\n{p.stderr}"
    assert not marker.exists() and "Score:" not in p.stdout
    p = make("grade", "BACKEND=emu", "SCENARIO=Hello")         # names are exact
    assert p.returncode != 0 and "no scenario 'Hello'" in p.stderr, p.stderr


def test_batch_refuses_a_scenario_subset(graded):
    """A partial grade must never become (or be resumed as) a full one."""
    d, out, _ = graded
    before = identity(out, STUDENTS)
    csv_before = (out / "grades.csv").read_text()
    p = make("grade-all", f"SUBMISSIONS={d}", f"CSV={out / 'grades.csv'}", "BACKEND=emu", "SCENARIO=hello")
    assert p.returncode != 0 and "a batch grades every scenario" in p.stderr, p.stderr
    assert identity(out, STUDENTS) == before and (out / "grades.csv").read_text() == csv_before


def test_student_keeps_others_but_says_when_they_are_stale(graded):
    """--student keeps the others' rows as they are, and says how many no longer match their
    submission; the next full run regrades exactly those."""
    d, out, _ = graded
    (d / "zoe.c").write_text(REFERENCE)                # zoe fixed her handler
    zoe = identity(out, ["zoe"])
    _, before = read_csv(out / "grades.csv")
    p = batch(d, out, "--student", "alice")
    assert p.returncode == 0, p.stderr
    assert "kept 1 other student(s)' results made from another submission" in p.stderr, p.stderr
    _, rows = read_csv(out / "grades.csv")
    assert rows["zoe"] == before["zoe"] and identity(out, ["zoe"]) == zoe
    p = batch(d, out)
    assert p.returncode == 0 and "regrading 1 whose submission changed" in p.stderr, p.stderr
    _, rows = read_csv(out / "grades.csv")
    assert rows["zoe"][1] == "27", rows["zoe"]
