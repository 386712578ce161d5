"""`grade --batch` and what it tells TAs and students: the gradebook's warnings and
causes columns, the summary's causes per scenario, and each student's student-safe report
(student-reports/<student>.txt) beside the TA's. A small class on kvmemu (--backend emu)."""
import csv
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_class  # noqa: E402

KIT = make_class.KIT
BUILD = pathlib.Path(os.environ.get("VIRTLAB_BUILD", KIT / "build"))
BUILD = BUILD if BUILD.is_absolute() else KIT / BUILD
GRADE = BUILD / "grade"
GUESTS = KIT / "guests/cpu_lab"
SCENARIOS = sorted(p.stem for p in GUESTS.glob("*.asm"))
HIDDEN = sorted(p.stem for p in GUESTS.glob("*.asm") if "; visibility: hidden" in p.read_text())

pytestmark = pytest.mark.skipif(not GRADE.exists() or not (BUILD / "libkvmemu.so").exists(),
                                reason=f"{GRADE} or libkvmemu.so not built (make all)")

REFERENCE_BODY = (lambda s: s[slice(*make_class.io_case(s))].lstrip("\n"))(make_class.SOLUTION.read_text())
WARNED = REFERENCE_BODY.replace("unsigned char byte =", "int unused = 1;\n\t\t\t\tunsigned char byte =", 1)
CRASHING = REFERENCE_BODY.replace("putchar(tolower(byte));",
                                  "if (byte == '!')\n\t\t\t\t\t*(volatile int *)0 = 0;\n\t\t\t\tputchar(tolower(byte));", 1)
ALL_WRONG = "\t\t\tputchar('#');\n\t\t\tbreak;\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    assert WARNED != REFERENCE_BODY and CRASHING != REFERENCE_BODY, "the reference changed shape"
    d = tmp_path_factory.mktemp("class")
    for name, body in (("ref", REFERENCE_BODY), ("warned", WARNED), ("crash", CRASHING), ("wrong", ALL_WRONG)):
        (d / f"{name}.c").write_text(make_class.splice(body))
    (d / "broken.c").write_text("int main(void) { return x; }\n")
    out = tmp_path_factory.mktemp("out")
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"
    p = subprocess.run([str(GRADE), "--batch", str(d), "--csv", str(out / "grades.csv"), "--jobs", "2",
                        "--root", str(KIT), "--backend", "emu", "--seed", "11"],
                       capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stderr
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    return p, out, header, {r[0]: dict(zip(header, r)) for r in rows[1:]}


def test_gradebook_warnings_and_causes(graded):
    p, out, header, rows = graded
    assert header == ["student", "score", "max", *SCENARIOS, "warnings", "causes", "status"]
    assert (rows["ref"]["warnings"], rows["ref"]["causes"]) == ("0", ""), rows["ref"]
    assert rows["warned"]["warnings"] == "1" and rows["warned"]["score"] == rows["ref"]["score"], rows["warned"]
    assert rows["broken"]["status"] == "did not compile" and rows["broken"]["causes"] == "", rows["broken"]
    for name in ("crash", "wrong"):
        res = json.loads((out / "grades-results" / f"{name}.json").read_text())
        want = " ".join(f"{t['name'].split(':')[0]}:{t['extra_data']['cause']}" for t in res["tests"]
                        if t["extra_data"]["cause"] != "passed")
        assert rows[name]["causes"] == want and want, (name, rows[name]["causes"], want)
        named = {c.split(":")[0] for c in rows[name]["causes"].split()}
        for s in SCENARIOS:   # a scenario is in the causes cell exactly when its points were lost
            assert (s in named) == (rows[name][s] == "0"), (name, s, rows[name])
    crash = dict(c.split(":") for c in rows["crash"]["causes"].split())
    assert "signal" in crash.values() and "hello" in crash, crash
    assert all(rows["crash"][s] == "0" for s in crash) and all(rows["crash"][s] != "0" for s in SCENARIOS
                                                                if s not in crash), rows["crash"]


def test_summary_tallies_causes(graded):
    p, out, header, rows = graded
    # hello: lost by crash (signal) and wrong (wrong-output); broken did not compile (not counted)
    m = re.search(r"^    hello: (\d+) failed — (.*)$", p.stdout, re.M)
    assert m, p.stdout
    tally = dict((c, int(n)) for n, c in re.findall(r"(\d+) ([a-z-]+)", m.group(2)))
    assert int(m.group(1)) == 2 and tally == {"signal": 1, "wrong-output": 1}, m.group(0)
    assert "1 student(s) had compiler warnings" in p.stdout, p.stdout


def test_student_reports(graded):
    p, out, header, rows = graded
    res = out / "grades-results"
    for name in ("ref", "warned", "crash", "wrong", "broken"):
        ta, st = (res / f"{name}.txt").read_text(), (res / "student-reports" / f"{name}.txt").read_text()
        assert st.rstrip().splitlines()[-1] == ta.rstrip().splitlines()[-1] == f"Score: {rows[name]['score']}/27"
        for internal in ("sandbox:", "backend:", "seed", "bubblewrap", "[emu"):
            assert internal not in st, f"{name}: {internal!r} in its student report"
    ta, st = (res / "wrong.txt").read_text(), (res / "student-reports" / "wrong.txt").read_text()
    for s in HIDDEN:
        exp = re.search(rf"^FAIL  0/\d+  {s} .*\n(?:      .*\n)*?      +expected: (.*)$", ta, re.M)
        assert exp, f"{s}: no expected text in the TA's report"
        assert exp.group(1) not in st, f"{s}: its expected text is in the student's report"
        assert re.search(rf"^FAIL  0/\d+  {s} .*\(hidden\)", st, re.M), st
    assert "warning: unused variable" in (res / "student-reports" / "warned.txt").read_text()
