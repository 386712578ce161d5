"""The report's reproduce commands work in the student tarball: a handler
that crashes is checked with `make check BACKEND=emu` in an unpacked tarball, and each failing
scenario's `reproduce (in the student tarball): ...` line, run there by a shell, crashes the same
way, including an emulated-only scenario that crashes only with its KVMEMU_* knob set."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from test_dist import BUILD, LAB, ROOT, SOLUTION, TARBALL, clean_env, io_body_span, public_scenarios, run, splice

# The reference's handler, but a NULL dereference on the byte '!' and on an exit with
# count > 1 (which only kvmemu's KVMEMU_STRING_BATCH=1 makes).
CRASH = ("if (run->io.count != 1)\n\t\t\t\t*(volatile int *)0 = 0;\n",
         "if (byte == '!')\n\t\t\t\t\t*(volatile int *)0 = 0;\n\t\t\t\tputchar(tolower(byte));")


@pytest.fixture(scope="module")
def crashing_kit():
    r = subprocess.run(["make", "--no-print-directory", f"BUILD={os.path.relpath(BUILD, ROOT)}",
                        "dist"], cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"make dist failed:\n{r.stdout}\n{r.stderr}"
    top = tempfile.mkdtemp(prefix="virtlab-repro-")
    r = subprocess.run(["tar", "xzf", TARBALL], cwd=top, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    kit = os.path.join(top, LAB)
    with open(SOLUTION) as f:
        sol = f.read()
    start, end = io_body_span(sol)
    body = sol[start:end]
    assert "putchar(tolower(byte));" in body, "the reference changed shape"
    body = CRASH[0] + body.replace("putchar(tolower(byte));", CRASH[1], 1)
    path = os.path.join(kit, "sample-qemu.c")
    with open(path) as f:
        src = f.read()
    with open(path, "w") as f:
        f.write(splice(src, body))
    yield kit
    shutil.rmtree(top, ignore_errors=True)


def crashed(rc):
    return rc in (-11, 128 + 11)   # the shell exec'd the program, or reports its SIGSEGV


def test_reproduce_commands_reproduce(crashing_kit):
    r = run(["make", "check", "BACKEND=emu"], crashing_kit, timeout=600)
    assert r.returncode == 2, f"make check should fail:\n{r.stdout}\n{r.stderr}"
    report = r.stdout
    failed = re.findall(r"^FAIL +0/\d+ +(\S+) .*\n      killed by SIGSEGV\n", report, re.M)
    repro = dict(re.findall(r"^      reproduce \(in the student tarball\): (.*guests/(\w+?)(?:-seed\d+)?\.bin)$",
                            report, re.M))
    repro = {name: cmd for cmd, name in repro.items()}
    assert "hello" in failed and "string_batch" in failed, report
    assert set(repro) >= set(failed) and set(repro) <= set(public_scenarios()), (sorted(repro), failed)
    for name in failed:
        cmd = repro[name]
        p = subprocess.run(["sh", "-c", cmd], cwd=crashing_kit, env=clean_env(), capture_output=True,
                           text=True, timeout=300)
        assert crashed(p.returncode), f"{name}: `{cmd}` exited {p.returncode}, not by SIGSEGV\n{p.stderr}"
    # the knob is what makes string_batch crash: without it the same run doesn't
    cmd = repro["string_batch"]
    assert "KVMEMU_STRING_BATCH=1 ./kvm-emu ./sample-qemu" in cmd, cmd
    p = subprocess.run(["sh", "-c", cmd.replace("KVMEMU_STRING_BATCH=1 ", "")], cwd=crashing_kit,
                       env=clean_env(), capture_output=True, text=True, timeout=300)
    assert not crashed(p.returncode), f"string_batch crashed without its knob: {p.returncode}"
