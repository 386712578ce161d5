"""`make gradescope`: the autograder zip, unpacked into a simulated /autograder (source/,
submission/, results/ under AUTOGRADER_ROOT), run_autograder run on submissions, results.json
checked against Gradescope's format."""

import json
import numbers
import os
import re
import shutil
import subprocess
import tempfile
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("VIRTLAB_BUILD", "build"))
LAB = os.environ.get("VIRTLAB_LAB", "cpu_lab")   # make passes LAB= here
ZIP = os.path.join(BUILD, "gradescope", f"{LAB}-autograder.zip")
GUEST_DIR = os.path.join(ROOT, "guests", LAB)
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")


# ---------------------------------------------------------------- Gradescope's format

# https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format")
TOP_KEYS = {"score", "max_score", "execution_time", "output", "output_format",
            "test_output_format", "test_name_format", "visibility", "stdout_visibility",
            "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and v == v


def validate_results(doc):
    """Problems of a parsed results.json (empty list: valid). Required at the top: score,
    execution_time, output, tests (max_score optional); in each test: score, max_score,
    name, status, output, visibility (number optional)."""
    errs = []
    if not isinstance(doc, dict):
        return ["the document is not an object"]
    errs += [f"unknown key {k!r}" for k in doc if k not in TOP_KEYS]
    for key, check, what in [("score", is_number, "a number"),
                             ("execution_time", is_number, "a number"),
                             ("output", lambda v: isinstance(v, str), "a string"),
                             ("tests", lambda v: isinstance(v, list), "a list")]:
        if key not in doc:
            errs.append(f"{key} is missing")
        elif not check(doc[key]):
            errs.append(f"{key} is not {what}: {doc[key]!r}")
    if "max_score" in doc and not is_number(doc["max_score"]):
        errs.append(f"max_score is not a number: {doc['max_score']!r}")
    if "visibility" in doc and doc["visibility"] not in VISIBILITIES:
        errs.append(f"visibility {doc['visibility']!r}")
    for i, t in enumerate(doc.get("tests") or []):
        where = f"tests[{i}]"
        if not isinstance(t, dict):
            errs.append(f"{where} is not an object")
            continue
        errs += [f"{where}: unknown key {k!r}" for k in t if k not in TEST_KEYS]
        for key in ["score", "max_score"]:
            if not is_number(t.get(key)):
                errs.append(f"{where}.{key} is missing or not a number: {t.get(key)!r}")
        for key in ["name", "output"]:
            if not isinstance(t.get(key), str):
                errs.append(f"{where}.{key} is missing or not a string")
        if "number" in t and not isinstance(t["number"], str):
            errs.append(f"{where}.number is not a string")
        if t.get("status") not in ("passed", "failed"):
            errs.append(f"{where}.status {t.get('status')!r}")
        if t.get("visibility") not in VISIBILITIES:
            errs.append(f"{where}.visibility {t.get('visibility')!r}")
    return errs


def test_validator_rejects_what_gradescope_would():
    good = {"score": 1, "execution_time": 2, "output": "", "tests": [
        {"score": 1, "max_score": 1, "name": "a", "number": "1", "status": "passed",
         "output": "", "visibility": "visible"}]}
    assert validate_results(good) == []
    for bad in [{**good, "score": "1"}, {**good, "tests": {}}, {**good, "scroe": 1},
                {k: v for k, v in good.items() if k != "output"},
                {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
                {**good, "tests": [{**good["tests"][0], "visibility": "public"}]},
                {**good, "tests": [{**good["tests"][0], "number": 1}]},
                {**good, "tests": [{**good["tests"][0], "max_score": True}]}]:
        assert validate_results(bad), bad


# ---------------------------------------------------------------- helpers

HEADER_LINE = re.compile(r"^;[ \t]*([a-z0-9_-]+):[ \t]*(.*?)\s*$")


def scenarios():
    out = {}
    for f in sorted(os.listdir(GUEST_DIR)):
        if f.endswith(".asm"):
            h = {}
            with open(os.path.join(GUEST_DIR, f)) as fh:
                for line in fh:
                    m = HEADER_LINE.match(line)
                    if not m:
                        break
                    h[m.group(1)] = m.group(2)
            out[f[:-4]] = h
    return out


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "KVMEMU_LIB",
                        "LD_PRELOAD", "BUILD", "VIRTLAB_BUILD", "AUTOGRADER_BACKEND")}
    env.update(extra)
    return env


