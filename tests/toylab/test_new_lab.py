"""`make new-lab NAME=x [FROM=lab]` in a copy of the kit (as tests/toylab does): the lab it
makes grades full marks with its reference and 0 with its skeleton, passes check-lab and dists,
as made, from either real lab; its pins are its own reference's; a bad or taken NAME writes
nothing."""
import os
import pathlib
import shutil
import subprocess
import tarfile

import pytest

HERE = pathlib.Path(__file__).resolve().parent
KIT = HERE.parents[1]
BUILD = KIT / os.environ.get("VIRTLAB_BUILD", "build")
PARTS = ("labs", "skeleton", "solution", "guests", "handout")


def make(kit, *args, timeout=900):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    p = subprocess.run(["make", "--no-print-directory", "-C", str(kit), *args], capture_output=True,
                       text=True, timeout=timeout, errors="replace", env=env)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """The kit's tracked files and its build dir (times kept: make builds only what is new)."""
    dest = tmp_path_factory.mktemp("newlab") / "kit"
    files = subprocess.run(["git", "-C", str(KIT), "ls-files", "-co", "--exclude-standard", "-z"],
                           capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        src = KIT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f, follow_symlinks=False)
    shutil.copytree(BUILD, dest / "build", symlinks=True,
                    ignore=shutil.ignore_patterns("dist", "gradescope", "prairielearn", "autolab", "cache", "tests"))
    return dest


@pytest.mark.parametrize("name,frm", [("newlab", None), ("mem2", "mem_lab")])
def test_new_lab_grades_checks_and_dists(kit, name, frm):
    rc, out, err = make(kit, "new-lab", f"NAME={name}", *([f"FROM={frm}"] if frm else []))
    assert rc == 0, f"{out}\n{err}"
    for part in PARTS:
        assert (kit / part / name).is_dir(), part
    conf = (kit / "labs" / name / "lab.conf").read_text()
    assert f"\nname = {name}\n" in conf
    mutants = list((kit / "labs" / name / "mutants").glob("*.c"))
    assert len(mutants) == 1, mutants
    scen = list((kit / "guests" / name).glob("*.asm"))
    assert len(scen) == 1
    assert "; expect-stdout: \"" in scen[0].read_text() and "; expect-exit: success" in scen[0].read_text()

    rc, out, err = make(kit, "grade", f"LAB={name}")
    assert rc == 0, f"{out}\n{err}"
    last = out.rstrip("\n").split("\n")[-1]
    got, total = last.removeprefix("Score: ").split("/")
    assert got == total != "0", last
    rc, out, err = make(kit, "grade", f"LAB={name}", f"SUBMISSION=skeleton/{name}/sample-qemu.c")
    assert rc == 0 and out.rstrip("\n").split("\n")[-1] == f"Score: 0/{total}", out

    rc, out, err = make(kit, "check-lab", f"LAB={name}")
    assert rc == 0, f"{out}\n{err}"
    assert f"check-lab {name}: OK: the reference passes all 1 scenarios (1 pinned)" in out, out
    assert "all 1 mutants are killed" in out, out

    rc, out, err = make(kit, "dist", f"LAB={name}")
    assert rc == 0, f"{out}\n{err}"
    with tarfile.open(kit / "build" / "dist" / f"{name}-student.tar.gz") as t:
        names = t.getnames()
    assert f"{name}/sample-qemu.c" in names and f"{name}/handout/en.html" in names


def test_pins_are_the_new_labs_own(kit):
    """A reference that prints something else than FROM's gets its own pins: made from it."""
    rc, out, err = make(kit, "new-lab", "NAME=loud_lab")
    assert rc == 0, err
    for part in PARTS:   # undo, then make it again from a changed copy of cpu_lab
        shutil.rmtree(kit / part / "loud_lab")
    shutil.copytree(kit / "labs" / "cpu_lab", kit / "labs" / "loud_src")
    for part in ("skeleton", "solution", "guests", "handout"):
        shutil.copytree(kit / part / "cpu_lab", kit / part / "loud_src")
    ref = kit / "solution" / "loud_src" / "sample-qemu.c"
    ref.write_text(ref.read_text().replace("putchar(tolower(byte))", "putchar(toupper(byte))"))
    rc, out, err = make(kit, "new-lab", "NAME=loud_lab", "FROM=loud_src")
    assert rc == 0, f"{out}\n{err}"
    assert '"HELLO, WORLD!\\nKVM_EXIT_HLT\\n"' in (kit / "guests/loud_lab/hello.asm").read_text()
    rc, out, err = make(kit, "check-lab", "LAB=loud_lab")
    assert rc == 0, f"{out}\n{err}"


@pytest.mark.parametrize("args,message", [
    (["NAME=cpu_lab"], "labs/cpu_lab exists: pick another NAME (nothing was written)"),
    (["NAME=a;b"], "NAME must match [a-z0-9_]+"),
    (["NAME="], "NAME must match [a-z0-9_]+"),
    (["NAME=x1", "FROM=nolab"], "no labs/nolab/lab.conf"),
])
def test_new_lab_refusals(kit, args, message):
    before = {p: sorted(os.listdir(kit / p)) for p in PARTS}
    rc, out, err = make(kit, "new-lab", *args)
    assert rc != 0 and message in err, err
    assert {p: sorted(os.listdir(kit / p)) for p in PARTS} == before
