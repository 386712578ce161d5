#!/usr/bin/env python3
"""Generates a class of submissions for `grade --batch` (tests/batch and `make bench`).

    make_class.py OUTDIR [--count N] [--hostile] [--broken K]

Every student's handler is spliced into skeleton/cpu_lab/sample-qemu.c between
`case KVM_EXIT_IO:` and the next label, exactly where a student writes it:
- correct variants: the reference's handler and tests/integration/submissions/ok_*.c;
- faulty: every labs/cpu_lab/mutants/*.c (the slow `hang_on_error` last, so a
  small class leaves it out), cycled;
- not compiling: tests/integration/submissions/broken_syntax.c (--broken K copies);
- with --hostile: a hanging one and a flooding one (tests/hostile attacks
  appended to the skeleton) and a crashing one (SIGSEGV on bad I/O).
Each source gets a unique comment, so no two files are identical (as in a real
class). Half the students are folders (`name/sample-qemu.c`), half `name.c` files.
Prints one line per student: `name kind`.
"""
import argparse
import pathlib
import re
import sys

KIT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(KIT / "tests/lab"))
from labkit import io_body_span as io_case  # noqa: E402  (the splice rule: one copy)
SKELETON = KIT / "skeleton/cpu_lab/sample-qemu.c"
SOLUTION = KIT / "solution/cpu_lab/sample-qemu.c"
MUTANTS = KIT / "labs/cpu_lab/mutants"
SUBMISSIONS = KIT / "tests/integration/submissions"
HOSTILE = KIT / "tests/hostile"
SLOW_MUTANTS = ("hang_on_error",)      # times out on every error scenario


def splice(body, prelude=""):
    src = SKELETON.read_text()
    start, end = io_case(src)
    src = src[:start] + "\n" + body + src[end:]
    if prelude:
        m = re.search(r"^int\s+main\s*\(", src, re.M)
        src = src[:m.start()] + prelude + "\n" + src[m.start():]
    return src


def handler_file(path):
    """A `// description` line, an optional prelude ending at `//@@ body`, the body."""
    rest = path.read_text().split("\n", 1)[1]
    prelude, marker, body = rest.partition("//@@ body\n")
    return splice(body, prelude) if marker else splice(rest)


def correct_variants():
    sol = SOLUTION.read_text()
    start, end = io_case(sol)
    yield "reference", splice(sol[start:end].lstrip("\n"))
    for f in sorted(SUBMISSIONS.glob("ok_*.c")):
        yield f.stem, handler_file(f)


def mutants():
    files = sorted(MUTANTS.glob("*.c"), key=lambda f: (f.stem in SLOW_MUTANTS, f.stem))
    for f in files:
        yield f.stem, handler_file(f)


def hostile():
    skeleton = SKELETON.read_text()
    for attack, kind in (("sleep_forever", "hanging"), ("endless_output", "flooding")):
        text = (HOSTILE / f"{attack}.attack.c").read_text()
        text = text.replace("@TAG@", "vlbatch").replace("@KIT@", str(KIT))
        yield kind, skeleton + "\n/* ---- hostile ---- */\n" + text
    yield "crashing", handler_file(SUBMISSIONS / "bad_crash_on_error.c")


def plan(count, broken, with_hostile):
    """[(name, kind, source)]: about 70% correct, the rest faulty, plus extras."""
    extras = [("broken", "broken", handler_file(SUBMISSIONS / "broken_syntax.c"))] * broken
    if with_hostile:
        extras += [(kind, "hostile", src) for kind, src in hostile()]
    n = max(count - len(extras), 0)
    faulty = list(mutants())
    nfaulty = min(max(n * 3 // 10, 1), n)
    ok = list(correct_variants())
    out = [(f"ok_{v}", "correct", s) for v, s in (ok[i % len(ok)] for i in range(n - nfaulty))]
    out += [(f"bad_{m}", "faulty", s) for m, s in (faulty[i % len(faulty)] for i in range(nfaulty))]
    return out + extras


def write_class(outdir, count=30, broken=1, with_hostile=False):
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    students = []
    for i, (what, kind, src) in enumerate(plan(count, broken, with_hostile)):
        name = f"s{i:03d}_{what}"
        src += f"\n/* {name} */\n"
        if i % 2:
            (outdir / f"{name}.c").write_text(src)
        else:
            (outdir / name).mkdir(exist_ok=True)
            (outdir / name / "sample-qemu.c").write_text(src)
        students.append((name, kind))
    return students


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--broken", type=int, default=1)
    ap.add_argument("--hostile", action="store_true")
    a = ap.parse_args()
    for name, kind in write_class(a.outdir, a.count, a.broken, a.hostile):
        print(name, kind)
