"""`make prairielearn` and `make autolab`: each lab's bundle, laid out as the platform lays it
out and run as it runs it, the results checked against the platform's contract. With
tests/gradescope/test_gradescope.py, every platform grades the same submission folder by the
grader's one rule (grader/core/locate.h): the reference full, the skeleton 0, a file in a
subfolder graded, nothing gradable refused with the reason.

PrairieLearn (docs: "External Grading"): the question's tests/ is mounted at /grade/tests, the
student's files at /grade/student; the entrypoint writes /grade/results/results.json with a
score in 0..1 ("gradable": false for input that can't be graded). Autolab: autograde-Makefile
copied as Makefile beside autograde.tar and the handin; `make`'s output is shown, its last
line is {"scores": {problem: points}}."""

import json
import os
import shutil
import subprocess
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("VIRTLAB_BUILD", "build"))
LAB = os.environ.get("VIRTLAB_LAB", "cpu_lab")
SKELETON = os.path.join(ROOT, "skeleton", LAB, "sample-qemu.c")
SOLUTION = os.path.join(ROOT, "solution", LAB, "sample-qemu.c")
GUEST_DIR = os.path.join(ROOT, "guests", LAB)
SCENARIOS = sorted(f[:-4] for f in os.listdir(GUEST_DIR) if f.endswith(".asm"))


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "KVMEMU_LIB",
                        "LD_PRELOAD", "BUILD", "VIRTLAB_BUILD")}
    env.update(extra)
    return env


