"""`make dist`: the student tarball, unpacked in a temporary folder far from the kit and used
the way the handout says (make, ./kvm-emu, make check, make guests), and searched for what must
never be in it: the reference handler, hidden scenarios, mutants, tests."""

import html
import os
import re
import shutil
import subprocess
import tarfile
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("VIRTLAB_BUILD", "build"))
LAB = "cpu_lab"
TARBALL = os.path.join(BUILD, "dist", f"{LAB}-student.tar.gz")
GUEST_DIR = os.path.join(ROOT, "guests", LAB)
MUTANT_DIR = os.path.join(ROOT, "labs", LAB, "mutants")
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")


# ---------------------------------------------------------------- helpers

def clean_env(**extra):
    """The environment of a student's shell: nothing of ours (an enclosing make's MAKEFLAGS
    would pass its variables down, KVMEMU_LIB would pick another kvmemu)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "KVMEMU_LIB",
                        "LD_PRELOAD", "BUILD", "BACKEND", "VIRTLAB_BUILD")}
    env["LC_ALL"] = "C"
    env.update(extra)
    return env


def run(cmd, cwd, timeout=300, **env):
    return subprocess.run(cmd, cwd=cwd, env=clean_env(**env), capture_output=True,
                          text=True, timeout=timeout)


HEADER_LINE = re.compile(r"^;[ \t]*([a-z0-9_-]+):[ \t]*(.*?)\s*$")


def header(path):
    h = {}
    with open(path) as f:
        for line in f:
            m = HEADER_LINE.match(line)
            if not m:
                break
            h[m.group(1)] = m.group(2)
    return h


def c_unescape(quoted):
    body = quoted[1:-1].encode().decode("unicode_escape").encode("latin-1")
    return body


def scenarios():
    return {f[:-4]: header(os.path.join(GUEST_DIR, f))
            for f in sorted(os.listdir(GUEST_DIR)) if f.endswith(".asm")}


def public_scenarios():
    return {n: h for n, h in scenarios().items() if h.get("visibility", "public") == "public"}


def hidden_scenarios():
    return {n: h for n, h in scenarios().items() if h.get("visibility") == "hidden"}


LABEL = re.compile(r"^[ \t]*(case\b[^:\n]*|default[ \t]*):", re.M)


def io_body_span(src):
    """The KVM_EXIT_IO case body (HACKING.md's splice rule): from just after
    `case KVM_EXIT_IO:` to the start of the line of the next label."""
    start = src.index("case KVM_EXIT_IO:") + len("case KVM_EXIT_IO:")
    return start, LABEL.search(src, start).start()


def splice(src, body):
    start, end = io_body_span(src)
    return src[:start] + "\n" + body.strip("\n") + "\n" + src[end:]


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def norm(text):
    return re.sub(r"\s+", " ", text).strip()


def distinctive_lines(text, common, minlen=12):
    """Lines of text, whitespace-normalized, that are long enough to mean something and
    are not lines of the `common` texts (what may legitimately ship)."""
    known = {norm(l) for c in common for l in c.splitlines()}
    out = []
    for line in text.splitlines():
        n = norm(line)
        if len(n) >= minlen and n not in known and re.search(r"[A-Za-z0-9]", n):
            out.append(n)
    return out


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def tarball():
    r = subprocess.run(["make", "--no-print-directory", f"BUILD={os.path.relpath(BUILD, ROOT)}",
                        "dist"], cwd=ROOT, env=clean_env(), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, f"make dist failed:\n{r.stdout}\n{r.stderr}"
    assert os.path.isfile(TARBALL)
    return TARBALL


@pytest.fixture(scope="module")
def unpacked(tarball):
    """The tarball unpacked the way a student does, in a folder with no kit around it."""
    top = tempfile.mkdtemp(prefix="virtlab-dist-")
    assert not os.path.realpath(top).startswith(os.path.realpath(ROOT) + os.sep)
    r = subprocess.run(["tar", "xzf", tarball], cwd=top, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    yield os.path.join(top, LAB)
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def members(tarball):
    with tarfile.open(tarball) as t:
        return t.getmembers()


@pytest.fixture(scope="module")
def contents(tarball):
    """{path: text} of every file in the tarball; HTML also with its entities decoded."""
    out = {}
    with tarfile.open(tarball) as t:
        for m in t.getmembers():
            if m.isfile():
                text = t.extractfile(m).read().decode("utf-8", errors="replace")
                if m.name.endswith(".html"):
                    text += "\n" + html.unescape(re.sub(r"<[^>]+>", "", text))
                out[m.name] = norm(text)
    return out


def assert_absent(contents, needles, what):
    for needle in needles:
        hits = [p for p, text in contents.items() if needle in text]
        assert not hits, f"{what}: {needle!r} is in {hits}"


# ---------------------------------------------------------------- contents

def test_layout(members, unpacked):
    names = {m.name for m in members}
    for m in members:
        assert m.name == LAB or m.name.startswith(LAB + "/"), m.name
        assert ".." not in m.name.split("/") and not m.name.startswith("/"), m.name
        assert m.isfile() or m.isdir(), f"{m.name}: links or devices do not belong in the kit"
    for f in ["Makefile", "README.md", "sample-qemu.c", "kvm-emu",
              "handout/en.md", "handout/en.html", "handout/zh.md", "handout/zh.html",
              "kit/Makefile", "kit/selfcheck", "kit/scripts/kvm-emu", f"kit/labs/{LAB}/lab.conf",
              "kit/grader/main.c", "kit/grader/sandbox.h", "kit/grader/sandbox/core.c", "kit/grader/grader.mk",
              "kit/grader/kvmemu/kvmemu.mk", "kit/expect/SEED"]:
        assert f"{LAB}/{f}" in names, f"{f} is missing"
    assert any(n.startswith(f"{LAB}/kit/grader/kvmemu/") and n.endswith(".c") for n in names)
    for exe in ["kvm-emu", "kit/selfcheck", "kit/scripts/kvm-emu"]:
        assert os.access(os.path.join(unpacked, exe), os.X_OK), f"{exe} is not executable"
    # The student's starting point and the lab text are the kit's, unchanged.
    assert read(os.path.join(unpacked, "sample-qemu.c")) == read(SKELETON)
    for lang in ["en", "zh"]:
        assert read(os.path.join(unpacked, "handout", f"{lang}.md")) == \
            read(os.path.join(ROOT, "handout", LAB, f"{lang}.md"))
        assert "<html" in read(os.path.join(unpacked, "handout", f"{lang}.html"))
    # No build product, and nothing that points back into the kit it came from.
    assert not any("/build/" in n or n.endswith((".o", ".so", ".bin")) for n in names)


def test_nothing_refers_to_the_repository(contents):
    assert_absent(contents, [ROOT], "a path of the repository")


def test_public_scenarios_and_expectations(unpacked):
    pub = public_scenarios()
    assert pub and hidden_scenarios(), "the lab should have both public and hidden scenarios"
    files = os.listdir(os.path.join(unpacked, "kit", "guests", LAB))
    shipped = sorted(f[:-4] for f in files if f.endswith(".asm"))
    assert shipped == sorted(pub)
    for name in pub:
        assert read(os.path.join(unpacked, "kit", "guests", LAB, name + ".asm")) == \
            read(os.path.join(GUEST_DIR, name + ".asm"))
    # Beside them, unchanged, what they %include (serial.inc); nothing else.
    incs = sorted(f for f in os.listdir(GUEST_DIR) if f.endswith(".inc"))
    assert incs, "the scenarios share an include (guests/README.md)"
    assert sorted(f for f in files if not f.endswith(".asm")) == incs
    for f in incs:
        assert read(os.path.join(unpacked, "kit", "guests", LAB, f)) == \
            read(os.path.join(GUEST_DIR, f))
    expect = os.path.join(unpacked, "kit", "expect")
    assert sorted(os.listdir(expect)) == sorted(
        ["SEED"] + [f"{n}.out" for n in pub] + [f"{n}.exit" for n in pub])
    seed = read(os.path.join(expect, "SEED")).strip()
    assert seed.isdigit()
    for name, h in pub.items():
        with open(os.path.join(expect, name + ".out"), "rb") as f:
            out = f.read()
        cls = read(os.path.join(expect, name + ".exit")).strip()
        assert cls in ("success", "error"), (name, cls)
        # Pins are the human-checked statement of the reference's behaviour.
        if "expect-stdout" in h:
            assert out == c_unescape(h["expect-stdout"]), name
        if "expect-exit" in h:
            assert cls == h["expect-exit"], name
    # The randomized expectation is the reference's output for the shipped seed.
    rnd = [n for n, h in pub.items() if h.get("random") == "yes"]
    assert rnd, "no public randomized scenario to check"
    for name in rnd:
        with tempfile.TemporaryDirectory() as d:
            img = os.path.join(d, "g.bin")
            subprocess.run(["nasm", "-f", "bin", f"-DSEED={seed}", "-I", GUEST_DIR + "/",
                            "-o", img, os.path.join(GUEST_DIR, name + ".asm")], check=True)
            ref = os.path.join(BUILD, LAB, "solution", "sample-qemu")
            r = subprocess.run([os.path.join(ROOT, "scripts", "kvm-emu"), ref, img],
                               capture_output=True, timeout=30, env=clean_env(KVMEMU_QUIET="1"))
            with open(os.path.join(expect, name + ".out"), "rb") as f:
                assert r.stdout == f.read(), name


def test_makefile_uses_lab_flags(unpacked):
    conf = {}
    for line in read(os.path.join(ROOT, "labs", LAB, "lab.conf")).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            k, _, v = line.partition("=")
            conf[k.strip()] = v.strip()
    r = run(["make", "-n", "sample-qemu"], unpacked)
    assert r.returncode == 0, r.stderr
    cmd = r.stdout.strip().splitlines()[-1].split()
    assert "sample-qemu.c" in cmd
    flags = [w for w in cmd[1:] if w not in ("-o", "sample-qemu", "sample-qemu.c")]
    assert flags == conf["cflags"].split() + conf.get("ldflags", "").split(), cmd


def test_no_reference_handler(contents):
    with open(SOLUTION) as f:
        sol = f.read()
    start, end = io_body_span(sol)
    lines = distinctive_lines(sol[start:end], [read(SKELETON)])
    assert len(lines) >= 3, f"too few distinctive lines in the reference handler: {lines}"
    assert_absent(contents, lines, "the reference handler")
    assert norm(sol) not in contents.values()


def test_no_hidden_scenario(members, contents):
    hidden = hidden_scenarios()
    public_texts = [read(os.path.join(GUEST_DIR, n + ".asm")) for n in public_scenarios()]
    stems = {os.path.basename(m.name).rsplit(".", 1)[0] for m in members if m.isfile()}
    for name, h in hidden.items():
        assert name not in stems, f"a file of hidden scenario {name} is in the tarball"
        lines = distinctive_lines(read(os.path.join(GUEST_DIR, name + ".asm")),
                                  public_texts + [read(SKELETON)], minlen=16)
        assert lines, name
        needles = lines + [norm(h["title"])]
        if "expect-stdout" in h:
            needles.append(norm(c_unescape(h["expect-stdout"]).decode()))
        assert_absent(contents, needles, f"hidden scenario {name}")


def test_no_mutant_no_test(members, contents):
    names = [m.name for m in members]
    for bad in ["/mutants", "/tests", "/solution", "/.git"]:
        assert not any(bad in "/" + n for n in names), bad
    skeleton = read(SKELETON)
    mutants = sorted(f for f in os.listdir(MUTANT_DIR) if f.endswith(".c"))
    assert mutants
    for f in mutants:
        text = read(os.path.join(MUTANT_DIR, f))
        first, _, body = text.partition("\n")
        needles = [norm(first)] + distinctive_lines(body, [skeleton])
        assert_absent(contents, needles, f"mutant {f}")


# ---------------------------------------------------------------- using it

REPORT_LINE = re.compile(r"^(PASS|FAIL|ERR) +(\d+)/(\d+) +(\S+) .*\[(\w+)")


def report_lines(stdout):
    return {m.group(4): m.groups() for m in map(REPORT_LINE.match, stdout.splitlines()) if m}


def test_check_skeleton_fails_cleanly(unpacked):
    pub = public_scenarios()
    total = sum(int(h["points"]) for h in pub.values())
    r = run(["make", "check"], unpacked)
    assert r.returncode == 2, f"make check should fail (make's status 2):\n{r.stdout}\n{r.stderr}"
    lines = report_lines(r.stdout)
    assert sorted(lines) == sorted(pub), "one report line per public scenario, no other"
    for name, (verdict, got, pts, _, _) in lines.items():
        assert verdict == "FAIL" and got == "0" and pts == pub[name]["points"], lines[name]
    assert "KVM_EXIT_IO: not implemented" in r.stdout
    assert r.stdout.rstrip("\n").splitlines()[-1] == f"Score: 0/{total}"
    assert f"make check: 0/{total}, not every public scenario passes yet" in r.stderr


@pytest.fixture(scope="module")
def reference_copy(unpacked):
    """A second copy of the unpacked kit (kit/build included) with the reference handler
    spliced into its sample-qemu.c, as a student who solved the lab would have it."""
    dst = os.path.join(os.path.dirname(unpacked), "solved", LAB)
    shutil.copytree(unpacked, dst, symlinks=True)
    with open(SOLUTION) as f:
        sol = f.read()
    start, end = io_body_span(sol)
    path = os.path.join(dst, "sample-qemu.c")
    with open(path) as f:
        src = f.read()
    with open(path, "w") as f:
        f.write(splice(src, sol[start:end]))
    return dst


@pytest.mark.parametrize("backend", ["emu", "auto"])
def test_check_reference_passes(reference_copy, backend):
    pub = public_scenarios()
    total = sum(int(h["points"]) for h in pub.values())
    r = run(["make", "check", f"BACKEND={backend}"], reference_copy)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    lines = report_lines(r.stdout)
    assert sorted(lines) == sorted(pub)
    for name, (verdict, got, pts, _, used) in lines.items():
        assert verdict == "PASS" and got == pts == pub[name]["points"], lines[name]
        if backend == "emu" or pub[name].get("backend") == "emu":
            assert used == "emu", lines[name]
    assert r.stdout.rstrip("\n").splitlines()[-2:] == [
        f"Score: {total}/{total}", f"make check: every public scenario passes ({total}/{total})."]


def test_handout_commands(reference_copy):
    """make; ./kvm-emu ./sample-qemu [guest.bin]; make guests."""
    r = run(["make"], reference_copy)
    assert r.returncode == 0, r.stderr
    assert os.access(os.path.join(reference_copy, "sample-qemu"), os.X_OK)
    r = run(["./kvm-emu", "./sample-qemu"], reference_copy, timeout=60)
    assert (r.returncode, r.stdout) == (0, "hello, world!\nKVM_EXIT_HLT\n"), r.stderr
    r = run(["make", "guests"], reference_copy)
    assert r.returncode == 0, r.stderr
    for name, h in public_scenarios().items():
        if h.get("backend") == "emu":
            continue
        r = subprocess.run(["./kvm-emu", "./sample-qemu", f"guests/{name}.bin"],
                           cwd=reference_copy, env=clean_env(), capture_output=True, timeout=60)
        with open(os.path.join(reference_copy, "kit", "expect", name + ".out"), "rb") as f:
            assert r.stdout == f.read(), name
        assert (r.returncode == 0) == (read(os.path.join(
            reference_copy, "kit", "expect", name + ".exit")).strip() == "success"), name