def unzip(path, dest):
    """What `unzip` does, permissions included."""
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            z.extract(info, dest)
            mode = info.external_attr >> 16
            if mode & 0o777:
                os.chmod(os.path.join(dest, info.filename), mode & 0o777)


@pytest.fixture(scope="module")
def autograder_zip():
    r = subprocess.run(["make", "--no-print-directory", f"BUILD={os.path.relpath(BUILD, ROOT)}",
                        "gradescope"], cwd=ROOT, env=clean_env(), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, f"make gradescope failed:\n{r.stdout}\n{r.stderr}"
    return ZIP


@pytest.fixture(scope="module")
def root(autograder_zip):
    """/autograder as Gradescope lays it out: the zip in source/, run_autograder beside it."""
    top = tempfile.mkdtemp(prefix="virtlab-gradescope-")
    unzip(autograder_zip, os.path.join(top, "source"))
    for d in ["submission", "results"]:
        os.mkdir(os.path.join(top, d))
    shutil.copy2(os.path.join(top, "source", "run_autograder"), os.path.join(top, "run_autograder"))
    yield top
    shutil.rmtree(top, ignore_errors=True)


def autograde(root, files, backend=None):
    """Runs run_autograder on a submission {relative path: text}; returns (process, results)."""
    for d in ["submission", "results"]:
        shutil.rmtree(os.path.join(root, d))
        os.mkdir(os.path.join(root, d))
    for rel, text in files.items():
        path = os.path.join(root, "submission", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    env = clean_env(AUTOGRADER_ROOT=root)
    if backend:
        env["AUTOGRADER_BACKEND"] = backend
    r = subprocess.run([os.path.join(root, "run_autograder")], cwd="/", env=env,
                       capture_output=True, text=True, timeout=600)
    path = os.path.join(root, "results", "results.json")
    assert os.path.isfile(path), f"no results.json:\n{r.stdout}\n{r.stderr}"
    with open(path) as f:
        doc = json.load(f)
    assert validate_results(doc) == [], doc
    return r, doc


def read(path):
    with open(path) as f:
        return f.read()


# ---------------------------------------------------------------- the zip

def test_zip_contents(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as z:
        infos = {i.filename: i for i in z.infolist()}
    names = set(infos)
    for f in ["setup.sh", "run_autograder"]:
        assert f in names, f
        assert (infos[f].external_attr >> 16) & 0o111, f"{f} is not executable"
    for f in ["Makefile", "scripts/install-deps", "scripts/kvm-emu", f"labs/{LAB}/lab.conf",
              f"solution/{LAB}/sample-qemu.c", "grader/main.c", "grader/kvmemu/kvmemu.mk"]:
        assert f in names, f
    # Every scenario runs there, hidden ones included, with what they %include (serial.inc).
    incs = {f"guests/{LAB}/{f}" for f in os.listdir(GUEST_DIR) if f.endswith(".inc")}
    assert incs
    assert {n for n in names if n.startswith(f"guests/{LAB}/")} == \
        {f"guests/{LAB}/{s}.asm" for s in scenarios()} | incs
    for n in names:
        assert not n.startswith(("tests/", "build/", "skeleton/", "handout/", ".git", "bench/")), n
        assert "/mutants/" not in n and not n.startswith("/") and ".." not in n.split("/"), n
        assert not n.endswith((".o", ".so", ".bin")), n


# ---------------------------------------------------------------- run_autograder

def test_reference_full_marks_built_on_demand(root):
    """No setup.sh here: run_autograder builds the kit itself, then grades everything."""
    assert not os.path.exists(os.path.join(root, "source", "build"))
    r, doc = autograde(root, {"sample-qemu.c": read(SOLUTION)})
    assert r.returncode == 0, r.stderr
    assert os.access(os.path.join(root, "source", "build", "grade"), os.X_OK)
    sc = scenarios()
    total = sum(int(h["points"]) for h in sc.values())
    assert doc["score"] == doc["max_score"] == total
    assert len(doc["tests"]) == len(sc)
    for t, (name, h) in zip(doc["tests"], sorted(sc.items())):
        assert t["name"].startswith(name + ":"), (t["name"], name)
        assert t["status"] == "passed" and t["score"] == t["max_score"] == int(h["points"])
        hidden = h.get("visibility") == "hidden"
        assert t["visibility"] == ("after_published" if hidden else "visible"), t
    assert r.stdout.rstrip().splitlines()[-1] == f"Score: {total}/{total}"


def test_skeleton_scores_zero(root):
    r, doc = autograde(root, {"sample-qemu.c": read(SKELETON)})
    assert r.returncode == 0, r.stderr
    assert doc["score"] == 0 and doc["max_score"] > 0
    assert doc["tests"] and all(t["status"] == "failed" and t["score"] == 0 for t in doc["tests"])
    assert "not implemented" in "".join(t["output"] for t in doc["tests"])


def test_only_c_file_with_another_name_on_emu(root):
    """Gradescope's containers have no /dev/kvm: the emulated backend, forced."""
    r, doc = autograde(root, {"work/my_vmm.c": read(SOLUTION), "notes.txt": "hi\n"}, backend="emu")
    assert r.returncode == 0, r.stderr
    assert doc["score"] == doc["max_score"] > 0
    assert "backend: emu" in r.stdout and "[kvm" not in r.stdout


def test_no_c_file(root):
    r, doc = autograde(root, {"README.txt": "forgot it\n"})
    assert r.returncode == 0, r.stderr
    assert doc["score"] == 0 and all(t["score"] == 0 for t in doc["tests"])
    assert "without sample-qemu.c or any other .c file" in doc["output"]


def test_several_c_files_none_named_right(root):
    r, doc = autograde(root, {"a.c": "int x;\n", "dir/b \"q\".c": "int y;\n"})
    assert r.returncode == 0, r.stderr
    assert doc["score"] == 0 and all(t["score"] == 0 for t in doc["tests"])
    assert "a.c" in doc["output"] and 'dir/b "q".c' in doc["output"]


def test_file_in_a_subfolder(root):
    """The one rule of every platform and the batch (grader/core/locate.h): the lab's
    source in a subfolder is graded (tests/batch checks grade-all says the same)."""
    r, doc = autograde(root, {"lab1/src/sample-qemu.c": read(SOLUTION), "lab1/notes.c": "int x;\n"},
                       backend="emu")
    assert r.returncode == 0, r.stderr
    assert doc["score"] == doc["max_score"] > 0


def test_setup_sh(autograder_zip):
    """setup.sh as Gradescope runs it (here only when no package is missing: it would
    apt-get them), in a fresh /autograder: builds, and proves the reference scores full."""
    chk = subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "--check"],
                         capture_output=True, text=True)
    if chk.returncode != 0:
        pytest.skip(f"setup.sh would install packages here: {chk.stderr.strip()}")
    top = tempfile.mkdtemp(prefix="virtlab-gradescope-setup-")
    try:
        unzip(autograder_zip, os.path.join(top, "source"))
        r = subprocess.run(["sh", os.path.join(top, "source", "setup.sh")], cwd="/",
                           env=clean_env(AUTOGRADER_ROOT=top), capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
        assert "setup.sh: ready" in r.stdout
        assert os.access(os.path.join(top, "source", "build", "grade"), os.X_OK)
        assert os.path.isfile(os.path.join(top, "source", "build", "libkvmemu.so"))
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_setup_installs_only_what_grading_uses(autograder_zip, tmp_path):
    """setup.sh asks install-deps for --grading: on a machine missing everything, that list
    is the compiler, nasm, Unicorn and bubblewrap, never the test or handout tools."""
    with zipfile.ZipFile(autograder_zip) as z:
        setup = z.read("setup.sh").decode()
    assert "scripts/install-deps --grading" in setup
    (tmp_path / "bin").mkdir()
    for tool, body in (("dpkg-query", "exit 1"), ("fetch-unicorn", "exit 0")):
        p = tmp_path / ("bin" if tool == "dpkg-query" else ".") / tool
        p.write_text(f"#!/bin/sh\n{body}\n")
        p.chmod(0o755)
    shutil.copy(os.path.join(ROOT, "scripts", "install-deps"), tmp_path / "install-deps")
    r = subprocess.run(["sh", str(tmp_path / "install-deps"), "--grading", "--check"],
                       env=dict(os.environ, PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}"),
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    missing = set(r.stderr.split("missing Debian packages:")[1].split("\n")[0].split())
    assert {"build-essential", "nasm", "libunicorn-dev", "bubblewrap"} <= missing, r.stderr
    assert not missing & {"pandoc", "check", "python3-pytest", "zip", "chromium"}, r.stderr
