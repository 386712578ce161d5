"""Hidden means hidden in every format (issue 22): a student sees a hidden scenario's name,
points, pass/fail and at most a cause code -- no diff, expected text, stderr, hint or run time --
in Gradescope's results.json (after_published tests are shown once grades are published),
PrairieLearn's, the student report, and Autolab's stdout (Autolab shows students all of it; the
TA's report goes to a file). The VMM here fails every scenario and writes a marker on stderr, as
one that dumps its guest image there would. Runs on kvmemu (--backend emu)."""
import json
import os
import re
import subprocess

import pytest

import gradekit as gk

pytestmark = pytest.mark.skipif(not os.path.isfile(gk.GRADE) or not gk.emu_usable(),
                                reason=f"{gk.GRADE} or libkvmemu.so not built (make all)")

SCENARIOS = gk.scenarios()
HIDDEN = {s["name"] for s in SCENARIOS if s["hidden"]}
MARKER = "LEAKED-IMAGE-BYTES"

# Prints '#' for every byte (wrong output everywhere) and the marker on stderr.
LEAKY = r"""
			fprintf(stderr, "%s %02x\n", "LEAKED-IMAGE-BYTES", *((unsigned char *)run + run->io.data_offset));
			putchar('#');
			break;
"""


def leaky(tmp_path):
    with open(gk.SKELETON) as f:
        src = f.read()
    start, end = gk.io_body_span(src)
    d = tmp_path / "leaky"
    d.mkdir()
    p = d / "sample-qemu.c"
    p.write_text(src[:start] + LEAKY + src[end:])
    return p


def grade(tmp_path, path, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env["LANG"] = "C.UTF-8"
    p = subprocess.run([gk.GRADE, "--backend", "emu", "--seed", str(gk.SEED), *args, str(path)],
                       capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert p.returncode == 0, f"grade exited {p.returncode}\n{p.stderr}\n{p.stdout}"
    return p.stdout


def hints():
    """Each hidden scenario's hint, from its guest's header."""
    out = {}
    for name in HIDDEN:
        with open(os.path.join(gk.ROOT, "guests", gk.LAB, name + ".asm")) as f:
            m = re.search(r"^; hint: (.*)$", f.read(), re.M)
        if m:
            out[name] = m.group(1)
    return out


def no_details(name, text, where):
    assert MARKER not in text, f"{where}: {name}'s stderr shown:\n{text}"
    assert "expected" not in text and "got:" not in text, f"{where}: {name}'s diff shown:\n{text}"
    assert "ms]" not in text and " ms" not in text, f"{where}: {name}'s run time shown:\n{text}"
    if name in hints():
        assert hints()[name] not in text, f"{where}: {name}'s hint shown:\n{text}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hidden")
    src = leaky(tmp)
    out = {}
    for fmt in ("gradescope", "prairielearn", "autolab"):
        d = tmp / fmt
        d.mkdir()
        stdout = grade(d, src, "--format", fmt, "--json", str(d / "r.json"),
                       "--student-report", str(d / "student.txt"))
        out[fmt] = (d, stdout)
    return out


def test_the_ta_still_sees_everything(graded):
    d, stdout = graded["gradescope"]
    rows, _ = gk.parse_report(stdout)
    assert HIDDEN and all(rows[n][0] == "FAIL" for n in HIDDEN), stdout
    assert all(MARKER in rows[n][3] for n in HIDDEN), stdout   # the check below can fail


def test_gradescope_hidden_tests_have_no_details(graded):
    d, _ = graded["gradescope"]
    r = json.loads((d / "r.json").read_text())
    seen = set()
    for t in r["tests"]:
        name = t["name"].split(":")[0]
        if t["visibility"] == "after_published":
            seen.add(name)
            no_details(name, t["output"], "results.json")
            assert t["output"].strip() == f"failed (hidden scenario: no details; cause {t['extra_data']['cause']})", t
        else:
            assert MARKER in t["output"], t   # public scenarios keep their stderr
    assert seen == HIDDEN
    assert MARKER not in r["output"]


def test_prairielearn_hidden_tests_have_no_details(graded):
    d, _ = graded["prairielearn"]
    r = json.loads((d / "r.json").read_text())
    for t in r["tests"]:
        if t["name"] in HIDDEN:
            no_details(t["name"], t["message"] + t["output"], "prairielearn")


def test_student_report_hidden_lines_have_no_run_time(graded):
    d, _ = graded["gradescope"]
    text = (d / "student.txt").read_text()
    for line in text.splitlines():
        m = re.match(r"(PASS|FAIL|ERR )  \d+/\d+  (\S+) ", line)
        if m and m.group(2) in HIDDEN:
            assert "(hidden)" in line and "ms]" not in line, line
        elif m:
            assert re.search(r"\[\d+ ms\]$", line), line   # public ones keep theirs
    no_details("any hidden", "\n".join(l for l in text.splitlines() if MARKER in l and "hidden" in l), "student")


def test_autolab_stdout_is_the_student_report(graded):
    d, stdout = graded["autolab"]
    lines = stdout.rstrip("\n").split("\n")
    assert json.loads(lines[-1])["scoreboard"] == [0]
    student = (d / "student.txt").read_text()
    assert "\n".join(lines[:-1]) + "\n" == student, "Autolab's stdout is not the student-safe report"
    for internal in ("sandbox:", "backend:", "[emu"):
        assert internal not in stdout, f"{internal!r} on Autolab's stdout"
    ta = (d / "r.ta.txt").read_text()   # the TA's report, beside the results file
    assert "sandbox:" in ta and all(MARKER in gk.parse_report(ta)[0][n][3] for n in HIDDEN), ta
    assert os.stat(d / "r.ta.txt").st_mode & 0o077 == 0


def test_autolab_without_json_writes_the_ta_report_in_the_working_folder(tmp_path):
    stdout = grade(tmp_path, leaky(tmp_path), "--format", "autolab", "--scenario", ",".join(sorted(HIDDEN)))
    assert MARKER not in stdout and (tmp_path / "ta-report.txt").is_file(), stdout
    assert MARKER in (tmp_path / "ta-report.txt").read_text()
