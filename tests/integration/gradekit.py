"""Helpers for the grade program's integration tests: splicing handlers into
the skeleton, tracing each scenario's port I/O, modelling handlers over the
traces, running build/grade and reading its report.

"Which scenarios should a faulty handler fail" is computed, not recorded: a
trusted tracer VMM logs every KVM_EXIT_IO a scenario's guest makes (fields
and data bytes) and how the guest ends when every exit is let through; a
Python model of each handler turns that trace into (stdout, ending), and the
handler should fail exactly the scenarios where that differs from the
expectation (the header's pins, or the correct model's result)."""

import os
import re
import subprocess
import sys


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.environ.get("VIRTLAB_LAB", "cpu_lab")   # make passes LAB= here
BUILD = os.path.join(ROOT, os.environ.get("VIRTLAB_BUILD", "build"))   # make passes BUILD= here
GRADE = os.path.join(BUILD, "grade")
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")
GUESTS = os.path.join(ROOT, "guests", LAB)
SUBMISSIONS = os.path.join(HERE, "submissions")
EMU_LIB = os.environ.get("KVMEMU_LIB") or os.path.join(BUILD, "libkvmemu.so")
SEED = 4242                       # fixed for the tests, so traces match grading

# The header format, the splice rule and backend detection: one truth, in tests/lab/labkit.py.
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
from labkit import c_unescape, io_body_span, kvm_usable, parse_header  # noqa: E402,F401

# ------------------------------------------------------------------ backends

def emu_usable():
    return os.path.isfile(EMU_LIB)

# ------------------------------------------------------------------ scenarios

def scenarios():
    """[{name, points, hidden, emu_only, emu_env, random, pin_out, pin_exit}], sorted."""
    result = []
    for f in sorted(os.listdir(GUESTS)):
        if not f.endswith(".asm"):
            continue
        h = parse_header(os.path.join(GUESTS, f))
        result.append({
            "name": f[:-4], "path": os.path.join(GUESTS, f), "points": int(h["points"]),
            "hidden": h.get("visibility") == "hidden", "emu_only": h.get("backend") == "emu",
            "emu_env": h.get("emu-env", "").split(), "random": h.get("random") == "yes",
            "pin_out": c_unescape(h["expect-stdout"]) if "expect-stdout" in h else None,
            "pin_exit": h.get("expect-exit"),
        })
    return result

# ------------------------------------------------------------------ splicing

def read_submission(name):
    """(description, prelude, body) of submissions/<name>.c. Line 1 is a
    `// description`; an optional prelude (helper functions, placed before
    main) ends at a `//@@ body` line."""
    with open(os.path.join(SUBMISSIONS, name + ".c")) as f:
        first, rest = f.read().split("\n", 1)
    prelude, marker, body = rest.partition("//@@ body\n")
    if not marker:
        prelude, body = "", rest
    return first.lstrip("/ "), prelude, body


def splice(name):
    """The skeleton with submissions/<name>.c as its KVM_EXIT_IO case body."""
    _, prelude, body = read_submission(name)
    with open(SKELETON) as f:
        src = f.read()
    start, end = io_body_span(src)
    src = src[:start] + "\n" + body + src[end:]
    if prelude:
        m = re.search(r"^int\s+main\s*\(", src, re.M)
        src = src[:m.start()] + prelude + "\n" + src[m.start():]
    return src


def write_spliced(name, directory):
    path = os.path.join(directory, name, "sample-qemu.c")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(splice(name))
    return path

# ------------------------------------------------------------------ traces

class Event:
    def __init__(self, d, size, count, port, offset, at4096, data):
        self.dir, self.size, self.count, self.port, self.data = d, size, count, port, data
        self.offset, self.at4096 = offset, at4096

    def good(self):
        return self.dir == 1 and self.size == 1 and self.count == 1 and self.port == 0x3F8


def assemble(sc, directory):
    out = os.path.join(directory, sc["name"] + ".bin")
    # The scenario's folder on the include path, as the grader does (serial.inc).
    cmd = ["nasm", "-f", "bin", "-I", os.path.dirname(sc["path"]) + "/", "-o", out, sc["path"]]
    if sc["random"]:
        cmd.append(f"-DSEED={SEED}")
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    return out


def trace(tracer_bin, image, backend, emu_env=()):
    """(events, ending) of the guest with every I/O exit let through.
    ending: 'hlt', 'error' (another exit the skeleton reports), 'timeout'."""
    env = dict(os.environ)
    if backend == "emu":
        env.update({"LD_PRELOAD": EMU_LIB, "KVMEMU_QUIET": "1"})
        env.update(dict(kv.split("=", 1) for kv in emu_env))
    try:
        # a safety net, not a budget: no scenario hangs, and `long` under kvm-emu on a busy
        # machine must not be cut short into a 'timeout' its trace never had
        p = subprocess.run([tracer_bin, image], capture_output=True, timeout=60, env=env)
    except subprocess.TimeoutExpired as e:
        return parse_events(e.stdout or b""), "timeout"
    events = parse_events(p.stdout)
    if p.returncode == 0 and p.stdout.endswith(b"KVM_EXIT_HLT\n"):
        return events, "hlt"
    assert p.returncode == 1 and p.stderr, f"tracer ended oddly: {p.returncode} {p.stderr!r}"
    return events, "error"


