"""mem_lab, the second lab: its scenarios, its skeleton and reference, its
mutants. Self-contained (the kit's make fragments and the grader know
cpu_lab only so far): it builds the VMMs itself with labs/mem_lab/lab.conf's
flags, assembles the scenarios with nasm -I guests/mem_lab/, and runs them.

The grader implements the same rule (grader/core/splice.c, lab.conf's
`splice = regions`): the tests at the end run `grade --check-lab` and check
that both splice every mutant alike and see the same kills.

The splice rule of mem_lab (labs/mem_lab/README.md): the students' code is
in regions of sample-qemu.c between the lines
    /* ---- TODO <id> begins ---- */   and   /* ---- TODO <id> ends ---- */
The skeleton and the reference are equal outside them. A mutant file is
line 1 `// description`, then one or more sections `//@ TODO <id>` whose
following lines replace that region's body in the reference.

Runs: on /dev/kvm when usable; on kvmemu when build/libkvmemu.so runs the
reference's hello scenario correctly (kvmemu learns long mode separately;
until then its half is skipped, saying why).

`python3 tests/lab/test_mem_lab.py` prints the kill matrix."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labkit import (BUILD, LIBKVMEMU, ROOT, c_unescape, kvm_usable, nasm_cmd,  # noqa: E402
                    parse_header, run_vmm)

LAB = "mem_lab"
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")
GUEST_DIR = os.path.join(ROOT, "guests", LAB)
MUTANT_DIR = os.path.join(ROOT, "labs", LAB, "mutants")
LAB_CONF = os.path.join(ROOT, "labs", LAB, "lab.conf")
IMAGE_MAX = 64 * 1024
GRADE = os.path.join(BUILD, "grade")
REGION_IDS = ["3", "1", "4a", "4b", "2"]          # in file order

REGION = re.compile(r"^([ \t]*)/\* ---- TODO (\w+) begins ---- \*/\n(.*?)"
                    r"^[ \t]*/\* ---- TODO \2 ends ---- \*/\n", re.M | re.S)
MARKER = re.compile(r"/\* ---- TODO \w+ (begins|ends) ---- \*/")


def read(path):
    with open(path, "rb") as f:
        return f.read().decode()


def lab_conf():
    conf = {}
    for n, line in enumerate(read(LAB_CONF).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            key, eq, value = line.partition("=")
            assert eq, f"{LAB_CONF}:{n}: not key = value"
            conf[key.strip()] = value.strip()
    return conf


# ---------------------------------------------------------------- regions

def regions(src):
    """[(id, body_start, body_end)] of the TODO regions, in file order."""
    out = [(m.group(2), m.start(3), m.end(3)) for m in REGION.finditer(src)]
    ids = [r[0] for r in out]
    assert len(ids) == len(set(ids)), f"a region appears twice: {ids}"
    assert len(MARKER.findall(src)) == 2 * len(out), "a TODO marker without its pair"
    return out


def outside(src):
    """The text outside the region bodies (markers included)."""
    parts, at = [], 0
    for _, a, b in regions(src):
        parts.append(src[at:a])
        at = b
    parts.append(src[at:])
    return parts


def parse_mutant(path):
    """(description, {region id: body})."""
    lines = read(path).splitlines(keepends=True)
    assert lines and lines[0].startswith("// ") and lines[0][3:].strip(), \
        f"{path}:1: line 1 must be `// <description>`"
    bodies, cur = {}, None
    for n, line in enumerate(lines[1:], 2):
        m = re.match(r"^//@ TODO (\w+)\s*$", line)
        if m:
            cur = m.group(1)
            assert cur not in bodies, f"{path}:{n}: region {cur} twice"
            bodies[cur] = ""
        else:
            assert cur is not None, f"{path}:{n}: code before the first `//@ TODO <id>`"
            bodies[cur] += line
    assert bodies, f"{path}: no `//@ TODO <id>` section"
    return lines[0][3:].strip(), bodies


def splice(src, bodies):
    """src with the named regions' bodies replaced."""
    spans = {rid: (a, b) for rid, a, b in regions(src)}
    for rid in bodies:
        assert rid in spans, f"no region TODO {rid}"
    out, at = [], 0
    for rid, (a, b) in sorted(spans.items(), key=lambda kv: kv[1][0]):
        out.append(src[at:a])
        body = bodies.get(rid, src[a:b])
        if body and not body.endswith("\n"):
            body += "\n"
        out.append(body)
        at = b
    out.append(src[at:])
    return "".join(out)


