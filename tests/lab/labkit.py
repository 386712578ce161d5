"""Helpers shared by the lab's tests: the scenario header format and the
splice rule of HACKING.md, assembling guests and running VMMs on a backend.
(The mutants are check-lab's: tests/checklab uses splice() here to check
that grader/core/splice.c follows the same rule.)"""

import math
import os
import resource
import re
import shutil
import signal
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.environ.get("VIRTLAB_LAB", "cpu_lab")   # make passes LAB= here
BUILD = os.path.join(ROOT, os.environ.get("VIRTLAB_BUILD", "build"))
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")
GUEST_DIR = os.path.join(ROOT, "guests", LAB)
MUTANT_DIR = os.path.join(ROOT, "labs", LAB, "mutants")
LAB_CONF = os.path.join(ROOT, "labs", LAB, "lab.conf")
LIBKVMEMU = os.path.join(BUILD, "libkvmemu.so")
KVM_EMU = os.path.join(ROOT, "scripts", "kvm-emu")

HEADER_KEYS = {"title", "points", "visibility", "backend", "emu-env", "random",
               "hint", "hint-zh", "hint-on", "title-zh", "expect-exit", "expect-stdout", "timeout",
               "insn-budget"}


# ---------------------------------------------------------------- lab.conf

def lab_conf():
    conf = {}
    with open(LAB_CONF) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            key, eq, value = line.partition("=")
            assert eq, f"{LAB_CONF}:{n}: not key = value"
            conf[key.strip()] = value.strip()
    return conf


# ---------------------------------------------------------------- scenarios

HEADER_LINE = re.compile(r"^; ([a-z-]+): (.*)$")


def parse_header(path):
    """The `; key: value` lines at the top of a scenario, as a dict."""
    header = {}
    with open(path) as f:
        for line in f:
            m = HEADER_LINE.match(line.rstrip("\n"))
            if not m:
                break
            key, value = m.group(1), m.group(2).strip()
            assert key in HEADER_KEYS, f"{path}: unknown key {key}"
            assert key not in header, f"{path}: duplicate key {key}"
            header[key] = value
    return header


def c_unescape(quoted):
    """The bytes of a C string literal in double quotes (expect-stdout):
    \\n \\t \\" \\\\ and the other simple escapes, \\xHH, octal \\NNN."""
    assert len(quoted) >= 2 and quoted[0] == '"' and quoted[-1] == '"', quoted
    s, out, i = quoted[1:-1], bytearray(), 0
    simple = {"n": 10, "t": 9, "r": 13, "\\": 92, '"': 34, "'": 39,
              "a": 7, "b": 8, "f": 12, "v": 11, "e": 27, "?": 63}
    while i < len(s):
        c = s[i]
        if c != "\\":
            assert c != '"', f"unescaped quote in {quoted}"
            out += c.encode()
            i += 1
        elif s[i + 1] in simple:
            out.append(simple[s[i + 1]])
            i += 2
        elif s[i + 1] == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", s[i + 2:])
            out.append(int(m.group(0), 16))
            i += 2 + len(m.group(0))
        else:
            m = re.match(r"[0-7]{1,3}", s[i + 1:])
            out.append(int(m.group(0), 8))
            i += 1 + len(m.group(0))
    return bytes(out)


def scenarios():
    """{name: header} for every guests/<lab>/*.asm, sorted by name."""
    names = sorted(f[:-4] for f in os.listdir(GUEST_DIR) if f.endswith(".asm"))
    return {n: parse_header(os.path.join(GUEST_DIR, n + ".asm")) for n in names}


def nasm_cmd(src, out):
    """nasm as the grader runs it: the scenario's folder is on the include
    path (for serial.inc and the like; nasm does not look beside the source),
    warnings on as in guests/guests.mk."""
    return ["nasm", "-f", "bin", "-w+all", "-I", os.path.dirname(os.path.abspath(src)) + "/",
            "-o", out, src]