def parse_events(out):
    events = []
    for line in out.split(b"\n"):
        f = line.split()
        if len(f) >= 7 and f[0] == b"IO":
            events.append(Event(int(f[1]), int(f[2]), int(f[3]), int(f[4]), int(f[5]),
                                bytes([int(f[6], 16)]), bytes(int(x, 16) for x in f[7:])))
    return events

# ------------------------------------------------------------------ models
# A model maps (events, ending) to (stdout bytes, end), end one of:
# 'success', 'error' (exit 1-125 with a message), 'silent' (exit 1, no
# message), 'segv', 'timeout'.

def lower(b):
    return bytes(c + 32 if 65 <= c <= 90 else c for c in b)


def finish(out, ending):
    if ending == "hlt":
        return out + b"KVM_EXIT_HLT\n", "success"
    return out, "error" if ending == "error" else "timeout"


def handler(accept=Event.good, emit=lambda e: lower(e.data[:1]), on_bad="error"):
    """A handler that prints emit(e) for accepted exits and does on_bad
    otherwise ('continue' lets the guest go on)."""
    def model(events, ending):
        out = b""
        for e in events:
            if accept(e):
                out += emit(e)
            elif on_bad != "continue":
                return out, on_bad
        return finish(out, ending)
    return model


def memorized(events, ending):
    out, said = b"", False
    for e in events:
        if not e.good():
            return out, "error"
        if not said:
            out, said = b"hello, world!\n", True
    return finish(out, ending)


def wrong_stream(events, ending):
    for e in events:
        if not e.good():
            return b"", "error"
    out, end = finish(b"", ending)
    return out, end


CORRECT = handler()
MODELS = {
    "ok_reference_shape": CORRECT,
    "ok_switch": CORRECT,
    "ok_helper": CORRECT,
    "ok_fputc_fflush": CORRECT,
    "ok_fprintf_exit3": CORRECT,
    "bad_no_direction_check": handler(accept=lambda e: e.size == 1 and e.count == 1 and e.port == 0x3F8),
    "bad_no_size_check": handler(accept=lambda e: e.dir == 1 and e.count == 1 and e.port == 0x3F8),
    "bad_no_count_check": handler(accept=lambda e: e.dir == 1 and e.size == 1 and e.port == 0x3F8),
    "bad_no_port_check": handler(accept=lambda e: e.dir == 1 and e.size == 1 and e.count == 1),
    "bad_no_conversion": handler(emit=lambda e: e.data[:1]),
    "bad_toupper": handler(emit=lambda e: e.data[:1].upper()),
    "bad_or_0x20": handler(emit=lambda e: bytes([e.data[0] | 0x20])),
    "bad_partial_range": handler(emit=lambda e: bytes([e.data[0] + 32 if 65 <= e.data[0] <= 77 else e.data[0]])),
    "bad_newline_each": handler(emit=lambda e: lower(e.data[:1]) + b"\n"),
    "bad_wrong_stream": wrong_stream,
    "bad_memorized": memorized,
    "bad_crash_on_error": handler(on_bad="segv"),
    "bad_hang_on_error": handler(on_bad="timeout"),
    "bad_exit0_on_error": handler(on_bad="success"),
    "bad_silent_exit": handler(on_bad="silent"),
    "bad_ignore_error": handler(on_bad="continue"),
    "bad_hardcoded_4096": handler(emit=lambda e: lower(e.at4096)),
}

# ------------------------------------------------------------------ grading

LINE = re.compile(r"^(PASS|FAIL|ERR )  (\d+)/(\d+)  (\S+)")


def grade(submission, *args, timeout=300):
    """Runs build/grade; returns (returncode, stdout, stderr)."""
    p = subprocess.run([GRADE, *args, submission], capture_output=True, text=True,
                       timeout=timeout, errors="replace")
    return p.returncode, p.stdout, p.stderr


def parse_report(text):
    """{name: (status, score, max, details)} and (score, max) of the Score line."""
    rows, current = {}, None
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            current = m.group(4)
            rows[current] = [m.group(1).strip(), int(m.group(2)), int(m.group(3)), ""]
        elif current and line.startswith("      "):
            rows[current][3] += line.strip() + "\n"
    last = text.rstrip("\n").split("\n")[-1]
    m = re.fullmatch(r"Score: (\d+)/(\d+)", last)
    assert m, f"last line is not 'Score: N/M': {last!r}"
    return {k: tuple(v) for k, v in rows.items()}, (int(m.group(1)), int(m.group(2)))
