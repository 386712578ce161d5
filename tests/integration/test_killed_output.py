"""What a program printed before a limit killed it is kept (issue 22): the VMM's stdout is
line-buffered even into the box's pipe (coreutils' stdbuf library), so a VMM killed at its time
limit shows its lines up to the kill in the report, not `got: ""`. Runs on kvmemu."""
import os
import subprocess

import pytest

import gradekit as gk

pytestmark = pytest.mark.skipif(not os.path.isfile(gk.GRADE) or not gk.emu_usable(),
                                reason=f"{gk.GRADE} or libkvmemu.so not built (make all)")

# The reference's handler, but after the guest's first newline it stops entering the guest
# and spins: stdio would hold "hello, world\n"-like text in its buffer until exit.
HANGS_AFTER_A_LINE = r"""
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
			    run->io.count == 1 && run->io.port == 0x3f8) {
				unsigned char c = *((unsigned char *)run + run->io.data_offset);
				putchar(tolower(c));
				if (c == '\n')
					for (volatile unsigned long spin = 0;; spin++)
						;
				break;
			}
			errx(1, "KVM_EXIT_IO: bad port 0x%x", run->io.port);
"""


def test_a_killed_vmm_keeps_its_lines(tmp_path):
    with open(gk.SKELETON) as f:
        src = f.read()
    start, end = gk.io_body_span(src)
    d = tmp_path / "hang"
    d.mkdir()
    sub = d / "sample-qemu.c"
    sub.write_text(src[:start] + HANGS_AFTER_A_LINE + src[end:])
    env = dict(os.environ, LANG="C.UTF-8")
    p = subprocess.run([gk.GRADE, "--backend", "emu", "--seed", str(gk.SEED), "--scenario", "hello", str(sub)],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    at = next(i for i, l in enumerate(lines) if gk.LINE.match(l) and gk.LINE.match(l).group(4) == "hello")
    status = gk.LINE.match(lines[at]).group(1)
    detail = "\n".join(l.strip() for l in lines[at + 1:] if l.startswith("      "))
    assert status == "FAIL" and ("time" in detail or "budget" in detail), p.stdout
    # the line printed before the spin is in the report's "got"
    got = [l for l in detail.splitlines() if l.startswith("got:")]
    assert got and got[0] != 'got: ""' and "\\n" in got[0], p.stdout
