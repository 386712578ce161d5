"""`make dist`: the student tarball, unpacked in a temporary folder far from the kit and used
the way the handout says (make, ./kvm-emu, make check, make guests), and searched for what must
never be in it: the reference handler, hidden scenarios, mutants, tests."""

import html
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("VIRTLAB_BUILD", "build"))
LAB = os.environ.get("VIRTLAB_LAB", "cpu_lab")   # make passes LAB= here
TARBALL = os.path.join(BUILD, "dist", f"{LAB}-student.tar.gz")
GUEST_DIR = os.path.join(ROOT, "guests", LAB)
MUTANT_DIR = os.path.join(ROOT, "labs", LAB, "mutants")
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")
HANDOUT = os.path.join(ROOT, "handout", LAB)
FIGURES = sorted(f[:-4] for f in os.listdir(os.path.join(HANDOUT, "fig")) if f.endswith(".svg"))


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
              "handout/report-template-en.md", "handout/report-template-zh.md",
              "container/Dockerfile", ".devcontainer/devcontainer.json",
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
        assert read(os.path.join(unpacked, "handout", f"report-template-{lang}.md")) == \
            read(os.path.join(HANDOUT, f"report-template-{lang}.md"))
        for fig in FIGURES:
            assert f"{LAB}/handout/fig/{fig}.{lang}.svg" in names, f"figure {fig}.{lang}.svg is missing"
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
    # the grader's flags, plus -g for gdb (debugging information changes no instruction)
    want = conf["cflags"].split() + ["-g"] + conf.get("ldflags", "").split()
    assert flags == want, f"make -n sample-qemu: {cmd}, expected the flags {want}"


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


# ---------------------------------------------------------------- the handout, as shipped

def test_handout_figures_and_sections(unpacked):
    """Each page is one file: its figures inline (one <svg> per figure, in its language), and the
    sections students need beyond the task (platforms, debugging, report)."""
    for lang in ["en", "zh"]:
        page = read(os.path.join(unpacked, "handout", f"{lang}.html"))
        for sec in ["platforms", "debugging", "report"]:
            assert f'id="{sec}"' in page, f"{lang}.html has no section #{sec}"
        for fig in FIGURES:
            m = re.search(rf'<figure id="fig-{fig}" class="fig">\s*<svg[^>]*\blang="([^"]+)"', page)
            assert m, f"{lang}.html: figure {fig} is not inline"
            assert m.group(1).startswith(lang), f"{lang}.html: figure {fig} is in {m.group(1)}"
        assert not re.search(r'<img[^>]+src="(?!data:)', page), f"{lang}.html refers to an image file"
        # the Markdown shows the figures from handout/fig/, which the tarball has
        md = read(os.path.join(unpacked, "handout", f"{lang}.md"))
        refs = re.findall(r"\]\((fig/[^)]+\.svg)\)", md)
        assert sorted(refs) == sorted(f"fig/{f}.{lang}.svg" for f in FIGURES), refs
        for ref in refs:
            svg = read(os.path.join(unpacked, "handout", ref))
            assert svg.startswith("<svg") and "<style>" in svg and "[[" not in svg, ref
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        for needle in ["./kvm-emu gdb ./sample-qemu", "make sample-qemu-asan", "killed by SIGSEGV"]:
            assert needle in text, f"{lang}.html: {needle!r} missing"


def headings(md):
    return [len(h) for h in re.findall(r"^(#{1,6}) ", md, re.M)]


def test_report_templates(unpacked):
    """Both report templates: the seed report's sections (research: virtualizable ISA,
    trap-and-emulate, VT-x root/non-root; goals; steps; results with the commands; analysis)."""
    en = read(os.path.join(unpacked, "handout", "report-template-en.md"))
    zh = read(os.path.join(unpacked, "handout", "report-template-zh.md"))
    assert headings(en) == headings(zh), "en and zh templates have different sections"
    for text, needles in [(en, ["Popek", "Trap-and-emulate", "root and non-root", "## 2 Goals",
                                "## 3 Steps", "## 4 Results", "## 5 Analysis"]),
                          (zh, ["Popek", "陷入再模拟", "根模式与非根模式", "## 2 实验目的",
                                "## 3 实验步骤", "## 4 实验结果", "## 5 实验分析"])]:
        for n in needles:
            assert n in text, f"report template: {n!r} missing"
        assert "make check" in text and "```text" in text, "no command and output to paste"