def assemble(name, out_dir, seed=1):
    """Assemble scenario `name` into out_dir; returns the .bin path."""
    src = os.path.join(GUEST_DIR, name + ".asm")
    out = os.path.join(out_dir, f"{name}-{seed}.bin")
    cmd = nasm_cmd(src, out)
    if parse_header(src).get("random") == "yes":
        cmd[1:1] = [f"-DSEED={seed}"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    return out


# ---------------------------------------------------------------- splicing

LABEL = re.compile(r"^[ \t]*(case\b[^:\n]*|default[ \t]*):", re.M)


def io_body_span(src):
    """(start, end) of the KVM_EXIT_IO case body: from just after
    `case KVM_EXIT_IO:` to the start of the line of the next label."""
    start = src.index("case KVM_EXIT_IO:") + len("case KVM_EXIT_IO:")
    m = LABEL.search(src, start)
    assert m, "no label after case KVM_EXIT_IO:"
    return start, m.start()


def splice(body):
    """The skeleton with `body` (a mutant file minus its first line) as its
    KVM_EXIT_IO case body."""
    with open(SKELETON) as f:
        src = f.read()
    start, end = io_body_span(src)
    if not body.startswith("\n"):
        body = "\n" + body
    if not body.endswith("\n"):
        body += "\n"
    return src[:start] + body + src[end:]


# ---------------------------------------------------------------- running

def kvm_usable():
    try:
        import fcntl
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    try:
        return fcntl.ioctl(fd, 0xAE00) == 12          # KVM_GET_API_VERSION
    except OSError:
        return False
    finally:
        os.close(fd)


def emu_usable():
    return os.path.exists(LIBKVMEMU)


def emu_env(header):
    """The environment for a run: knobs from `emu-env`, quiet kvmemu."""
    env = dict(os.environ)
    for item in header.get("emu-env", "").split():
        k, _, v = item.partition("=")
        env[k] = v
    return env


class Result:
    def __init__(self, status, stdout, stderr):
        self.status, self.stdout, self.stderr = status, stdout, stderr

    @property
    def exit_class(self):
        """success, error (1-125 with stderr), or what else happened."""
        if self.status == "timeout":
            return "timeout"
        if self.status == 0:
            return "success"
        if 1 <= self.status <= 125 and self.stderr.strip():
            return "error"
        if self.status < 0:
            return f"signal {-self.status}"
        return f"exit {self.status}" + ("" if self.stderr.strip() else " without stderr")

    def verdict(self):
        return (self.stdout, self.exit_class)

    def __repr__(self):
        return (f"Result({self.exit_class}, stdout={self.stdout[:200]!r}, "
                f"stderr={self.stderr[-300:]!r})")


def run_vmm(binary, image, backend, header=None, timeout=None):
    """Run `binary image` on backend "kvm" or "emu" within a budget of `timeout` CPU seconds
    (the scenario's or lab.conf's, as the grader counts it), its result "timeout" past it.
    The wall clock is only a hang guard, generous for a loaded machine: a run that waited for
    a CPU is never a timeout."""
    header = header or {}
    if timeout is None:
        timeout = float(header.get("timeout", lab_conf()["timeout"]))
    budget = max(1, math.ceil(timeout))
    def limit_cpu():   # SIGXCPU at the soft limit, SIGKILL a second later
        resource.setrlimit(resource.RLIMIT_CPU, (budget, budget + 1))
    cmd = [binary] + ([image] if image else [])
    env = dict(os.environ)
    if backend == "emu":
        env = emu_env(header)
        if os.access(KVM_EMU, os.X_OK):
            cmd = [KVM_EMU] + cmd
        else:   # what scripts/kvm-emu does
            env["LD_PRELOAD"] = LIBKVMEMU
        env["KVMEMU_LIB"] = LIBKVMEMU
        env["KVMEMU_QUIET"] = "1"   # its diagnostics would count as "stderr"
    # Own session, so a timeout kills the VMM and anything it started.
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, start_new_session=True, preexec_fn=limit_cpu)
    try:
        out, err = p.communicate(timeout=10 * budget + 30)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return Result("timeout", out, err)
    if p.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return Result("timeout", out, err)
    return Result(p.returncode, out, err)


def backend_for(header):
    """The backend a scenario runs on here, or None (with why) if it can't."""
    if header.get("backend", "any") == "emu":
        return ("emu", None) if emu_usable() else (None, "emulated-only; no build/libkvmemu.so yet")
    if kvm_usable():
        return ("kvm", None)
    if emu_usable():
        return ("emu", None)
    return (None, "neither /dev/kvm nor build/libkvmemu.so is usable")


def have(tool):
    return shutil.which(tool) is not None
