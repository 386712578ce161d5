"""The solution is the skeleton with the KVM_EXIT_IO case body filled in:
outside that body the two files are identical, byte for byte."""

import os
import re
import subprocess

from labkit import SKELETON, SOLUTION, io_body_span, lab_conf, ROOT


def read(path):
    with open(path, "rb") as f:
        return f.read().decode()


def test_only_the_io_body_differs():
    skel, sol = read(SKELETON), read(SOLUTION)
    s0, s1 = io_body_span(skel)
    t0, t1 = io_body_span(sol)
    assert skel[:s0] == sol[:t0], "solution differs before `case KVM_EXIT_IO:`"
    assert skel[s1:] == sol[t1:], "solution differs after the KVM_EXIT_IO body"
    assert skel[s0:s1] != sol[t0:t1]


def test_io_body_is_one_label_long():
    """The body holds no label of its own, and no word that a careless
    splicer could take for one."""
    for path in (SKELETON, SOLUTION):
        src = read(path)
        s0, s1 = io_body_span(src)
        body = src[s0:s1]
        assert not re.search(r"\b(case|default)\b", body), path
        assert src.count("case KVM_EXIT_IO:") == 1, path


def test_skeleton_body_is_a_todo():
    src = read(SKELETON)
    s0, s1 = io_body_span(src)
    body = src[s0:s1]
    assert "TODO" in body
    code = re.sub(r"/\*.*?\*/", "", body, flags=re.S).split()
    assert " ".join(code) == 'errx(1, "KVM_EXIT_IO: not implemented");'


def test_student_makefile_uses_lab_flags():
    """skeleton/cpu_lab/Makefile must build with the flags the grader uses."""
    mk = read(os.path.join(ROOT, "skeleton", "cpu_lab", "Makefile"))
    m = re.search(r"^CFLAGS\s*:?=\s*(.*)$", mk, re.M)
    assert m and m.group(1).split() == lab_conf()["cflags"].split()


def test_warning_free_under_kit_flags(tmp_path):
    for path in (SKELETON, SOLUTION):
        for std in ("-std=gnu11", "-std=c11 -D_GNU_SOURCE"):
            p = subprocess.run(["cc", *std.split(), "-O2", "-Wall", "-Wextra", "-Werror",
                                "-fsyntax-only", path], capture_output=True, text=True,
                               timeout=120)
            assert p.returncode == 0, p.stderr


def test_student_makefile_standalone(tmp_path):
    """`make` in a copy of the skeleton folder builds sample-qemu."""
    d = tmp_path / "cpu_lab"
    d.mkdir()
    for f in ("Makefile", "sample-qemu.c"):
        (d / f).write_bytes(open(os.path.join(ROOT, "skeleton", "cpu_lab", f), "rb").read())
    p = subprocess.run(["make", "-C", str(d)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "warning" not in p.stderr
    assert (d / "sample-qemu").exists()
