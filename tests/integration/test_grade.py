"""Integration tests of build/grade: the reference, the skeleton, a build
failure, usage errors, correct handlers in several styles, and faulty
handlers that must lose exactly the points the traces say they should."""

import json
import os
import subprocess

import pytest

import gradekit as gk

BACKENDS = [
    pytest.param("kvm", marks=pytest.mark.skipif(not gk.kvm_usable(),
                 reason="/dev/kvm can't be opened or KVM_GET_API_VERSION != 12")),
    pytest.param("emu", marks=pytest.mark.skipif(not gk.emu_usable(),
                 reason=f"{gk.EMU_LIB} is not built")),
]
SCENARIOS = gk.scenarios()


def runnable(sc):
    """Emulated-only scenarios need kvmemu whatever the backend."""
    return gk.emu_usable() or not sc["emu_only"]


def expected_rc():
    """grade exits 2 when some scenario can't be graded (kvmemu missing)."""
    return 0 if all(runnable(sc) for sc in SCENARIOS) else 2


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return str(tmp_path_factory.mktemp("grade"))


@pytest.fixture(scope="session")
def traces(work):
    """{backend: {scenario: (events, ending)}} for every runnable scenario."""
    src = gk.write_spliced("tracer", work)
    binary = os.path.join(work, "tracer-vmm")
    subprocess.run(["cc", "-std=gnu11", "-O2", "-o", binary, src], check=True, timeout=120)
    result = {}
    for backend in ("kvm", "emu"):
        if (backend == "kvm" and not gk.kvm_usable()) or (backend == "emu" and not gk.emu_usable()):
            continue
        result[backend] = {}
        for sc in SCENARIOS:
            if not runnable(sc):
                continue
            image = gk.assemble(sc, work)
            where = "emu" if sc["emu_only"] else backend
            result[backend][sc["name"]] = gk.trace(binary, image, where, sc["emu_env"])
    return result


def expectation(sc, trace):
    """What the scenario expects: the pins, else the correct model's result."""
    out, end = gk.CORRECT(*trace)
    return (sc["pin_out"] if sc["pin_out"] is not None else out,
            sc["pin_exit"] if sc["pin_exit"] else end)


def grade_ok(path, backend, *extra):
    rc, out, err = gk.grade(path, "--backend", backend, "--seed", str(gk.SEED), *extra)
    assert rc == expected_rc(), f"grade exited {rc}, expected {expected_rc()}\nstderr: {err}\n{out}"
    return gk.parse_report(out), out


def check_causes(sc, detail, got, want):
    """The report names why a failing scenario failed."""
    out, end = got
    wout, wend = want
    where = f"scenario {sc['name']}:\n{detail}"
    if end == "segv":
        assert "killed by SIGSEGV" in detail, where
    elif end == "timeout":
        assert "timed out: " in detail or "output flood" in detail, where
    elif end == "silent":
        assert "with nothing on stderr" in detail, where
    else:
        if out != wout:
            assert "wrong output" in detail and "first difference at byte" in detail, where
        if end != wend and wend == "error":
            assert "expected an error exit with a message on stderr" in detail, where
        if end != wend and wend == "success":
            assert "expected exit status 0" in detail, where


# ------------------------------------------------------------------ the tracer itself

def test_tracer_and_model_reproduce_the_pins(traces):
    """The correct model over each trace gives the pinned expectations: the
    traces and the models are right before they judge anyone."""
    assert traces, "no backend usable: neither /dev/kvm nor kvmemu"
    for backend, per in traces.items():
        for sc in SCENARIOS:
            if sc["name"] not in per:
                continue
            out, end = gk.CORRECT(*per[sc["name"]])
            if sc["pin_out"] is not None:
                assert out == sc["pin_out"], f"{backend} {sc['name']}: model {out!r} vs pin {sc['pin_out']!r}"
            if sc["pin_exit"]:
                assert end == sc["pin_exit"], f"{backend} {sc['name']}: model {end} vs pin {sc['pin_exit']}"

# ------------------------------------------------------------------ whole submissions

@pytest.mark.parametrize("backend", BACKENDS)
def test_reference_gets_full_marks(backend):
    (rows, (score, total)), out = grade_ok(gk.SOLUTION, backend)
    want = sum(sc["points"] for sc in SCENARIOS if runnable(sc))
    assert score == want and total == sum(sc["points"] for sc in SCENARIOS), out
    for sc in SCENARIOS:
        status = rows[sc["name"]][0]
        assert status == ("PASS" if runnable(sc) else "ERR"), out
        if runnable(sc):
            assert f"[{'emu' if sc['emu_only'] else backend} " in out.split(f"  {sc['name']} ")[1].split("\n")[0], out


