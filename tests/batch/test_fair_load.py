"""Fair CPU under load (issue 22): references graded beside a CPU hog -- a classmate whose VMM
forks spinners that each call setsid() (each session an autogroup of its own to the scheduler),
and spinners outside the kit, each in a session of its own -- keep full marks. A run's budget is
its box's CPU time, not the wall clock; a run starved by the machine is run again, never the
student's timeout. Bounded in time (BOUND_S)."""
import os
import pathlib
import shutil
import subprocess
import time

import pytest

from test_batch import COMMON, GRADE, KIT, read_csv

BOUND_S = 900
OUTSIDE_HOGS = 2 * (os.cpu_count() or 2)

# A constructor that leaves spinners behind, each trying for a session of its own.
HOG = r"""
#include <unistd.h>
__attribute__((constructor)) static void hog(void)
{
	for (int i = 0; i < 20; i++)
		if (fork() == 0) {
			setsid();
			for (volatile unsigned long n = 0;; n++)
				;
		}
}
"""


@pytest.fixture()
def hogs_outside():
    procs = [subprocess.Popen(["sh", "-c", "while :; do :; done"], start_new_session=True)
             for _ in range(OUTSIDE_HOGS)]
    yield procs
    for p in procs:
        p.kill()
        p.wait()


def test_references_keep_full_marks_beside_hogs(tmp_path, hogs_outside):
    klass = tmp_path / "class"
    solution = (KIT / "solution/cpu_lab/sample-qemu.c").read_text()
    for name in ("ref1", "ref2", "ref3"):
        (klass / name).mkdir(parents=True)
        (klass / name / "sample-qemu.c").write_text(solution)
    (klass / "hog").mkdir()
    (klass / "hog" / "sample-qemu.c").write_text(HOG + solution)
    out = tmp_path / "out"
    out.mkdir()
    t0 = time.monotonic()
    p = subprocess.run([str(GRADE), "--batch", str(klass), "--csv", str(out / "grades.csv"), "--jobs", "2",
                        "--deadline", str(BOUND_S), "--seed", "7", *COMMON],
                       capture_output=True, text=True, timeout=BOUND_S + 60)
    elapsed = time.monotonic() - t0
    header, rows = read_csv(out / "grades.csv")
    for name in ("ref1", "ref2", "ref3"):
        r = dict(zip(header, rows[name]))
        assert r["status"] == "graded" and r["score"] == r["max"] == "27", (r, p.stderr[-2000:])
    hog = dict(zip(header, rows["hog"]))
    assert hog["status"] == "graded", hog   # its own outcome, whatever it scored
    assert elapsed < BOUND_S, f"the batch took {elapsed:.0f} s"