def test_container_recipe(unpacked):
    """What can be checked without a Docker daemon: the image is Debian 12 for linux/amd64, its
    packages exist in Debian 12 (apt-cache on this Debian 12 machine) and cover what the README
    asks for; the devcontainer builds that Dockerfile for linux/amd64. (The image is not built here.)"""
    docker = read(os.path.join(unpacked, "container", "Dockerfile"))
    assert re.search(r"^FROM --platform=linux/amd64 debian:12\s*$", docker, re.M), docker
    m = re.search(r"apt-get install -y --no-install-recommends \\\n((?:.*\\\n)*?.*?)\s*&&", docker)
    assert m, "no apt-get install line in the Dockerfile"
    pkgs = m.group(1).replace("\\", " ").split()
    readme = read(os.path.join(unpacked, "README.md"))
    wanted = re.search(r"^sudo apt-get install ([^\n`]+)", readme, re.M).group(1).split()
    assert set(wanted) <= set(pkgs), f"the container lacks {set(wanted) - set(pkgs)}"
    with open("/etc/os-release") as f:
        debian12 = 'VERSION_ID="12"' in f.read()
    if shutil.which("apt-cache") and debian12:
        for p in pkgs:
            r = subprocess.run(["apt-cache", "show", "--no-all-versions", p], capture_output=True, text=True)
            assert r.returncode == 0 and f"Package: {p}" in r.stdout, f"{p} is not a Debian 12 package"
    dev = json.loads(read(os.path.join(unpacked, ".devcontainer", "devcontainer.json")))
    dockerfile = os.path.normpath(os.path.join(unpacked, ".devcontainer", dev["build"]["dockerfile"]))
    assert dockerfile == os.path.join(unpacked, "container", "Dockerfile")
    assert "--platform=linux/amd64" in dev["runArgs"] and "--platform=linux/amd64" in dev["build"]["options"]


# ---------------------------------------------------------------- debugging, as the handout says

def handler_first_line(path):
    """The line number of the first statement of the KVM_EXIT_IO case body."""
    lines = read(path).split("\n")
    start = next(i for i, l in enumerate(lines) if "case KVM_EXIT_IO:" in l)
    in_comment = False
    for i in range(start + 1, len(lines)):
        t = lines[i].strip()
        if in_comment:
            in_comment = "*/" not in t
            continue
        if not t or t.startswith("//"):
            continue
        if t.startswith("/*"):
            in_comment = "*/" not in t
            continue
        return i + 1
    raise AssertionError("no statement after case KVM_EXIT_IO:")


def test_gdb_under_kvm_emu(reference_copy):
    """`./kvm-emu gdb ./sample-qemu guests/hello.bin` (make's -g build): gdb stops in the
    KVM_EXIT_IO case and sees run->io.port; kvmemu is in the program's environment, not gdb's."""
    if not shutil.which("gdb"):
        pytest.fail("gdb is not installed (scripts/install-deps --handout)")
    for cmd in (["make"], ["make", "guests"]):
        r = run(cmd, reference_copy)
        assert r.returncode == 0, r.stderr
    line = handler_first_line(os.path.join(reference_copy, "sample-qemu.c"))
    r = run(["./kvm-emu", "gdb", "-batch", "-nx", "-ex", f"break sample-qemu.c:{line}", "-ex", "run",
             "-ex", "print/x run->io.port", "-ex", "print run->io.data_offset",
             "-ex", "shell echo gdb-preload=[$LD_PRELOAD]", "-ex", "show environment LD_PRELOAD",
             "-ex", "kill", "./sample-qemu", "guests/hello.bin"], reference_copy, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert re.search(rf"Breakpoint 1, .*sample-qemu\.c:{line}", out), f"no stop at line {line}:\n{out}"
    assert "$1 = 0x3f8" in out, f"run->io.port is not 0x3f8 at the breakpoint:\n{out}"
    assert "$2 = 4096" in out, out
    assert "gdb-preload=[]" in out, f"gdb itself was preloaded:\n{out}"
    assert re.search(r"LD_PRELOAD = \S*libkvmemu\.so", out), f"the program gets no kvmemu:\n{out}"


def test_asan_ubsan_under_kvm_emu(reference_copy):
    """`make sample-qemu-asan`, then `./kvm-emu ./sample-qemu-asan`: the hello guest runs clean.
    kvm-emu puts libasan first in LD_PRELOAD; preloading kvmemu alone is what fails without it
    (ASan's link-order check), and ASAN_OPTIONS=verify_asan_link_order=0 is the other way out."""
    r = run(["make", "sample-qemu-asan"], reference_copy)
    assert r.returncode == 0, r.stderr
    ldd = subprocess.run(["ldd", "./sample-qemu-asan"], cwd=reference_copy, capture_output=True, text=True)
    assert "libasan" in ldd.stdout and "libubsan" in ldd.stdout, ldd.stdout
    hello = "hello, world!\nKVM_EXIT_HLT\n"
    r = run(["./kvm-emu", "./sample-qemu-asan"], reference_copy, timeout=120)
    assert (r.returncode, r.stdout) == (0, hello), f"rc {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
    lib = os.path.join(reference_copy, "kit", "build", "libkvmemu.so")
    assert os.path.isfile(lib)
    r = run(["./sample-qemu-asan"], reference_copy, timeout=120, LD_PRELOAD=lib)
    assert r.returncode != 0 and "does not come first" in r.stderr, \
        f"preloading kvmemu alone should trip ASan's check:\n{r.stderr}"
    r = run(["./sample-qemu-asan"], reference_copy, timeout=120, LD_PRELOAD=lib,
            ASAN_OPTIONS="verify_asan_link_order=0")
    assert (r.returncode, r.stdout) == (0, hello), r.stderr
