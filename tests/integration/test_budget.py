"""A run's budget on kvmemu is guest instructions (lab.conf `insn_budget`,
KVMEMU_INSN_LIMIT in the box): a guest that spins is stopped by its count, and
the report says the budget in its own units, as the student's `timeout`."""

import json
import os
import re
import subprocess

import pytest

import gradekit as gk

LAB_CONF = os.path.join(gk.ROOT, "labs", "cpu_lab", "lab.conf")
SOLUTION = os.path.join(gk.ROOT, "solution", "cpu_lab", "sample-qemu.c")

pytestmark = pytest.mark.skipif(not gk.emu_usable(), reason="no kvmemu build (build/libkvmemu.so)")


def insn_budget():
    m = re.search(r"^insn_budget\s*=\s*(\d+)", open(LAB_CONF).read(), re.M)
    assert m, f"{LAB_CONF}: no insn_budget"
    return int(m.group(1))


def spinning_submission(tmp_path):
    """The reference, but the guest's first bytes become `jmp $`."""
    src = open(SOLUTION).read()
    anchor = "\tclose(fd);\n\tif (len == 0)"
    assert anchor in src, "the reference's image loader changed: update this test"
    path = tmp_path / "sample-qemu.c"
    path.write_text(src.replace(anchor, "\tclose(fd);\n\tdest[0] = 0xeb; dest[1] = 0xfe;\n\tif (len == 0)", 1))
    return path


def test_a_spinning_guest_uses_its_instruction_budget(tmp_path):
    n = insn_budget()
    res = tmp_path / "r.json"
    rc, out, err = gk.grade(str(spinning_submission(tmp_path)), "--lab", "cpu_lab", "--backend", "emu",
                            "--seed", "1", "--json", str(res))
    assert rc in (0, 1), f"grade exited {rc}\n{err}"
    tests = json.load(open(res))["tests"]
    assert tests, "no scenario graded"
    for t in tests:
        where = f"{t['name']}:\n{t['output']}"
        assert t["extra_data"]["cause"] == "timeout", where
        assert t["score"] == 0, where
        if t["visibility"] == "visible":   # hidden rows say no more than the cause
            assert f"timed out: used its budget of {n} guest instructions" in t["output"], where
    assert f"timed out: used its budget of {n} guest instructions" in out


def test_a_vmm_raising_sigxcpu_itself_is_not_an_instruction_budget(tmp_path):
    """Only kvmemu's own line makes a SIGXCPU the instruction budget."""
    src = open(SOLUTION).read()
    anchor = "\tclose(fd);\n\tif (len == 0)"
    path = tmp_path / "sample-qemu.c"
    path.write_text("#include <signal.h>\n" + src.replace(anchor, "\tclose(fd);\n\traise(SIGXCPU);\n\tif (len == 0)", 1))
    rc, out, err = gk.grade(str(path), "--lab", "cpu_lab", "--backend", "emu", "--seed", "1")
    assert rc in (0, 1), f"grade exited {rc}\n{err}"
    assert "killed by SIGXCPU" in out, out
    assert "guest instructions" not in out, out


def test_kvmemu_counts_what_the_reference_runs(tmp_path):
    """KVMEMU_INSN_COUNT=1 says the count; the reference's hello stays far under the budget."""
    vmm = tmp_path / "vmm"
    subprocess.run(["cc", "-O2", "-o", str(vmm), SOLUTION], check=True, timeout=120)
    img = tmp_path / "hello.bin"
    subprocess.run(["nasm", "-f", "bin", "-I", os.path.join(gk.ROOT, "guests", "cpu_lab") + "/", "-o", str(img),
                    os.path.join(gk.ROOT, "guests", "cpu_lab", "hello.asm")], check=True, timeout=60)
    env = dict(os.environ, LD_PRELOAD=gk.EMU_LIB, KVMEMU_INSN_COUNT="1", KVMEMU_QUIET="1")
    p = subprocess.run([str(vmm), str(img)], env=env, capture_output=True, text=True, timeout=60)
    m = re.search(r"^kvmemu: (\d+) guest instructions$", p.stderr, re.M)
    assert m, f"no count on stderr: {p.stderr!r}"
    assert 0 < int(m.group(1)) < insn_budget() // 10
    env = dict(os.environ, LD_PRELOAD=gk.EMU_LIB, KVMEMU_INSN_LIMIT="5", KVMEMU_QUIET="1")
    p = subprocess.run([str(vmm), str(img)], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == -24, f"expected SIGXCPU (-24), got {p.returncode}: {p.stderr!r}"
    assert "kvmemu: guest instruction limit of 5 reached (KVMEMU_INSN_LIMIT)" in p.stderr
