"""`grade --batch`: a class graded in parallel into a CSV gradebook, per-student
results, resumable; and the PrairieLearn / Autolab results formats.

The class (make_class.py) mixes correct handlers, faulty ones (the lab's mutants
spliced into the skeleton), one that does not compile and three hostile ones:
one hangs (every run times out: graded 0; alone, under a short deadline, its grader is killed),
one floods its output, one crashes. Everything runs on kvmemu (--backend emu)
so the results don't depend on the machine.
"""
import csv
import io
import json
import re
import os
import pathlib
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

KIT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VIRTLAB_BUILD", KIT / "build"))
BUILD = BUILD if BUILD.is_absolute() else KIT / BUILD
GRADE = BUILD / "grade"
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_class  # noqa: E402

SEED = 4242
# Per student, a wall-clock safety net (grade --deadline) for the grader itself: generous, so every
# student of the class is graded, the hanging one too (its runs sleep: each ends as its timeout, a 0).
# test_deadline_kills_a_grader_that_takes_too_long checks the net with a hanging student alone.
DEADLINE = 300
COMMON = ["--root", str(KIT), "--backend", "emu"]
SCENARIOS = sorted(p.stem for p in (KIT / "guests/cpu_lab").glob("*.asm"))
HIDDEN = {p.stem for p in (KIT / "guests/cpu_lab").glob("*.asm") if "; visibility: hidden" in p.read_text()}

pytestmark = pytest.mark.skipif(not GRADE.exists() or not (BUILD / "libkvmemu.so").exists(),
                                reason=f"{GRADE} or libkvmemu.so not built (make all)")


def batch_cmd(classdir, out, *extra, jobs=2, seed=SEED, deadline=DEADLINE):
    cmd = [str(GRADE), "--batch", str(classdir), "--csv", str(out / "grades.csv"), "--jobs", str(jobs),
           "--deadline", str(deadline), *COMMON, *extra]
    return cmd + (["--seed", str(seed)] if seed is not None else [])


def batch(classdir, out, *extra, **kw):
    return subprocess.run(batch_cmd(classdir, out, *extra, **kw), capture_output=True, text=True, timeout=300)


def start(classdir, out, *extra, **kw):
    return subprocess.Popen(batch_cmd(classdir, out, *extra, **kw), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], {r[0]: r for r in rows[1:]}


def submission(classdir, name):
    folder = classdir / name / "sample-qemu.c"
    return folder if folder.exists() else classdir / f"{name}.c"


def wait_for(cond, timeout, what):
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout, f"timed out waiting for {what}"
        time.sleep(0.05)


