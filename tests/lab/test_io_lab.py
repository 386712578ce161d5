"""io_lab, the third lab (a virtio-mmio console, virtqueues, interrupts):
its scenarios, its skeleton and reference, its mutants. Runs whatever LAB
make test runs with, like test_mem_lab.py, whose splice helpers it reuses.

Runs on /dev/kvm when usable, else on kvmemu (build/libkvmemu.so). The kill
matrix is the grader's own (`grade --check-lab --lab io_lab` on one backend):
the slowest test here (about 2 minutes on 2 cores), the one that shows that
every mutant of labs/io_lab/mutants/ is caught.

`python3 -m pytest -q tests/lab/test_io_lab.py`"""

import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labkit import (BUILD, LIBKVMEMU, ROOT, c_unescape, kvm_usable, nasm_cmd,  # noqa: E402
                    parse_header, run_vmm)
from test_mem_lab import outside, parse_mutant, read, regions, splice  # noqa: E402

LAB = "io_lab"
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")
GUEST_DIR = os.path.join(ROOT, "guests", LAB)
MUTANT_DIR = os.path.join(ROOT, "labs", LAB, "mutants")
GRADE = os.path.join(BUILD, "grade")
IMAGE_MAX = 64 * 1024
TIMEOUT = 10            # wall clock per run here: generous, kvmemu on a busy machine
CFLAGS = ["-std=gnu11", "-O2", "-Wall", "-Wextra"]

SCENARIOS = {f[:-4]: parse_header(os.path.join(GUEST_DIR, f))
             for f in sorted(os.listdir(GUEST_DIR)) if f.endswith(".asm")}
MUTANTS = sorted(f[:-2] for f in os.listdir(MUTANT_DIR) if f.endswith(".c"))


def backend():
    if kvm_usable():
        return "kvm"
    if os.path.exists(LIBKVMEMU):
        return "emu"
    pytest.fail(f"neither /dev/kvm nor {LIBKVMEMU}: run make first")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The reference and the skeleton compiled with lab.conf's flags (and
    -Werror: both must build without a warning)."""
    d = tmp_path_factory.mktemp("io_lab")
    out = {}
    for name, src in (("solution", SOLUTION), ("skeleton", SKELETON)):
        exe = str(d / name)
        subprocess.run(["cc"] + CFLAGS + ["-Werror", "-o", exe, src], check=True, timeout=120)
        out[name] = exe
    out["dir"] = d
    return out


def image(name, d, seed=1):
    src = os.path.join(GUEST_DIR, name + ".asm")
    out = os.path.join(d, f"{name}-{seed}.bin")
    cmd = nasm_cmd(src, out)
    if SCENARIOS[name].get("random") == "yes":
        cmd[1:1] = [f"-DSEED={seed}"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    return out


def test_enough_scenarios_and_mutants():
    assert len(SCENARIOS) >= 12 and len(MUTANTS) >= 15
    assert any(h.get("visibility") == "hidden" for h in SCENARIOS.values())
    assert any(h.get("random") == "yes" for h in SCENARIOS.values())
    assert any(h.get("expect-exit") == "error" for h in SCENARIOS.values())


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_header(name):
    """Every scenario has a title, points, a hint in English and Chinese;
    every one that isn't randomized pins its exit and stdout."""
    h = SCENARIOS[name]
    for key in ("title", "points", "hint", "hint-zh"):
        assert h.get(key), f"{name}: no {key}"
    assert re.search(r"[\u4e00-\u9fff]", h["hint-zh"]), f"{name}: hint-zh has no Chinese"
    if h.get("random") != "yes":
        assert h.get("expect-exit") in ("success", "error") and "expect-stdout" in h, name


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_assembles_small(name, tmp_path):
    size = os.path.getsize(image(name, tmp_path))
    assert 0 < size <= IMAGE_MAX, f"{name}: {size} bytes"


def test_only_the_regions_differ():
    sol, skel = read(SOLUTION), read(SKELETON)
    assert [r[0] for r in regions(sol)] == [r[0] for r in regions(skel)] == ["2", "3", "4", "1a", "1b"]
    assert outside(sol) == outside(skel), "skeleton and reference differ outside the TODO regions"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_reference_meets_pins(name, built):
    h = SCENARIOS[name]
    r = run_vmm(built["solution"], image(name, built["dir"]), backend(), h, timeout=TIMEOUT)
    want_exit = h.get("expect-exit", "success")
    assert r.exit_class == want_exit, f"{name}: {r}"
    if "expect-stdout" in h:
        assert r.stdout == c_unescape(h["expect-stdout"]), f"{name}: {r}"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_skeleton_fails(name, built):
    """The untouched skeleton stops at the guest's first register read."""
    r = run_vmm(built["skeleton"], image(name, built["dir"]), backend(), SCENARIOS[name], timeout=TIMEOUT)
    assert r.exit_class == "error" and r.stdout == b"", f"{name}: {r}"
    assert b"not implemented (TODO 1a)" in r.stderr


def test_random_depends_on_seed(built):
    outs = set()
    for seed in (1, 2, 3, 77, 1000):
        r = run_vmm(built["solution"], image("random", built["dir"], seed), backend(), timeout=TIMEOUT)
        assert r.exit_class == "success", r
        outs.add(r.stdout)
    assert len(outs) >= 4, "the random scenario hardly depends on SEED"


def test_builtin_guest(built):
    """Without an image: a line on stderr (the debug port) and exit 0."""
    r = run_vmm(built["solution"], None, backend(), timeout=TIMEOUT)
    assert r.exit_class == "success" and r.stdout == b"", r
    assert b"guests/hello.bin" in r.stderr


def test_guest_that_gives_up_fails_on_stdout_too(built, tmp_path):
    """A driver that gives up (power off with a code) is an error whose
    stdout says so: it can never pass a scenario that expects an error."""
    src = tmp_path / "giveup.asm"
    src.write_text('%include "virtio.inc"\n        call vio_init\n'
                   '        PRINTS "before", 10\n        FAIL "on purpose"\n')
    out = str(tmp_path / "giveup.bin")
    cmd = nasm_cmd(str(src), out)
    cmd[cmd.index("-I") + 1] = GUEST_DIR + "/"
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    r = run_vmm(built["solution"], out, backend(), timeout=TIMEOUT)
    assert r.exit_class == "error", r
    assert r.stdout == b"before\n[the guest gave up: failure code 1]\n", r
    assert b"guest: on purpose" in r.stderr


@pytest.mark.parametrize("mutant", MUTANTS)
def test_mutant_format(mutant):
    """Line 1 a description; sections of regions the reference has."""
    desc, bodies = parse_mutant(os.path.join(MUTANT_DIR, mutant + ".c"))
    assert desc and bodies
    assert set(bodies) <= {r[0] for r in regions(read(SOLUTION))}
    assert splice(read(SOLUTION), bodies) != read(SOLUTION), f"{mutant} changes nothing"


def test_grader_check_lab():
    """grade --check-lab on one backend: OK, the reference passes all, the
    skeleton 0, every mutant killed."""
    b = backend()
    p = subprocess.run([GRADE, "--check-lab", "--root", ROOT, "--build", BUILD, "--lab", LAB,
                        "--backend", b], capture_output=True, text=True, timeout=1200)
    last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    assert p.returncode == 0 and last.startswith(f"check-lab {LAB}: OK") \
        and f"all {len(MUTANTS)} mutants are killed" in last, p.stdout[-3000:] + p.stderr[-2000:]
