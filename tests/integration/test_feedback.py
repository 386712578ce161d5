"""What a report tells a student compiler warnings said once before the
scenarios, cause codes in every results format, a crash said once, the program's own name on
its stderr, Chinese phrases under a Chinese locale, and a student-safe report without a hidden
scenario's details. Everything runs on kvmemu (--backend emu), so it doesn't depend on the machine."""
import json
import os
import re
import shutil
import subprocess

import pytest

import gradekit as gk

pytestmark = pytest.mark.skipif(not os.path.isfile(gk.GRADE) or not gk.emu_usable(),
                                reason=f"{gk.GRADE} or libkvmemu.so not built (make all)")

SCENARIOS = gk.scenarios()
PUBLIC = [s["name"] for s in SCENARIOS if not s["hidden"]]
HIDDEN = [s for s in SCENARIOS if s["hidden"]]
TOTAL = sum(s["points"] for s in SCENARIOS)
CAUSES = {"passed", "wrong-output", "wrong-exit", "no-message", "signal", "timeout", "output-flood",
          "memory", "build-failed", "rejected", "sandbox-error", "grader-error"}

# The reference's handler, with an unused variable and a missing break at the end of the
# error path: it falls through into the next case, whose errx() still ends the run with an
# error and a message, so it loses nothing but gets two warnings.
WARNED = r"""
			{
				int unused = 42;
				if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
				    run->io.count == 1 && run->io.port == 0x3f8) {
					putchar(tolower(*((unsigned char *)run + run->io.data_offset)));
					break;
				}
				fprintf(stderr, "bad port I/O\n");
			}
"""

# The reference's handler, but a NULL dereference on the byte '!': crashes in the scenarios
# that print one (hello, mixed, ...), passes the others.
CRASHING = r"""
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				unsigned char byte = *((unsigned char *)run + run->io.data_offset);
				if (byte == '!')
					*(volatile int *)0 = 0;
				putchar(tolower(byte));
				break;
			}
			errx(1, "KVM_EXIT_IO: bad port 0x%x", run->io.port);
"""

# Always the error path: its errx() names the program.
REFUSING = r"""
			errx(1, "KVM_EXIT_IO: refused");
"""


def write(tmp_path, body, name="sample-qemu.c"):
    d = tmp_path / name.replace(".c", "")
    d.mkdir(exist_ok=True)
    p = d / "sample-qemu.c"
    p.write_text(splice(body))
    return p


def splice(body):
    with open(gk.SKELETON) as f:
        src = f.read()
    start, end = gk.io_body_span(src)
    return src[:start] + body + src[end:]