def processes_with(needle):
    """pids whose command line mentions needle (bytes)."""
    found = []
    for p in pathlib.Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if needle in (p / "cmdline").read_bytes():
                    found.append(int(p.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    d = tmp_path_factory.mktemp("class")
    return d, dict(make_class.write_class(d, count=30, broken=1, with_hostile=True))


@pytest.fixture(scope="module")
def full(klass, tmp_path_factory):
    d, _ = klass
    out = tmp_path_factory.mktemp("full")
    p = batch(d, out)
    return p, out, (out / "grades.csv").read_text()


def test_gradebook(klass, full):
    d, students = klass
    p, out, text = full
    assert p.returncode == 0, p.stderr        # every student graded, the hanging one too
    header, rows = read_csv(out / "grades.csv")
    assert header == ["student", "score", "max", *SCENARIOS, "warnings", "causes", "status"]
    assert sorted(rows) == sorted(students)
    for name, kind in students.items():
        r = dict(zip(header, rows[name]))
        if name.endswith("_hanging"):
            assert (r["status"], r["score"], r["max"]) == ("graded", "0", "27"), r
            assert all(r[s] == "0" for s in SCENARIOS), r
            continue
        assert r["max"] == "27" and int(r["score"]) == sum(int(r[s]) for s in SCENARIOS), r
        if kind == "correct":
            assert (r["score"], r["status"]) == ("27", "graded"), r
        elif kind == "broken":
            assert (r["score"], r["status"]) == ("0", "did not compile"), r
        else:
            assert r["status"] == "graded" and int(r["score"]) < 27, r
        assert (out / "grades-results" / f"{name}.json").exists()
        assert (out / "grades-results" / f"{name}.txt").read_text().rstrip().endswith(f"Score: {r['score']}/27")
    for word in ("mean", "median", "100%", "failed most", "grades.csv"):
        assert word in p.stdout, p.stdout
    leftovers = [f.name for f in (out / "grades-results").iterdir() if f.name.startswith(".") or ".tmp." in f.name]
    assert not leftovers


def solo(src, tmp):
    """(csv cells after the name, [(test name, score, status)]) of grading src alone."""
    j = tmp / (src.parent.name + src.name + ".json")
    p = subprocess.run([str(GRADE), *COMMON, "--seed", str(SEED), "--json", str(j), str(src)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    r = json.loads(j.read_text())
    pts = {t["name"].split(":")[0]: t["score"] for t in r["tests"]}
    status = "did not compile" if "did not compile" in r["output"] else "graded"
    causes = {t["name"].split(":")[0]: t["extra_data"]["cause"] for t in r["tests"]}
    lost = " ".join(f"{s}:{causes[s]}" for s in SCENARIOS if causes[s] not in ("passed", "build-failed", "rejected"))
    cells = [str(r["score"]), str(r["max_score"]), *[str(pts[s]) for s in SCENARIOS],
             str(r["extra_data"]["warnings"]), lost, status]
    return cells, [(t["name"], t["score"], t["status"]) for t in r["tests"]]


def test_rows_equal_single_gradings(klass, full, tmp_path):
    d, students = klass
    _, out, _ = full
    _, rows = read_csv(out / "grades.csv")
    names = [n for n in students if not n.endswith("_hanging")]
    with ThreadPoolExecutor(2) as pool:
        results = dict(zip(names, pool.map(lambda n: solo(submission(d, n), tmp_path), names)))
    for name, (cells, tests) in results.items():
        assert rows[name][1:] == cells, name
        mine = json.loads((out / "grades-results" / f"{name}.json").read_text())
        assert [(t["name"], t["score"], t["status"]) for t in mine["tests"]] == tests, name


def test_killed_run_resumes_identically(klass, full, tmp_path):
    d, _ = klass
    res = tmp_path / "grades-results"
    p = start(d, tmp_path)
    wait_for(lambda: len(list(res.glob("*.row"))) >= 4, 120, "four results")
    p.kill()
    p.wait(30)
    # The children die with the batch (PDEATHSIG): nothing keeps grading.
    wait_for(lambda: not processes_with(str(res).encode()), 10, "the children to go")
    assert not (tmp_path / "grades.csv").exists()
    rows = [r for r in res.glob("*.row") if r.with_suffix(".json").exists()]
    assert len(rows) >= 4
    done = {f: f.stat().st_mtime_ns for r in rows for f in (r, r.with_suffix(".json"))}
    p2 = batch(d, tmp_path)
    assert p2.returncode == 0, p2.stderr
    assert f"resuming: {len(rows)} already graded" in p2.stderr
    assert (tmp_path / "grades.csv").read_text() == full[2]
    assert {f: f.stat().st_mtime_ns for f in done} == done, "a finished student was graded again"
    assert not [f.name for f in res.iterdir() if f.name.startswith(".") or ".tmp." in f.name]


def test_deadline_kills_a_grader_that_takes_too_long(tmp_path):
    """The per-student deadline: a grader still running at it is killed with its group, and the
    student's row is a grader error (regraded next time), never a score."""
    d = tmp_path / "class"
    d.mkdir()
    (d / "mallory.c").write_text(next(make_class.hostile())[1])      # sleeps in every run
    out = tmp_path / "out"
    p = batch(d, out, deadline=2)
    assert p.returncode == 2, p.stderr
    _, rows = read_csv(out / "grades.csv")
    r = rows["mallory"]
    assert r[-1] == "grader error: no result after 2 s (killed; see --deadline)" and r[1] == "", r
    assert "no result after 2 s" in p.stderr, p.stderr


def test_interrupted_run_keeps_its_seed(tmp_path):
    d = tmp_path / "class"
    make_class.write_class(d, count=8, broken=0)
    out = tmp_path / "out"
    res = out / "grades-results"
    p = start(d, out, seed=None, jobs=1)
    wait_for(lambda: len(list(res.glob("*.row"))) >= 2, 120, "two results")
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130 and "interrupted" in err, err
    assert not (out / "grades.csv").exists()
    seed = (res / "SEED").read_text().strip()
    p2 = batch(d, out, seed=None)
    assert p2.returncode == 0, p2.stderr
    assert (res / "SEED").read_text().strip() == seed
    reports = list(res.glob("*.txt"))
    assert len(reports) == 8 and all(f"seed: {seed}" in r.read_text() for r in reports)


def test_a_grader_that_dies_gets_a_row(tmp_path):
    d = tmp_path / "class"
    d.mkdir()
    (d / "alice.c").write_text(next(make_class.correct_variants())[1])
    (d / "mallory.c").write_text(next(make_class.hostile())[1])      # hangs
    out = tmp_path / "out"
    p = start(d, out, deadline=300)
    needle = str(out / "grades-results" / "mallory.json").encode()
    wait_for(lambda: processes_with(needle), 60, "mallory's grader")
    for pid in processes_with(needle):
        os.kill(pid, signal.SIGKILL)
    p.communicate(timeout=60)
    assert p.returncode == 2
    _, rows = read_csv(out / "grades.csv")
    assert rows["mallory"][-1] == "grader error: grade killed by SIGKILL"
    assert rows["alice"][1] == "27" and rows["alice"][-1] == "graded"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """reference, one faulty, one not compiling, one folder without a submission."""
    d = tmp_path_factory.mktemp("small")
    (d / "ref.c").write_text(next(make_class.correct_variants())[1])
    (d / "upper").mkdir()
    (d / "upper" / "sample-qemu.c").write_text(dict(make_class.mutants())["toupper"])
    (d / "broken.c").write_text(make_class.handler_file(make_class.SUBMISSIONS / "broken_syntax.c"))
    (d / "nobody").mkdir()
    (d / "README.txt").write_text("not a submission\n")
    return d


def test_prairielearn_results(small, tmp_path):
    p = batch(small, tmp_path, "--format", "prairielearn")
    assert p.returncode == 0, p.stderr
    res = tmp_path / "grades-results"
    for name in ("ref", "upper", "broken"):
        r = json.loads((res / f"{name}.json").read_text())
        assert isinstance(r["gradable"], bool) and isinstance(r["score"], float) and 0 <= r["score"] <= 1
        fe = r["format_errors"]
        assert isinstance(fe, list) and all(isinstance(x, str) for x in fe)
        assert isinstance(r["output"], str) and isinstance(r["message"], str)
        assert [t["name"] for t in r["tests"]] == SCENARIOS
        for t in r["tests"]:
            assert {"name", "description", "points", "max_points", "output", "message"} <= set(t), t
            assert all(isinstance(t[k], str) for k in ("name", "description", "output", "message"))
            assert isinstance(t["points"], int) and 0 <= t["points"] <= t["max_points"]
            if t["name"] in HIDDEN:
                # its status alone, at most with a cause code (DESIGN.md, "Hidden means hidden")
                assert re.fullmatch(r"(passed \(hidden scenario\)|failed \(hidden scenario: no details; "
                                    r"cause [a-z-]+\))\n?", t["output"]), "a hidden scenario's details leaked"
        total = sum(t["max_points"] for t in r["tests"])
        assert abs(r["score"] - sum(t["points"] for t in r["tests"]) / total) < 1e-6
        if name == "broken":
            assert not r["gradable"] and "did not compile" in fe[0] and len(fe) > 1
        else:
            assert r["gradable"] and fe == []
    assert json.loads((res / "ref.json").read_text())["score"] == 1.0
    upper = json.loads((res / "upper.json").read_text())
    assert upper["score"] < 1 and any(t["message"] != "passed" for t in upper["tests"])
    _, rows = read_csv(tmp_path / "grades.csv")
    assert sorted(rows) == ["broken", "nobody", "ref", "upper"]
    assert rows["nobody"][1:3] == ["0", "27"] and rows["nobody"][-1] == "no sample-qemu.c in the folder"
    assert "README.txt" in p.stderr     # said what it skipped
    # Another format in the same out dir: nothing is reused.
    p2 = batch(small, tmp_path, "--format", "gradescope")
    assert p2.returncode == 0 and "resuming" not in p2.stderr, p2.stderr
    assert "max_score" in (res / "ref.json").read_text()


def test_autolab_results(small, tmp_path):
    p = batch(small, tmp_path, "--format", "autolab")
    assert p.returncode == 0, p.stderr
    _, rows = read_csv(tmp_path / "grades.csv")
    res = tmp_path / "grades-results"
    for name in ("ref", "upper", "broken"):
        last = (res / f"{name}.txt").read_text().rstrip("\n").split("\n")[-1]
        r = json.loads(last)          # Autolab reads the last line of stdout
        assert set(r) <= {"scores", "scoreboard"} and sorted(r["scores"]) == SCENARIOS
        assert all(isinstance(v, int) for v in r["scores"].values())
        assert sum(r["scores"].values()) == int(rows[name][1])
        assert json.loads((res / f"{name}.json").read_text()) == r


def test_single_grade_autolab_stdout(tmp_path):
    p = subprocess.run([str(GRADE), *COMMON, "--seed", "7", "--format", "autolab",
                        str(KIT / "solution/cpu_lab/sample-qemu.c")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.rstrip("\n").split("\n")
    assert lines[-2] == "Score: 27/27"
    assert sum(json.loads(lines[-1])["scores"].values()) == 27


@pytest.mark.parametrize("args, message", [
    (["--batch", "/nonexistent-class"], "cannot read the class folder"),
    (["--batch", ".", "--json", "x.json"], "--json is per student"),
    (["--batch", ".", "--jobs", "0"], "--jobs must be"),
    (["--batch", ".", "extra.c"], "takes no SUBMISSION"),
])
def test_usage_errors(tmp_path, args, message):
    p = subprocess.run([str(GRADE), *COMMON, "--csv", str(tmp_path / "g.csv"), *args], capture_output=True,
                       text=True, timeout=60, cwd=tmp_path)
    assert p.returncode == 2 and message in p.stderr, p.stderr


def test_empty_class_and_busy_out_dir(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    p = batch(empty, tmp_path)
    assert p.returncode == 2 and "no submissions" in p.stderr
    res = tmp_path / "grades-results"
    import fcntl
    with open(res / "LOCK", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        p = batch(empty, tmp_path)
    assert p.returncode == 2 and "another `grade --batch`" in p.stderr


def test_csv_quoting(tmp_path):
    d = tmp_path / "class"
    d.mkdir()
    odd = 'o"brien, jr'
    (d / f"{odd}.c").write_text(next(make_class.correct_variants())[1])
    p = batch(d, tmp_path)
    assert p.returncode == 0, p.stderr
    _, rows = read_csv(tmp_path / "grades.csv")
    assert rows[odd][1] == "27"


def test_make_grade_all(small, tmp_path):
    p = subprocess.run(["make", "--no-print-directory", "grade-all", f"SUBMISSIONS={small}",
                        f"CSV={tmp_path / 'class.csv'}", "BACKEND=emu", "JOBS=2", "SEED=9"],
                       cwd=KIT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    header, rows = read_csv(tmp_path / "class.csv")
    assert header[-1] == "status" and rows["ref"][1] == "27"
    assert (tmp_path / "class-results" / "ref.json").exists()
    assert (tmp_path / "class-results" / "SEED").read_text().strip() == "9"


def test_csv_formula_injection(tmp_path):
    """Cells a spreadsheet would run as formulas get a leading ' (OWASP)."""
    d = tmp_path / "class"
    d.mkdir()
    names = ['=HYPERLINK("x","y")', "+1", "-1", "@x"]
    for name in names:
        (d / f"{name}.c").write_text(next(make_class.correct_variants())[1])
    (d / "=cmd").mkdir()               # a folder without a submission: a row too
    p = batch(d, tmp_path)
    assert p.returncode == 0, p.stderr
    text = (tmp_path / "grades.csv").read_text()
    _, rows = read_csv(tmp_path / "grades.csv")
    assert sorted(rows) == sorted(["'" + n for n in names] + ["'=cmd"])
    for n in names:
        assert rows["'" + n][1] == "27" and rows["'" + n][-1] == "graded"
    for line in text.splitlines():
        for cell in next(csv.reader([line])):
            assert not cell or cell[0] not in "=+-@\t\r", f"formula-like cell {cell!r} in {line!r}"


def test_csv_cells_free_of_control_characters(tmp_path):
    """`cat grades.csv` must not replay an escape sequence hidden in a folder name:
    control bytes, C1 controls and invalid UTF-8 are shown as \\xHH, UTF-8 as is."""
    d = tmp_path / "class"
    d.mkdir()
    src = next(make_class.correct_variants())[1]
    names = {b"esc\x1b]2;owned\x07\x1b[31mred": "esc\\x1b]2;owned\\x07\\x1b[31mred",
             b"cr\rnl\nend": "cr\\x0dnl\\x0aend",
             b"c1\xc2\x9bcsi": "c1\\xc2\\x9bcsi",
             b"bad\xffutf": "bad\\xffutf",
             "\u674e\u534e".encode(): "\u674e\u534e",
             b"back\\slash": "back\\\\slash"}
    for raw in names:
        os.makedirs(os.path.join(bytes(d), raw))
        with open(os.path.join(bytes(d), raw, b"sample-qemu.c"), "w") as f:
            f.write(src)
    p = batch(d, tmp_path)
    assert p.returncode == 0, p.stderr
    data = (tmp_path / "grades.csv").read_bytes()
    for bad in (b"\x1b", b"\x07", b"\r", b"\xc2\x9b", b"\xff"):
        assert bad not in data, f"raw {bad!r} in grades.csv: {data!r}"
    _, rows = read_csv(tmp_path / "grades.csv")
    assert sorted(rows) == sorted(names.values()), f"expected {sorted(names.values())}, got {sorted(rows)}"
    assert all(r[1] == "27" and r[-1] == "graded" for r in rows.values()), rows


# ---- resume and the lab's fingerprint

KIT_PARTS = ("labs", "guests", "skeleton", "solution")


def make_kit(path):
    """A copy of the lab to change: what `grade --root` reads."""
    import shutil
    for part in KIT_PARTS:
        shutil.copytree(KIT / part, path / part)
    return path


def kit_batch(kit, classdir, out):
    cmd = batch_cmd(classdir, out)
    cmd[cmd.index("--root") + 1] = str(kit)
    env = dict(os.environ, KVMEMU_LIB=str(BUILD / "libkvmemu.so"))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)


def row_times(out):
    return {p.stem: p.stat().st_mtime_ns for p in (out / "grades-results").glob("*.row")}


@pytest.fixture
def kit_class(tmp_path):
    kit = make_kit(tmp_path / "kit")
    d = tmp_path / "class"
    d.mkdir()
    (d / "ref.c").write_text(next(make_class.correct_variants())[1])
    (d / "upper").mkdir()
    (d / "upper" / "sample-qemu.c").write_text(dict(make_class.mutants())["toupper"])
    out = tmp_path / "out"
    p = kit_batch(kit, d, out)
    assert p.returncode == 0, p.stderr
    return kit, d, out


def test_resume_reuses_rows_of_an_unchanged_lab(kit_class):
    kit, d, out = kit_class
    before = row_times(out)
    p = kit_batch(kit, d, out)
    assert p.returncode == 0, p.stderr
    assert "resuming: 2 already graded" in p.stderr and "regrading" not in p.stderr, p.stderr
    assert row_times(out) == before        # nobody regraded


def test_editing_a_scenario_regrades_everyone(kit_class):
    kit, d, out = kit_class
    before = row_times(out)
    hello = kit / "guests/cpu_lab/hello.asm"
    text = hello.read_text()
    assert "; points: 3\n" in text
    hello.write_text(text.replace("; points: 3\n", "; points: 5\n"))
    p = kit_batch(kit, d, out)
    assert p.returncode == 0, p.stderr
    assert "resuming" not in p.stderr and "regrading 2 graded" in p.stderr, p.stderr
    after = row_times(out)
    assert all(after[n] != before[n] for n in before), "a stale row was reused"
    header, rows = read_csv(out / "grades.csv")
    hello_col = header.index("hello")
    assert rows["ref"][1:3] == ["29", "29"] and rows["ref"][hello_col] == "5"
    assert rows["upper"][2] == "29"
    # A comment in a shared include changes no grade, but is a new lab all the same.
    inc = kit / "guests/cpu_lab/serial.inc"
    inc.write_text(inc.read_text() + "; edited\n")
    p = kit_batch(kit, d, out)
    assert p.returncode == 0 and "regrading 2 graded" in p.stderr, p.stderr


def test_changing_the_reference_or_lab_conf_regrades(kit_class):
    kit, d, out = kit_class
    for path in (kit / "solution/cpu_lab/sample-qemu.c", kit / "labs/cpu_lab/lab.conf"):
        path.write_text(path.read_text() + "\n")
        p = kit_batch(kit, d, out)
        assert p.returncode == 0 and "regrading 2 graded" in p.stderr, (path, p.stderr)


# ---- what a submission is, who gets a report, --student and --force resumes

SOLUTION_SRC = (KIT / "solution/cpu_lab/sample-qemu.c").read_text()


def small_class(d):
    """alice: the file in a subfolder; bob: nothing gradable; carol: two .c files;
    dave: an empty file (refused); erin: at the top."""
    for rel, text in {"alice/lab1/src/sample-qemu.c": SOLUTION_SRC, "bob/notes.txt": "hi\n",
                      "carol/a.c": "int a;\n", "carol/b.c": "int b;\n", "dave.c": "",
                      "erin/sample-qemu.c": SOLUTION_SRC}.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_the_batch_agrees_with_grade_folder(tmp_path):
    """A student's folder is graded by the rule `grade FOLDER` (and so every platform
    bundle) uses: the same score, the same refusal."""
    d = tmp_path / "class"
    small_class(d)
    p = batch(d, tmp_path)
    assert p.returncode == 0, p.stderr
    _, rows = read_csv(tmp_path / "grades.csv")
    for name in ("alice", "bob", "carol", "erin"):
        solo = subprocess.run([str(GRADE), *COMMON, "--seed", str(SEED), str(d / name)],
                              capture_output=True, text=True, timeout=300)
        assert solo.returncode == 0, solo.stderr
        score = solo.stdout.rstrip().split("\n")[-1]
        assert score == f"Score: {rows[name][1]}/{rows[name][2]}", (name, score, rows[name])
    assert rows["alice"][1] == rows["alice"][2] != "0"
    assert rows["bob"][-1] == "no sample-qemu.c in the folder"
    assert "2 .c files (a.c, b.c)" in rows["carol"][-1]


def test_every_student_gets_a_student_report(tmp_path):
    d = tmp_path / "class"
    small_class(d)
    p = batch(d, tmp_path)
    assert p.returncode == 0, p.stderr
    reports = tmp_path / "grades-results" / "student-reports"
    assert sorted(f.stem for f in reports.glob("*.txt")) == ["alice", "bob", "carol", "dave", "erin"]
    assert "not graded: it is a folder without sample-qemu.c" in (reports / "bob.txt").read_text()
    assert "not graded: it is empty" in (reports / "dave.txt").read_text()


def test_student_names_only_the_named(tmp_path):
    """--student erin: one named; dave's refused file, without results yet, is recorded
    but never called "named"."""
    d = tmp_path / "class"
    small_class(d)
    p = batch(d, tmp_path, "--student", "erin")
    assert p.returncode == 2, p.stderr   # alice was never graded: not all final
    assert "regrading 1 named by --student" in p.stderr, p.stderr
    assert "recording 1 other refused submission(s) without results" in p.stderr, p.stderr


def test_force_resumes_after_an_interrupt(tmp_path):
    """An interrupted --force run, rerun: the students it regraded keep their rows."""
    d = tmp_path / "class"
    make_class.write_class(d, count=6, broken=0)
    out = tmp_path / "out"
    res = out / "grades-results"
    assert batch(d, out, deadline=120).returncode == 0
    p = start(d, out, "--force", jobs=1, deadline=120)
    wait_for(lambda: (res / "FORCED").exists() and len((res / "FORCED").read_text().split()) >= 2,
             120, "two students regraded")
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    done = (res / "FORCED").read_text().split()
    stamps = {n: (res / f"{n}.row").stat().st_mtime_ns for n in done}
    p2 = batch(d, out, "--force", deadline=120)
    assert p2.returncode == 0, p2.stderr
    assert f"--force, resumed: {len(done)} already regraded by the interrupted run" in p2.stderr, p2.stderr
    assert {n: (res / f"{n}.row").stat().st_mtime_ns for n in done} == stamps
    assert not (res / "FORCED").exists()
    p3 = batch(d, out, "--force", deadline=120)
    assert "--force: regrading everyone" in p3.stderr, p3.stderr