@pytest.mark.parametrize("backend", BACKENDS)
def test_skeleton_gets_zero_with_not_implemented(backend):
    (rows, (score, total)), out = grade_ok(gk.SKELETON, backend)
    assert score == 0, out
    assert "KVM_EXIT_IO: not implemented" in out, out


def test_non_compiling_submission(work, tmp_path):
    src = gk.write_spliced("broken_syntax", work)
    results = tmp_path / "results.json"
    rc, out, err = gk.grade(src, "--json", str(results))
    assert rc == 0, err          # nothing ran, so nothing could fail for the grader's sake
    rows, (score, total) = gk.parse_report(out)
    assert score == 0 and total > 0, out
    assert "did not compile" in out and "error:" in out, out
    assert "sample-qemu.c:" in out and "/box/" not in out, "diagnostics name the student's file: " + out
    assert all(r[0] == "FAIL" and r[1] == 0 and "did not compile" in r[3] for r in rows.values()), out
    r = json.loads(results.read_text())
    assert r["score"] == 0 and "error:" in r["output"]
    # a hidden scenario says only its cause code (DESIGN.md, "Hidden means hidden")
    assert all(t["status"] == "failed" and ("did not compile" in t["output"] or
                                            "cause build-failed" in t["output"]) for t in r["tests"]), r["tests"]


def test_missing_submission_is_a_usage_error(tmp_path):
    rc, out, err = gk.grade(str(tmp_path / "nope.c"))
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "nope.c" in err, err