def make(target):
    r = subprocess.run(["make", "--no-print-directory", f"BUILD={os.path.relpath(BUILD, ROOT)}",
                        f"LAB={LAB}", target], cwd=ROOT, env=clean_env(), capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, f"make {target} failed:\n{r.stdout}\n{r.stderr}"


def read(path):
    with open(path) as f:
        return f.read()


def put(top, files):
    for rel, text in files.items():
        path = os.path.join(top, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


# ---------------------------------------------------------------- PrairieLearn

@pytest.fixture(scope="module")
def pl_question(tmp_path_factory):
    make("prairielearn")
    q = os.path.join(BUILD, "prairielearn", LAB)
    # /grade as the grading container sees it: tests/ copied from the question.
    grade = str(tmp_path_factory.mktemp("pl") / "grade")
    os.makedirs(grade)
    shutil.copytree(os.path.join(q, "tests"), os.path.join(grade, "tests"), symlinks=True)
    return q, grade


def pl_grade(pl, files):
    q, grade = pl
    for d in ("student", "results", "data"):
        shutil.rmtree(os.path.join(grade, d), ignore_errors=True)
    os.makedirs(os.path.join(grade, "student"))
    put(os.path.join(grade, "student"), files)
    entry = json.load(open(os.path.join(q, "info.json")))["externalGradingOptions"]["entrypoint"]
    script = os.path.join(grade, os.path.relpath(entry, "/grade"))
    r = subprocess.run(["sh", script], cwd="/", env=clean_env(PL_GRADE_ROOT=grade,
                       VIRTLAB_KIT=os.path.join(grade, "no-prebuilt-kit")),
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    path = os.path.join(grade, "results", "results.json")
    assert os.path.isfile(path), r.stderr
    doc = json.load(open(path))
    assert isinstance(doc.get("gradable", True), bool)
    if doc.get("gradable", True):
        assert isinstance(doc["score"], (int, float)) and 0 <= doc["score"] <= 1, doc
        for t in doc["tests"]:
            assert {"name", "points", "max_points"} <= set(t), t
    else:
        assert doc.get("format_errors"), doc
    assert os.path.getsize(path) < 1 << 20   # PrairieLearn's limit
    return doc


def test_pl_question_files(pl_question):
    q, _ = pl_question
    info = json.load(open(os.path.join(q, "info.json")))
    ego = info["externalGradingOptions"]
    assert ego["enabled"] is True and ego["image"] and 0 < ego["timeout"] <= 600
    assert ego["entrypoint"] == "/grade/tests/run.sh"
    assert os.access(os.path.join(q, "tests", "run.sh"), os.X_OK)
    assert info["gradingMethod"] == "External" and len(info["uuid"]) == 36
    html = read(os.path.join(q, "question.html"))
    assert '<pl-file-upload file-names="sample-qemu.c">' in html
    assert "<pl-external-grader-results>" in html
    kit = os.path.join(q, "tests", "kit")
    for f in ("Makefile", f"labs/{LAB}/lab.conf", f"solution/{LAB}/sample-qemu.c", "grader/main.c"):
        assert os.path.isfile(os.path.join(kit, f)), f
    assert not os.path.exists(os.path.join(kit, "tests"))
    assert not os.path.exists(os.path.join(kit, "skeleton"))


def test_pl_reference_full(pl_question):
    doc = pl_grade(pl_question, {"sample-qemu.c": read(SOLUTION)})
    assert doc["gradable"] is True and doc["score"] == 1, doc
    assert sorted(t["name"] for t in doc["tests"]) == SCENARIOS


def test_pl_skeleton_zero(pl_question):
    doc = pl_grade(pl_question, {"sample-qemu.c": read(SKELETON)})
    assert doc["gradable"] is True and doc["score"] == 0, doc


def test_pl_file_in_a_subfolder(pl_question):
    doc = pl_grade(pl_question, {"work/sample-qemu.c": read(SOLUTION)})
    assert doc["score"] == 1, doc


def test_pl_nothing_to_grade(pl_question):
    doc = pl_grade(pl_question, {"notes.txt": "hi\n"})
    assert doc["score"] == 0 and "without sample-qemu.c" in json.dumps(doc), doc


# ---------------------------------------------------------------- Autolab

@pytest.fixture(scope="module")
def autolab(tmp_path_factory):
    make("autolab")
    return os.path.join(BUILD, "autolab", LAB), tmp_path_factory


def autolab_grade(al, files):
    bundle, factory = al
    vm = str(factory.mktemp("autolab-vm"))
    shutil.copy(os.path.join(bundle, "autograde-Makefile"), os.path.join(vm, "Makefile"))
    shutil.copy(os.path.join(bundle, "autograde.tar"), vm)
    put(vm, files)
    r = subprocess.run(["make"], cwd=vm, env=clean_env(), capture_output=True, text=True,
                       timeout=900)
    return r, r.stdout.rstrip("\n").split("\n")


def test_autolab_bundle(autolab):
    bundle, _ = autolab
    assert sorted(os.listdir(bundle)) == ["autograde-Makefile", "autograde.tar"]
    with tarfile.open(os.path.join(bundle, "autograde.tar")) as t:
        names = set(t.getnames())
    assert "virtlab/autolab-grade" in names and f"virtlab/labs/{LAB}/lab.conf" in names
    assert not any(n.startswith(("virtlab/tests/", "virtlab/skeleton/", "virtlab/build/")) for n in names)


def test_autolab_reference_full(autolab):
    r, lines = autolab_grade(autolab, {"handin.c": read(SOLUTION)})
    assert r.returncode == 0, r.stdout + r.stderr
    scores = json.loads(lines[-1])["scores"]
    assert sorted(scores) == SCENARIOS
    assert f"Score: {sum(scores.values())}/{sum(scores.values())}" in r.stdout
    assert sum(scores.values()) > 0


def test_autolab_skeleton_zero_student_safe(autolab):
    r, lines = autolab_grade(autolab, {"sample-qemu.c": read(SKELETON)})
    assert r.returncode == 0, r.stdout + r.stderr
    scores = json.loads(lines[-1])["scores"]
    assert set(scores.values()) == {0}
    # The student's copy: hidden scenarios' details are not in it (the TA's report has them).
    hidden = [s for s in SCENARIOS if "; visibility: hidden" in read(os.path.join(GUEST_DIR, s + ".asm"))]
    for s in hidden:
        assert f"make -s sample-qemu guests/{s}.bin" not in r.stdout, s


def test_autolab_file_in_a_subfolder(autolab):
    r, lines = autolab_grade(autolab, {"lab/sample-qemu.c": read(SOLUTION)})
    scores = json.loads(lines[-1])["scores"]
    assert r.returncode == 0 and sum(scores.values()) > 0 and "Score: 0/" not in r.stdout


def test_autolab_nothing_to_grade(autolab):
    r, lines = autolab_grade(autolab, {"handin.txt": "hi\n"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert set(json.loads(lines[-1])["scores"].values()) == {0}
    assert "without sample-qemu.c or any other .c file" in r.stdout
