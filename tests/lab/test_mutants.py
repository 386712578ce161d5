"""The mutant bank: every faulty handler in labs/cpu_lab/mutants/ compiles
when spliced into the skeleton, and the scenarios tell it apart from the
reference solution (same stdout bytes and same exit class, or it's killed).

The full kill matrix is written to $(BUILD)/cpu_lab/kill-matrix.txt."""

import concurrent.futures
import os

import pytest

from labkit import (BUILD, LAB, MUTANT_DIR, assemble, compile_vmm, emu_usable,
                    kvm_usable, run_vmm, scenarios, splice)

SCENARIOS = scenarios()
SOLUTION_BIN = os.path.join(BUILD, LAB, "solution", "sample-qemu")
MUTANTS = sorted(f[:-2] for f in os.listdir(MUTANT_DIR) if f.endswith(".c"))


def columns():
    """(scenario, backend) pairs runnable here."""
    cols = []
    for name, h in SCENARIOS.items():
        if h.get("backend", "any") == "emu":
            backends = ["emu"]
        else:
            backends = ["kvm", "emu"]
        for b in backends:
            if (b == "kvm" and kvm_usable()) or (b == "emu" and emu_usable()):
                cols.append((name, b))
    return cols


def read_mutant(name):
    with open(os.path.join(MUTANT_DIR, name + ".c")) as f:
        first, _, body = f.read().partition("\n")
    return first, body


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_format(name):
    first, body = read_mutant(name)
    assert first.startswith("// ") and len(first) > 5, f"{name}: line 1 must be // description"
    assert "case " not in body and "default" not in body, f"{name}: the body holds a label"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """{mutant: {(scenario, backend): (mutant Result, reference Result)}}."""
    d = tmp_path_factory.mktemp("mutants")
    binaries, compile_errors = {}, {}
    for m in MUTANTS:
        src = d / f"{m}.c"
        src.write_text(splice(read_mutant(m)[1]))
        p = compile_vmm(str(src), str(d / m))
        if p.returncode == 0:
            binaries[m] = str(d / m)
        else:
            compile_errors[m] = p.stderr
    images = {name: assemble(name, str(d)) for name in SCENARIOS}
    cols = columns()

    def run(binary, col):
        name, backend = col
        return run_vmm(binary, images[name], backend, SCENARIOS[name])

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(4, os.cpu_count() or 4)) as pool:
        ref = {c: pool.submit(run, SOLUTION_BIN, c) for c in cols}
        jobs = {(m, c): pool.submit(run, b, c) for m, b in binaries.items() for c in cols}
        ref = {c: f.result() for c, f in ref.items()}
        res = {k: f.result() for k, f in jobs.items()}

    table = {m: {c: (res[m, c], ref[c]) for c in cols} for m in binaries}
    write_report(table, cols, compile_errors)
    return table, compile_errors, cols


def write_report(table, cols, compile_errors):
    os.makedirs(os.path.join(BUILD, LAB), exist_ok=True)
    path = os.path.join(BUILD, LAB, "kill-matrix.txt")
    with open(path, "w") as f:
        f.write("# X = the scenario kills the mutant; . = the mutant passes it\n")
        for i, c in enumerate(cols):
            f.write(f"# {i:2d} {c[0]} ({c[1]})\n")
        f.write(f"{'':22s} " + "".join(f"{i % 100:3d}" for i in range(len(cols))) + "\n")
        for m, row in table.items():
            marks = "".join("  X" if r.verdict() != ref.verdict() else "  ." for r, ref in row.values())
            f.write(f"{m:22s} {marks}\n")
        for m in compile_errors:
            f.write(f"{m:22s} does not compile\n")


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_compiles(name, matrix):
    _, compile_errors, _ = matrix
    assert name not in compile_errors, compile_errors.get(name)


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_is_killed(name, matrix):
    table, compile_errors, cols = matrix
    if name in compile_errors:
        pytest.fail(f"{name} does not compile")
    if not cols:
        pytest.skip("neither /dev/kvm nor build/libkvmemu.so is usable")
    for col, (r, ref) in table[name].items():
        assert ref.exit_class in ("success", "error"), f"reference on {col}: {ref}"
    killers = [c for c, (r, ref) in table[name].items() if r.verdict() != ref.verdict()]
    if not killers and not emu_usable():
        emu_only = [n for n, h in SCENARIOS.items() if h.get("backend") == "emu"]
        pytest.skip(f"{name} survives every scenario runnable here; the emulated-only "
                    f"ones ({', '.join(emu_only)}) need build/libkvmemu.so")
    assert killers, f"{name} passes every scenario: {table[name]}"


# Each clause of the handler contract has a scenario made for it: the
# handler missing just that clause must fail there (on every backend it runs).
DESIGNED_KILLS = {
    "no_direction_check": "in_dir",
    "no_size_check": "out_word",
    "no_count_check": "string_batch",
    "loop_over_count": "string_batch",
    "no_port_check": "wrong_port",
    "toupper": "upper",
    "no_conversion": "upper",
    "partial_range": "mixed",
    "or_0x20": "mixed",
    "byte_from_rax": "rep_outsb",
    "hardcoded_4096": "pio_offset",
    "memorized_greeting": "random",
    "ignore_error": "wrong_port",
    "exit0_on_error": "wrong_port",
    "error_on_stdout": "port_imm",
    "missing_break": "hello",
}


@pytest.mark.parametrize("mutant", sorted(DESIGNED_KILLS))
def test_designed_kill(mutant, matrix):
    table, compile_errors, cols = matrix
    scenario = DESIGNED_KILLS[mutant]
    assert mutant in MUTANTS and scenario in SCENARIOS
    mine = [c for c in cols if c[0] == scenario]
    if not mine:
        pytest.skip(f"{scenario} can't run here")
    for col in mine:
        r, ref = table[mutant][col]
        assert r.verdict() != ref.verdict(), f"{mutant} passes {col}: {r}"
