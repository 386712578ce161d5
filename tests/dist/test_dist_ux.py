"""Issue 15, the packaging side: the student tarball's `make check SCENARIO=name[,name]` grades
only those public scenarios and says so; `make dist` and `make gradescope` refuse a lab whose
scenarios still hold the `make new-scenario` template's TODO, naming file:line (check-lab's
recipe only warns)."""
import os
import pathlib
import re
import shutil
import subprocess
import tarfile

import pytest

KIT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VIRTLAB_BUILD", KIT / "build"))
BUILD = BUILD if BUILD.is_absolute() else KIT / BUILD
LAB = os.environ.get("VIRTLAB_LAB", "cpu_lab")
TARBALL = BUILD / "dist" / f"{LAB}-student.tar.gz"
GUESTS = KIT / "guests" / LAB


def header_value(path, key):
    for line in path.read_text().splitlines():
        if not line.startswith(";"):
            break
        m = re.match(r";\s*" + key + r":\s*(.*?)\s*$", line)
        if m:
            return m.group(1)
    return None


PUBLIC = sorted(p.stem for p in GUESTS.glob("*.asm") if header_value(p, "visibility") != "hidden")
HIDDEN = sorted(p.stem for p in GUESTS.glob("*.asm") if header_value(p, "visibility") == "hidden")


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "KVMEMU_LIB", "LD_PRELOAD",
                        "BUILD", "BACKEND", "VIRTLAB_BUILD", "SCENARIO", "LAB")}
    env["LC_ALL"] = "C.UTF-8"
    return env


def make(cwd, *args, timeout=600):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def student_kit(tmp_path_factory):
    assert TARBALL.exists(), f"{TARBALL} missing: run make dist (make test-dist does)"
    d = tmp_path_factory.mktemp("dist_ux")
    with tarfile.open(TARBALL) as t:
        t.extractall(d)
    return d / LAB


def test_check_a_subset_passing(student_kit):
    shutil.copy(KIT / "solution" / LAB / "sample-qemu.c", student_kit / "sample-qemu.c")
    pick = [PUBLIC[-1], PUBLIC[0]]
    p = make(student_kit, "check", "BACKEND=emu", "SCENARIO=" + ",".join(pick))
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.rstrip("\n").split("\n")
    graded = [l.split()[2] for l in lines if re.match(r"^(PASS|FAIL|ERR) ", l)]
    assert graded == sorted(pick), lines
    score = [l for l in lines if l.startswith("Score: ")]
    want = f"(partial: 2 of {len(PUBLIC)} scenarios: {','.join(sorted(pick))})"
    assert len(score) == 1 and score[0].endswith(want), f"expected a score line ending {want!r}, got {score}"
    assert f"make check: SCENARIO={','.join(pick)} passes" in p.stdout, p.stdout


def test_check_a_subset_failing_and_unknown(student_kit):
    shutil.copy(KIT / "skeleton" / LAB / "sample-qemu.c", student_kit / "sample-qemu.c")
    p = make(student_kit, "check", "BACKEND=emu", f"SCENARIO={PUBLIC[0]}")
    assert p.returncode == 2, p.stdout + p.stderr          # make's status for a failed recipe
    assert f"on SCENARIO={PUBLIC[0]}, not passing yet" in p.stderr, p.stderr
    assert re.search(r"^Score: 0/\d+ \(partial: 1 of", p.stdout, re.M), p.stdout
    if HIDDEN:   # a hidden scenario is unknown in the tarball, and the error lists only public ones
        p = make(student_kit, "check", "BACKEND=emu", f"SCENARIO={HIDDEN[0]}")
        assert p.returncode == 2 and f"no scenario '{HIDDEN[0]}'" in p.stderr, p.stderr
        listed = p.stderr.split("(the scenarios:")[1].split(")")[0].split()
        assert listed == PUBLIC, (listed, PUBLIC)
        assert "Score:" not in p.stdout and "the grader did not grade" in p.stderr, p.stderr


# ---- make dist / gradescope refuse the new-scenario template's TODO