@pytest.mark.parametrize("args", [["--backend", "qemu"], ["--format", "xml"], ["--seed", "-1"], ["--bogus"], []])
def test_bad_usage_exits_2(args):
    p = subprocess.run([gk.GRADE, *args] + ([gk.SOLUTION] if args else []), capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.startswith("grade: "), p.stderr


def test_broken_scenario_is_a_setup_error(tmp_path):
    """A malformed header in the kit: one line naming file:line, exit 2."""
    root = tmp_path / "kit"
    (root / "labs" / "cpu_lab").mkdir(parents=True)
    (root / "guests" / "cpu_lab").mkdir(parents=True)
    (root / "labs" / "cpu_lab" / "lab.conf").write_text("source = sample-qemu.c\n")
    (root / "guests" / "cpu_lab" / "a.asm").write_text("; title: A\n; points: two\nhlt\n")
    rc, out, err = gk.grade(gk.SOLUTION, "--root", str(root), "--backend", "kvm" if gk.kvm_usable() else "emu")
    assert rc == 2, (out, err)
    assert "guests/cpu_lab/a.asm:2: points" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("backend", BACKENDS)
def test_json_results_and_public_only(backend, tmp_path):
    results = tmp_path / "r.json"
    rc, out, err = gk.grade(gk.SOLUTION, "--backend", backend, "--json", str(results), "--public-only")
    assert rc in (0, 2), err
    r = json.loads(results.read_text())
    public = [sc for sc in SCENARIOS if not sc["hidden"]]
    assert [t["name"].split(":")[0] for t in r["tests"]] == [sc["name"] for sc in public]
    assert r["max_score"] == sum(sc["points"] for sc in public)
    assert all(t["visibility"] == "visible" for t in r["tests"])
    for sc in SCENARIOS:
        if sc["hidden"]:
            assert f"  {sc['name']} " not in out, f"hidden {sc['name']} shown with --public-only"
    # The TA's report has the hidden ones, JSON marks them after_published.
    rc, out, err = gk.grade(gk.SOLUTION, "--backend", backend, "--json", str(results))
    r = json.loads(results.read_text())
    vis = {t["name"].split(":")[0]: t["visibility"] for t in r["tests"]}
    for sc in SCENARIOS:
        assert vis[sc["name"]] == ("after_published" if sc["hidden"] else "visible")
    assert r["score"] == gk.parse_report(out)[1][0]


def test_json_survives_hostile_output(work, tmp_path):
    """A handler that prints every byte value and invalid UTF-8: the results
    file is still valid JSON and the text report has no raw control bytes."""
    path = os.path.join(work, "hostile", "sample-qemu.c")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(gk.SKELETON) as f:
        src = f.read()
    body = ('\n\t\t\tfor (int i = 0; i < 256; i++) putchar(i);\n'
            '\t\t\tfputs("\\xc3\\x28\\xed\\xa0\\x80\\x1b[2J", stdout);\n'
            '\t\t\tfor (int i = 255; i >= 0; i--) fputc(i, stderr);\n'
            '\t\t\texit(0);\n')
    start, end = gk.io_body_span(src)
    with open(path, "w") as f:
        f.write(src[:start] + body + src[end:])
    results = tmp_path / "r.json"
    p = subprocess.run([gk.GRADE, "--json", str(results), path], capture_output=True, timeout=300)
    assert p.returncode == expected_rc(), p.stderr
    json.loads(results.read_bytes().decode("utf-8"))
    bad = [c for c in p.stdout if c < 0x20 and c not in (0x0a,)]
    assert not bad, f"raw control bytes in the text report: {bad[:10]}"

# ------------------------------------------------------------------ handlers

CORRECT_HANDLERS = [n for n in gk.MODELS if n.startswith("ok_")]
FAULTY_HANDLERS = [n for n in gk.MODELS if n.startswith("bad_")]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", CORRECT_HANDLERS)
def test_correct_handler_gets_full_marks(name, backend, work):
    (rows, (score, total)), out = grade_ok(gk.write_spliced(name, work), backend)
    assert score == sum(sc["points"] for sc in SCENARIOS if runnable(sc)), out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", FAULTY_HANDLERS)
def test_faulty_handler_loses_exactly_its_points(name, backend, work, traces):
    model = gk.MODELS[name]
    should_fail = {}
    for sc in SCENARIOS:
        if sc["name"] in traces[backend]:
            t = traces[backend][sc["name"]]
            got, want = model(*t), expectation(sc, t)
            if got != want:
                should_fail[sc["name"]] = (got, want)
    if not should_fail and not all(runnable(sc) for sc in SCENARIOS):
        pytest.skip(f"only emulated-only scenarios can catch {name}, and {gk.EMU_LIB} is not built")
    assert should_fail, f"{name} fails no scenario: the suite can't tell it from a correct handler"
    (rows, (score, total)), out = grade_ok(gk.write_spliced(name, work), backend)
    failed = {n for n, r in rows.items() if r[0] == "FAIL"}
    assert failed == set(should_fail), (
        f"{name} on {backend}: failed {sorted(failed)}, should fail {sorted(should_fail)}\n{out}")
    lost = sum(sc["points"] for sc in SCENARIOS if sc["name"] in should_fail)
    assert score == sum(sc["points"] for sc in SCENARIOS if runnable(sc)) - lost, out
    for sc in SCENARIOS:
        if sc["name"] in should_fail:
            check_causes(sc, rows[sc["name"]][3], *should_fail[sc["name"]])


def test_same_submission_graded_twice_same_score(work):
    """Fresh seeds each run (no --seed): the score doesn't move."""
    path = gk.write_spliced("bad_toupper", work)
    scores = []
    for _ in range(2):
        rc, out, err = gk.grade(path)
        assert rc == expected_rc(), err
        scores.append(gk.parse_report(out)[1])
    assert scores[0] == scores[1]


def test_expect_dir_round_trip(work, tmp_path):
    """--write-expect from the reference, then --expect-dir gives the same
    verdicts (the student tarball's self-check)."""
    backend = "kvm" if gk.kvm_usable() else "emu"
    d = tmp_path / "expect"
    rc, out1, err = gk.grade(gk.SOLUTION, "--backend", backend, "--write-expect", str(d), "--public-only")
    assert (d / "SEED").exists(), err
    path = gk.write_spliced("bad_no_port_check", work)
    rc, a, err = gk.grade(path, "--backend", backend, "--public-only", "--seed", (d / "SEED").read_text().strip())
    rc, b, err = gk.grade(path, "--backend", backend, "--public-only", "--expect-dir", str(d))
    ra, rb = gk.parse_report(a), gk.parse_report(b)
    assert {k: v[:3] for k, v in ra[0].items()} == {k: v[:3] for k, v in rb[0].items()}, (a, b)


def splice_body(work, name, body):
    """The skeleton with an inline body as its KVM_EXIT_IO case."""
    path = os.path.join(work, name, "sample-qemu.c")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(gk.SKELETON) as f:
        src = f.read()
    start, end = gk.io_body_span(src)
    with open(path, "w") as f:
        f.write(src[:start] + "\n" + body + src[end:])
    return path


def test_output_flood_is_named(work):
    path = splice_body(work, "flood", "\t\t\tfor (;;)\n\t\t\t\tputchar('x');\n")
    rc, out, err = gk.grade(path, "--public-only")
    assert rc == expected_rc(), err
    rows, (score, total) = gk.parse_report(out)
    assert score == 0, out
    for name, (status, _, _, detail) in rows.items():
        if status == "FAIL":
            assert "output flood (> 65536 bytes)" in detail, f"{name}:\n{detail}"


def test_relative_paths_are_from_the_callers_directory(tmp_path):
    """--json and the submission are relative to where grade was started."""
    import shutil
    shutil.copy(gk.SOLUTION, tmp_path / "mine.c")
    p = subprocess.run([gk.GRADE, "--json", "out.json", "--public-only", "mine.c"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode in (0, 2), p.stderr
    assert json.loads((tmp_path / "out.json").read_text())["max_score"] > 0