def grade(path, *args, env=None):
    p = subprocess.run([gk.GRADE, "--backend", "emu", "--seed", str(gk.SEED), *args, str(path)],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, f"grade exited {p.returncode}\n{p.stderr}\n{p.stdout}"
    return p.stdout


def english():
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env["LANG"] = "C.UTF-8"
    return env


def test_warnings_once_before_the_scenarios(tmp_path):
    src = write(tmp_path, WARNED)
    j = tmp_path / "r.json"
    out = grade(src, "--json", str(j), env=english())
    rows, (score, total) = gk.parse_report(out)
    assert (score, total) == (TOTAL, TOTAL), out   # warnings cost nothing by default (warning_penalty 0)
    head = out.split("\nPASS", 1)[0]
    assert "compiler warnings (2;" in head, out
    assert "-Wunused-variable" in head and "-Wimplicit-fallthrough" in head, out
    assert out.count("-Wunused-variable") == 1 and out.count("compiler warnings") == 1, out
    r = json.loads(j.read_text())
    assert "compiler warnings (2;" in r["output"] and "-Wimplicit-fallthrough" in r["output"], r["output"]
    assert r["extra_data"]["warnings"] == 2 and r["extra_data"]["warning_penalty"] == 0
    # a clean build says nothing of warnings
    assert "compiler warnings" not in grade(gk.SOLUTION, env=english())


def test_cause_codes_in_every_format(tmp_path):
    src = write(tmp_path, CRASHING)
    got = {}
    for fmt in ("gradescope", "prairielearn"):
        j = tmp_path / f"{fmt}.json"
        out = grade(src, "--format", fmt, "--json", str(j), env=english())
        r = json.loads(j.read_text())
        if fmt == "gradescope":
            got[fmt] = {t["name"].split(":")[0]: t["extra_data"]["cause"] for t in r["tests"]}
        else:
            got[fmt] = {t["name"]: t["cause"] for t in r["tests"] if "cause" in t}
            assert all("cause" not in t for t in r["tests"] if t["name"] in {s["name"] for s in HIDDEN})
    rows, _ = gk.parse_report(out)
    gs = got["gradescope"]
    assert set(gs) == {s["name"] for s in SCENARIOS} and set(gs.values()) <= CAUSES, gs
    for name, (status, score, _, detail) in rows.items():
        want = "passed" if status == "PASS" else "signal" if "killed by SIGSEGV" in detail else None
        if want:
            assert gs[name] == want, (name, gs[name], detail)
        assert (gs[name] == "passed") == (status == "PASS"), (name, gs[name], status)
    assert "signal" in gs.values() and "passed" in gs.values(), gs   # the error scenarios pass
    assert got["prairielearn"] == {n: c for n, c in gs.items() if n in PUBLIC}
    # a build failure is its own cause
    j = tmp_path / "broken.json"
    grade(os.path.join(gk.SUBMISSIONS, "broken_syntax.c"), "--json", str(j), env=english())
    assert {t["extra_data"]["cause"] for t in json.loads(j.read_text())["tests"]} == {"build-failed"}


def test_a_crash_is_said_once(tmp_path):
    src = write(tmp_path, CRASHING)
    out = grade(src, env=english())
    rows, _ = gk.parse_report(out)
    crashed = [n for n, r in rows.items() if "killed by SIGSEGV" in r[3]]
    assert len(crashed) >= 3, out
    first = next(n for n in rows if n in crashed)
    summary = f"your program crashed with SIGSEGV in {len(crashed)} of {len(rows)} scenarios; first in `{first}`"
    assert out.count(summary) == 1 and out.index(summary) < out.index("\nPASS" if "\nPASS" in out else "\nFAIL"), out
    # the details (ending, stderr, hint) only for the first; every line keeps its cause
    assert out.count("ended: killed by SIGSEGV") == 1, out
    for name in crashed:
        assert rows[name][3].startswith("killed by SIGSEGV\n"), (name, rows[name][3])
        assert len(rows[name][3].splitlines()) <= (10 if name == first else 2), (name, rows[name][3])
    # a reproduce line for each failing public scenario, never for a hidden one
    repro = re.findall(r"reproduce \(in the student tarball\): (.*)", out)
    assert len(repro) == len([n for n in crashed if n in PUBLIC]), out
    for s in HIDDEN:
        assert f"guests/{s['name']}" not in out, out
    for s in SCENARIOS:
        if s["name"] in crashed and s["emu_env"] and not s["hidden"]:
            line = next(r for r in repro if f"guests/{s['name']}" in r)
            assert all(k in line for k in s["emu_env"]) and "./kvm-emu ./sample-qemu" in line, line
        if s["name"] in crashed and s["random"] and not s["hidden"]:
            line = next(r for r in repro if f"/{s['name']}" in r)
            assert f"-DSEED={gk.SEED}" in line, line


def test_stderr_keeps_the_programs_name(tmp_path):
    out = grade(write(tmp_path, REFUSING), env=english())
    assert "| sample-qemu: KVM_EXIT_IO: refused" in out, out
    assert "vmm:" not in out, out


def test_chinese_locale(tmp_path):
    src = write(tmp_path, CRASHING)
    env = english()
    env["LANG"] = "zh_CN.UTF-8"
    zh = grade(src, env=env)
    assert "你的程序在" in zh and "因 SIGSEGV 崩溃" in zh and "被信号 SIGSEGV 终止" in zh, zh
    assert "手动重现" in zh and "your program" not in zh and "killed by" not in zh, zh
    # machine-read parts stay: PASS/FAIL lines and the score
    assert gk.parse_report(zh)[0].keys() == gk.parse_report(grade(src, env=english()))[0].keys()
    # --lang wins over the environment, both ways
    assert "你的程序" not in grade(src, "--lang", "en", env=env)
    assert "你的程序" in grade(src, "--lang", "zh", env=english())
    bad = subprocess.run([gk.GRADE, "--lang", "fr", str(src)], capture_output=True, text=True)
    assert bad.returncode == 2 and "--lang must be en or zh" in bad.stderr, bad.stderr


def test_student_report_has_no_hidden_details(tmp_path):
    # a handler that fails every scenario, hidden ones included, with the expected text in the diff
    src = write(tmp_path, r"""
			putchar('#');
			break;
""")
    st = tmp_path / "student.txt"
    ta = grade(src, "--student-report", str(st), env=english())
    text = st.read_text()
    assert text.rstrip().endswith(ta.rstrip().splitlines()[-1]), text   # the same score
    for s in HIDDEN:
        line = next(l for l in text.splitlines() if re.match(rf"(PASS|FAIL|ERR )  \d+/\d+  {s['name']} ", l))
        assert "(hidden)" in line
        ta_detail = gk.parse_report(ta)[0][s["name"]][3]
        assert "expected:" in ta_detail, ta_detail   # the TA's report has the details ...
        expected = re.search(r'expected: (.*)', ta_detail).group(1)
        assert expected not in text, f"{s['name']}: its expected text is in the student report"
    st_rows, _ = gk.parse_report(text)
    assert all(st_rows[s["name"]][3] == "" for s in HIDDEN)    # ... the student's only pass/fail
    assert all(st_rows[n][3] for n in PUBLIC if st_rows[n][0] == "FAIL")   # public ones in full
    for internal in ("sandbox:", "backend:", "seed", "bubblewrap", "/dev/kvm", "[emu"):
        assert internal not in text, f"{internal!r} in the student report:\n{text}"


def test_warning_penalty(tmp_path):
    """lab.conf's warning_penalty takes its points once from a build with warnings (a copy of
    the kit's lab with `warning_penalty = 2`), never from a clean one."""
    kit = tmp_path / "kit"
    for part in ("labs", "guests", "solution", "skeleton"):
        shutil.copytree(os.path.join(gk.ROOT, part), kit / part)
    conf = kit / "labs" / gk.LAB / "lab.conf"
    conf.write_text(conf.read_text() + "warning_penalty = 2\n")
    src = write(tmp_path, WARNED)
    j = tmp_path / "r.json"
    out = grade(src, "--root", str(kit), "--build", gk.BUILD, "--json", str(j), env=english())
    rows, (score, total) = gk.parse_report(out)
    assert total == TOTAL and score == TOTAL - 2, out
    assert all(r[0] == "PASS" for r in rows.values()), out   # every scenario passed: the penalty alone
    assert out.count("warning penalty: -2 point(s), once") == 1, out
    r = json.loads(j.read_text())
    assert r["score"] == TOTAL - 2 and r["extra_data"]["warning_penalty"] == 2, r
    assert sum(t["score"] for t in r["tests"]) == TOTAL
    clean = grade(gk.SOLUTION, "--root", str(kit), "--build", gk.BUILD, env=english())
    assert clean.rstrip().endswith(f"Score: {TOTAL}/{TOTAL}") and "penalty" not in clean, clean