@pytest.fixture(scope="module")
def kit_copy(tmp_path_factory):
    """The kit's files and its build dir (times kept, so make only redoes what changes)."""
    dest = tmp_path_factory.mktemp("todo_kit") / "kit"
    files = subprocess.run(["git", "-C", str(KIT), "ls-files", "-co", "--exclude-standard", "-z"],
                           capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        src = KIT / f
        if src.is_file() and not src.is_symlink():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    shutil.copytree(BUILD, dest / "build", symlinks=True,
                    ignore=shutil.ignore_patterns("dist", "gradescope", "prairielearn", "autolab", "cache", "tests"))
    return dest


def test_dist_and_gradescope_refuse_template_todo(kit_copy):
    p = make(kit_copy, "new-scenario", f"LAB={LAB}", "NAME=todo_demo")
    assert p.returncode == 0, p.stderr
    scen = kit_copy / "guests" / LAB / "todo_demo.asm"
    text = scen.read_text().split("\n")
    todo_lines = [i + 1 for i, l in enumerate(text) if "TODO" in l]
    assert todo_lines and todo_lines[0] == 1, text[:10]      # the title: line 1
    for target, product in (("dist", f"build/dist/{LAB}-student.tar.gz"),
                            ("gradescope", f"build/gradescope/{LAB}-autograder.zip"),
                            ("prairielearn", f"build/prairielearn/{LAB}/info.json"),
                            ("autolab", f"build/autolab/{LAB}/autograde.tar")):
        p = make(kit_copy, target, f"LAB={LAB}")
        assert p.returncode != 0, f"make {target} packaged a TODO scenario:\n{p.stdout}"
        for n in todo_lines:
            assert f"guests/{LAB}/todo_demo.asm:{n}: still the `make new-scenario` template's TODO" in p.stderr, \
                (target, n, p.stderr)
        assert f"a scenario of guests/{LAB} still holds the template's TODO" in p.stderr, p.stderr
        assert not (kit_copy / product).exists(), f"make {target} left {product}"
    # check-lab's recipe warns (and goes on): the same lines, as warnings.
    w = subprocess.run(["scripts/scenario-todos", "--warn", LAB], cwd=kit_copy, capture_output=True, text=True)
    assert w.returncode == 0 and f"warning: guests/{LAB}/todo_demo.asm:1:" in w.stderr, w.stderr
    # Finished: a real title, hint and description (an author's own TODO comment is no template's).
    done = [l for l in text if "TODO" not in l]
    done.insert(0, "; title: a finished scenario")
    done.insert(3, "; TODO(author): try a second port too")
    scen.write_text("\n".join(done))
    s = subprocess.run(["scripts/scenario-todos", LAB], cwd=kit_copy, capture_output=True, text=True)
    assert s.returncode == 0 and s.stderr == "", s.stderr
    p = make(kit_copy, "gradescope", f"LAB={LAB}")
    assert p.returncode == 0 and (kit_copy / f"build/gradescope/{LAB}-autograder.zip").exists(), p.stdout + p.stderr


def test_a_labs_own_template_counts(kit_copy, tmp_path):
    """labs/<lab>/scenario.asm.in (mem_lab's): new-scenario uses it, and its TODO is refused."""
    labs = [p.parent.name for p in (KIT / "labs").glob("*/scenario.asm.in")]
    if not labs:
        pytest.skip("no lab has its own scenario template")
    lab = labs[0]
    own = (KIT / "labs" / lab / "scenario.asm.in").read_text()
    p = make(kit_copy, "new-scenario", f"LAB={lab}", "NAME=own_todo")
    assert p.returncode == 0, p.stderr
    made = (kit_copy / "guests" / lab / "own_todo.asm").read_text()
    assert made == own.replace("@NAME@", "own_todo").replace("@LAB@", lab), "not made from the lab's template"
    s = subprocess.run(["scripts/scenario-todos", lab], cwd=kit_copy, capture_output=True, text=True)
    assert s.returncode == 1 and f"guests/{lab}/own_todo.asm:1:" in s.stderr, s.stderr