def mutants():
    return sorted(f[:-2] for f in os.listdir(MUTANT_DIR) if f.endswith(".c"))


# ---------------------------------------------------------------- building, running

def scenarios():
    names = sorted(f[:-4] for f in os.listdir(GUEST_DIR) if f.endswith(".asm"))
    return {n: parse_header(os.path.join(GUEST_DIR, n + ".asm")) for n in names}


SCENARIOS = scenarios()
MUTANTS = mutants()


def assemble(name, out_dir, seed=1):
    src = os.path.join(GUEST_DIR, name + ".asm")
    out = os.path.join(out_dir, f"{name}-{seed}.bin")
    cmd = nasm_cmd(src, out)
    if SCENARIOS[name].get("random") == "yes":
        cmd[1:1] = [f"-DSEED={seed}"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"{src}: nasm failed:\n{p.stderr}"
    return out


def build(src_text, out):
    conf = lab_conf()
    c = out + ".c"
    with open(c, "w") as f:
        f.write(src_text)
    p = subprocess.run(["cc", *conf["cflags"].split(), "-o", out, c, *conf["ldflags"].split()],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"{c} does not compile:\n{p.stderr}"
    return out


def run(binary, image, backend, header):
    return run_vmm(binary, image, backend, header,
                   timeout=float(header.get("timeout", lab_conf()["timeout"])))


class Lab:
    """Everything built once: images, the reference, the skeleton, the
    mutants; the reference's verdict per (scenario, backend)."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.images = {n: assemble(n, tmp) for n in SCENARIOS}
        sol = read(SOLUTION)
        self.bins = {"(reference)": build(sol, os.path.join(tmp, "reference")),
                     "(skeleton)": build(read(SKELETON), os.path.join(tmp, "skeleton"))}
        for m in MUTANTS:
            _, bodies = parse_mutant(os.path.join(MUTANT_DIR, m + ".c"))
            self.bins[m] = build(splice(sol, bodies), os.path.join(tmp, "mutant-" + m))
        self.backends, self.skipped = [], {}
        if kvm_usable():
            self.backends.append("kvm")
        else:
            self.skipped["kvm"] = "no usable /dev/kvm"
        why = self.emu_unusable()
        if why:
            self.skipped["emu"] = why
        else:
            self.backends.append("emu")
        self.expected = {}
        self.runs = {}

    def emu_unusable(self):
        if not os.path.exists(LIBKVMEMU):
            return "no build/libkvmemu.so"
        h = SCENARIOS["hello"]
        r = run(self.bins["(reference)"], self.images["hello"], "emu", h)
        if r.stdout != c_unescape(h["expect-stdout"]) or r.exit_class != "success":
            return f"kvmemu does not run mem_lab's long-mode guests yet (hello: {r!r})"
        return None

    def verdict(self, prog, name, backend):
        key = (prog, name, backend)
        if key not in self.runs:
            self.runs[key] = run(self.bins[prog], self.images[name], backend, SCENARIOS[name])
        return self.runs[key]

    def killed(self, prog, name, backend):
        ref = self.verdict("(reference)", name, backend)
        return self.verdict(prog, name, backend).verdict() != ref.verdict()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    return Lab(str(tmp_path_factory.mktemp("mem_lab")))


def need(lab, backend):
    if backend not in lab.backends:
        pytest.skip(f"{backend}: {lab.skipped[backend]}")


# ---------------------------------------------------------------- the scenarios

def test_enough_scenarios_and_mutants():
    assert len(SCENARIOS) >= 12 and "hello" in SCENARIOS
    assert len(MUTANTS) >= 15


@pytest.mark.parametrize("name", SCENARIOS)
def test_header(name):
    h = SCENARIOS[name]
    where = os.path.join(GUEST_DIR, name + ".asm")
    assert h.get("title") and "TODO" not in h["title"], f"{where}: title"
    assert h.get("points", "").isdigit(), f"{where}: points"
    assert h.get("visibility", "public") in ("public", "hidden")
    assert h.get("backend", "any") == "any", f"{where}: mem_lab has no emulated-only scenario"
    assert h.get("random", "no") in ("yes", "no")
    assert h.get("hint"), f"{where}: every scenario should teach something when it fails"
    if h.get("random") == "yes":
        assert "expect-stdout" not in h, f"{where}: a random scenario can't pin stdout"
    else:
        assert h.get("expect-exit") in ("success", "error"), f"{where}: pin expect-exit"
        c_unescape(h["expect-stdout"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_assembles_small(name, tmp_path):
    size = os.path.getsize(assemble(name, str(tmp_path)))
    assert 0 < size <= IMAGE_MAX, f"{name}: {size} bytes"


def test_random_scenarios_vary(tmp_path):
    for name, h in SCENARIOS.items():
        if h.get("random") == "yes":
            imgs = {read_bytes(assemble(name, str(tmp_path), s)) for s in (1, 2, 3, 12345)}
            assert len(imgs) == 4, f"{name}: the seed does not change the guest"


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def test_builtin_guest_is_hello_asm(lab):
    """The array in sample-qemu.c is hello.asm, assembled: the VMM run without
    an image and with hello.bin print the same (on a backend), and the bytes
    listed in the source are the image's."""
    src = read(SOLUTION)
    init = re.search(r"hello_guest\[\] = \{(.*?)\};", src, re.S).group(1)
    out = bytearray()
    for tok in re.findall(r"0x[0-9a-f]{2}|'(?:[^'\\]|\\.)'|\b0\b", init):
        if tok.startswith("'"):
            out += bytes(tok[1:-1], "ascii").decode("unicode_escape").encode("latin-1")
        else:
            out.append(int(tok, 0))
    assert bytes(out) == read_bytes(lab.images["hello"])


# ---------------------------------------------------------------- skeleton and reference

def test_only_the_regions_differ():
    skel, sol = read(SKELETON), read(SOLUTION)
    assert [r[0] for r in regions(skel)] == REGION_IDS
    assert [r[0] for r in regions(sol)] == REGION_IDS
    a, b = outside(skel), outside(sol)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"skeleton and reference differ outside the regions (piece {i}, " \
                       f"before region {REGION_IDS[i] if i < len(REGION_IDS) else 'end'})"


def test_skeleton_regions_are_stubs():
    """The skeleton's regions: empty, or one errx saying what is missing."""
    src = read(SKELETON)
    for rid, a, b in regions(src):
        code = " ".join(src[a:b].split())
        assert code == "" or (code.startswith("errx(1, ") and code.count(";") == 1
                              and "TODO" in code), f"region {rid}: {code!r}"


def test_solution_regions_are_code():
    src = read(SOLUTION)
    for rid, a, b in regions(src):
        assert src[a:b].strip(), f"the reference's region {rid} is empty"
        assert "TODO" not in src[a:b], f"the reference's region {rid} says TODO"


def test_student_makefile_uses_lab_flags():
    mk = read(os.path.join(ROOT, "skeleton", LAB, "Makefile"))
    m = re.search(r"^CFLAGS\s*:?=\s*(.*)$", mk, re.M)
    assert m and m.group(1).split() == lab_conf()["cflags"].split()
    assert lab_conf()["name"] == LAB and lab_conf()["source"] == "sample-qemu.c"


@pytest.mark.parametrize("path", [SKELETON, SOLUTION])
def test_warning_free_under_kit_flags(path):
    for std in ("-std=gnu11", "-std=c11 -D_GNU_SOURCE"):
        p = subprocess.run(["cc", *std.split(), "-O2", "-Wall", "-Wextra", "-Werror",
                            "-fsyntax-only", path], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr


def test_student_makefile_standalone(tmp_path):
    d = tmp_path / LAB
    d.mkdir()
    for f in ("Makefile", "sample-qemu.c"):
        (d / f).write_bytes(read_bytes(os.path.join(ROOT, "skeleton", LAB, f)))
    p = subprocess.run(["make", "-C", str(d)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "warning" not in p.stderr, p.stdout + p.stderr
    assert (d / "sample-qemu").exists()


@pytest.mark.parametrize("backend", ["kvm", "emu"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_reference_meets_pins(name, backend, lab):
    need(lab, backend)
    h = SCENARIOS[name]
    r = lab.verdict("(reference)", name, backend)
    assert r.exit_class in ("success", "error"), r
    if "expect-exit" in h:
        assert r.exit_class == h["expect-exit"], r
    if "expect-stdout" in h:
        assert r.stdout == c_unescape(h["expect-stdout"]), r
    if r.exit_class == "success":
        assert re.search(rb"dirty pages: \d+\nKVM_EXIT_HLT\n\Z", r.stdout) and not r.stderr, r


@pytest.mark.parametrize("backend", ["kvm", "emu"])
def test_reference_random_depends_on_seed(backend, lab, tmp_path):
    need(lab, backend)
    for name, h in SCENARIOS.items():
        if h.get("random") == "yes":
            outs = {run(lab.bins["(reference)"], assemble(name, str(tmp_path), s), backend, h).stdout
                    for s in (1, 2, 3)}
            assert len(outs) == 3, name


@pytest.mark.parametrize("backend", ["kvm", "emu"])
@pytest.mark.parametrize("name", [n for n, h in SCENARIOS.items() if int(h["points"]) > 0])
def test_skeleton_fails(name, backend, lab):
    need(lab, backend)
    assert lab.killed("(skeleton)", name, backend), lab.verdict("(skeleton)", name, backend)


@pytest.mark.parametrize("backend", ["kvm", "emu"])
def test_builtin_guest(backend, lab):
    need(lab, backend)
    r = run(lab.bins["(reference)"], None, backend, {})
    assert (r.stdout, r.status, r.stderr) == (c_unescape(SCENARIOS["hello"]["expect-stdout"]), 0, b""), r
    s = run(lab.bins["(skeleton)"], None, backend, {})
    assert s.status == 1 and s.stdout == b"" and b"TODO 1" in s.stderr, s


@pytest.mark.parametrize("kind", ["missing", "empty", "oversized", "directory"])
def test_bad_image(kind, lab, tmp_path):
    """A clear one-line message and exit 1 before anything runs (any backend:
    the image is read before the guest starts)."""
    p = tmp_path / f"{kind}.bin"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "oversized":
        p.write_bytes(b"\xf4" * (IMAGE_MAX + 1))
    elif kind == "directory":
        p.mkdir()
    backend = lab.backends[0] if lab.backends else "kvm"
    if not lab.backends and not kvm_usable():
        pytest.skip("no backend runs mem_lab here")
    for prog in ("(reference)", "(skeleton)"):
        r = run_vmm(lab.bins[prog], str(p), backend, {}, timeout=10)
        lines = r.stderr.decode().splitlines()
        assert r.status == 1 and r.stdout == b"" and len(lines) == 1 \
            and "guest image" in lines[0], (prog, r)


def test_largest_image_accepted(lab, tmp_path):
    """Exactly 64 KiB: a hlt at 0x10000, then padding."""
    if not lab.backends:
        pytest.skip("no backend runs mem_lab here")
    p = tmp_path / "max.bin"
    p.write_bytes(b"\xf4" + b"\0" * (IMAGE_MAX - 1))
    r = run_vmm(lab.bins["(reference)"], str(p), lab.backends[0], {}, timeout=10)
    assert (r.stdout, r.status) == (b"dirty pages: 0\nKVM_EXIT_HLT\n", 0), r


# ---------------------------------------------------------------- mutants

@pytest.mark.parametrize("mutant", MUTANTS)
def test_mutant_format(mutant):
    path = os.path.join(MUTANT_DIR, mutant + ".c")
    _, bodies = parse_mutant(path)
    sol = read(SOLUTION)
    spans = {rid: sol[a:b] for rid, a, b in regions(sol)}
    for rid, body in bodies.items():
        assert rid in spans, f"{path}: no region TODO {rid} in the reference"
        assert body != spans[rid], f"{path}: region {rid} is the reference's own"
        assert not MARKER.search(body), f"{path}: a region marker inside a body"


@pytest.mark.parametrize("backend", ["kvm", "emu"])
@pytest.mark.parametrize("mutant", MUTANTS)
def test_mutant_killed(mutant, backend, lab):
    need(lab, backend)
    kills = [n for n in SCENARIOS if lab.killed(mutant, n, backend)]
    assert kills, f"mutant {mutant} survives every scenario on {backend}"


# ---------------------------------------------------------------- the grader agrees

@pytest.fixture(scope="module")
def checklab(tmp_path_factory):
    """`grade --check-lab --lab mem_lab --write-mutants DIR` once: on kvm when
    usable, else on emu (which must refuse honestly until kvmemu runs long
    mode). (backend, completed process, DIR)."""
    assert os.access(GRADE, os.X_OK), f"{GRADE}: missing (make builds it)"
    out = tmp_path_factory.mktemp("mutants")
    backend = "kvm" if kvm_usable() else "emu"
    p = subprocess.run([GRADE, "--root", ROOT, "--build", BUILD, "--check-lab", "--lab", LAB,
                        "--backend", backend, "--write-mutants", str(out)],
                       capture_output=True, text=True, timeout=900)
    return backend, p, out


def test_grader_splices_alike(checklab):
    """Every mutant the grader compiled is this file's splice of it."""
    _, p, out = checklab
    sol = read(SOLUTION)
    for m in MUTANTS:
        path = os.path.join(out, m + ".c")
        assert os.path.exists(path), f"grade --check-lab wrote no {path}:\n{p.stdout}{p.stderr}"
        _, bodies = parse_mutant(os.path.join(MUTANT_DIR, m + ".c"))
        assert read(path) == splice(sol, bodies), f"{m}: grader/core/splice.c and test_mem_lab.py disagree"


MATRIX_ROW = re.compile(r"^(\S+)\s+([X.ke?!]+)\s+(\d*)\s+(.*)$")


def test_grader_check_lab_on_kvm(checklab, lab):
    """make check-lab LAB=mem_lab on /dev/kvm: OK, every mutant killed, and
    the grader's kill matrix is the one this file computes by itself."""
    backend, p, _ = checklab
    if backend != "kvm":
        pytest.skip("no usable /dev/kvm: check-lab of mem_lab on kvm not run (kvmemu: see "
                    "test_grader_check_lab_on_emu)")
    last = p.stdout.strip().splitlines()[-1]
    assert p.returncode == 0 and last.startswith("check-lab mem_lab: OK") \
        and f"all {len(MUTANTS)} mutants are killed" in last, p.stdout + p.stderr
    rows = {m.group(1): m.group(2) for m in map(MATRIX_ROW.match, p.stdout.splitlines())
            if m and len(m.group(2)) == len(SCENARIOS)}
    names = sorted(SCENARIOS)
    for prog in ["(reference)", "(skeleton)"] + MUTANTS:
        mine = "".join("X" if lab.killed(prog, n, "kvm") else "." for n in names)
        assert rows.get(prog) == mine, f"{prog}: grader {rows.get(prog)}, test_mem_lab.py {mine}"


def test_grader_check_lab_on_emu(checklab):
    """Where kvmemu can't run mem_lab yet, check-lab says so and stops
    (exit 2), never a pass."""
    backend, p, _ = checklab
    if backend != "emu":
        pytest.skip("check-lab ran on kvm (test_grader_check_lab_on_kvm)")
    if p.returncode == 0:
        assert "check-lab mem_lab: OK" in p.stdout
        return
    assert p.returncode == 2 and "emu can't run this lab" in p.stdout, p.stdout + p.stderr
    pytest.skip("kvmemu can't run mem_lab yet (check-lab refused it, exit 2): "
                + p.stdout.strip().splitlines()[-2][:200])


@pytest.mark.parametrize("prog", [SOLUTION, SKELETON])
def test_emu_grading_is_never_a_students_zero(prog):
    """Graded on kvmemu: full marks for the reference once kvmemu runs long
    mode; until then every scenario a grader error (ERR, exit 2), so a batch
    regrades instead of recording a 0."""
    if not os.path.exists(LIBKVMEMU):
        pytest.skip(f"no {LIBKVMEMU}")
    p = subprocess.run([GRADE, "--root", ROOT, "--build", BUILD, "--lab", LAB, "--backend", "emu", prog],
                       capture_output=True, text=True, timeout=300)
    last = p.stdout.strip().splitlines()[-1]
    rows = [ln for ln in p.stdout.splitlines() if re.match(r"^(PASS|FAIL|ERR) ", ln)]
    assert len(rows) == len(SCENARIOS), p.stdout + p.stderr
    if p.returncode == 2:
        assert all(r.startswith("ERR ") for r in rows) and "can't run this lab" in p.stdout, p.stdout
    else:
        assert p.returncode == 0, p.stdout + p.stderr
        total = sum(int(h["points"]) for h in SCENARIOS.values())
        assert last == f"Score: {total if prog == SOLUTION else 0}/{total}", p.stdout


def test_grader_names_a_bad_mutants_line(tmp_path):
    """check-lab on a copy of the lab with broken mutants: each error names the mutant's file
    and line (a section rule broken, a region that isn't there, a compile error at its line)."""
    root = tmp_path / "kit"
    for d in ("guests", "skeleton", "solution"):
        shutil.copytree(os.path.join(ROOT, d, LAB), root / d / LAB)
    mdir = root / "labs" / LAB / "mutants"
    mdir.mkdir(parents=True)
    shutil.copy(LAB_CONF, root / "labs" / LAB / "lab.conf")
    (mdir / "first.c").write_text("// code first\n\tx();\n//@ TODO 1\n")
    (mdir / "unknown.c").write_text("// unknown region\n//@ TODO 9\n\tx();\n")
    cmd = [GRADE, "--root", str(root), "--build", BUILD, "--check-lab", "--lab", LAB, "--backend",
           "kvm" if kvm_usable() else "emu"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    errors = [ln for ln in p.stdout.splitlines() if ln.startswith("error: ")]
    assert p.returncode == 1 and errors == [
        f"error: labs/{LAB}/mutants/first.c:2: code before the first `//@ TODO <id>` line",
        f"error: labs/{LAB}/mutants/unknown.c:2: no region TODO 9 in the file it is spliced into"], p.stdout
    if not kvm_usable():
        return   # the compile error below is found after the backend is qualified
    for f in ("first.c", "unknown.c"):
        (mdir / f).unlink()
    (mdir / "typo.c").write_text("// a typo\n//@ TODO 4b\n\tdirty = 1;\n\tdirtx = 2;\n")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    errors = [ln for ln in p.stdout.splitlines() if ln.startswith("error: ")]
    assert p.returncode == 1 and len(errors) == 1 and errors[0].startswith(
        f"error: labs/{LAB}/mutants/typo.c:4: does not compile spliced into the reference: ") \
        and "dirtx" in errors[0], p.stdout


# ---------------------------------------------------------------- the kill matrix, by hand

def matrix():
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(tmp)
        names = list(SCENARIOS)
        print(f"mem_lab: {len(names)} scenarios, {len(MUTANTS)} mutants; backends: "
              f"{' '.join(lab.backends) or 'none'}"
              + "".join(f"; {b} skipped: {w}" for b, w in lab.skipped.items()))
        for i, n in enumerate(names, 1):
            h = SCENARIOS[n]
            k = sum(any(lab.killed(m, n, b) for b in lab.backends) for m in MUTANTS)
            tags = "  [hidden]" if h.get("visibility") == "hidden" else ""
            tags += "  [random]" if h.get("random") == "yes" else ""
            print(f"{i:5}  {n:14} {h['points']:>2} pt  kills {k:2}  {h['title']}{tags}")
        tens = "".join(str(i // 10) if i >= 10 else " " for i in range(1, len(names) + 1))
        ones = "".join(str(i % 10) for i in range(1, len(names) + 1))
        print(f"{'':22}{tens}\n{'':22}{ones}")
        bad = 0
        for prog in ["(reference)", "(skeleton)"] + MUTANTS:
            marks = ""
            for n in names:
                ks = [b for b in lab.backends if lab.killed(prog, n, b)]
                marks += "X" if len(ks) == len(lab.backends) and ks else (ks[0][0] if ks else ".")
            desc = {"(reference)": "the reference: must pass every scenario",
                    "(skeleton)": "the untouched skeleton: must fail every scenario worth points"
                    }.get(prog) or parse_mutant(os.path.join(MUTANT_DIR, prog + ".c"))[0]
            count = marks.count("X") + marks.count("k") + marks.count("e")
            print(f"{prog:22}{marks} {count:3}  {desc}")
            if prog == "(reference)":
                bad += count
            elif prog == "(skeleton)":
                bad += sum(1 for n, c in zip(names, marks) if c == "." and int(SCENARIOS[n]["points"]))
            else:
                bad += count == 0
        print("mem_lab: OK" if bad == 0 else f"mem_lab: FAILED ({bad} problems)")
        return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(matrix())
