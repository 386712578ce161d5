"""Every scenario assembles and has a valid header; the reference solution
ends every scenario as its pins say; the skeleton and the image loader fail
the way they should."""

import os

import pytest

from labkit import (BUILD, GUEST_DIR, LAB, assemble, backend_for, c_unescape,
                    kvm_usable, parse_header, run_vmm, scenarios)

SCENARIOS = scenarios()
SOLUTION_BIN = os.path.join(BUILD, LAB, "solution", "sample-qemu")
SKELETON_BIN = os.path.join(BUILD, LAB, "skeleton", "sample-qemu")
IMAGE_MAX = 48 * 1024


@pytest.fixture(scope="module")
def bins(tmp_path_factory):
    d = tmp_path_factory.mktemp("guests")
    return {name: assemble(name, str(d)) for name in SCENARIOS}


def test_there_are_scenarios():
    assert "hello" in SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS)
def test_header(name):
    h = SCENARIOS[name]
    where = os.path.join(GUEST_DIR, name + ".asm")
    assert h.get("title"), f"{where}: no title"
    assert h.get("points", "").isdigit(), f"{where}: points"
    assert h.get("visibility", "public") in ("public", "hidden")
    assert h.get("backend", "any") in ("any", "emu")
    assert h.get("random", "no") in ("yes", "no")
    assert h.get("hint"), f"{where}: every scenario should teach something when it fails"
    if "emu-env" in h:
        assert h.get("backend") == "emu", f"{where}: emu-env needs backend: emu"
        for item in h["emu-env"].split():
            assert item.startswith("KVMEMU_") and "=" in item
    if h.get("random") != "yes":
        assert h.get("expect-exit") in ("success", "error"), f"{where}: pin expect-exit"
        assert "expect-stdout" in h, f"{where}: pin expect-stdout"
        c_unescape(h["expect-stdout"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_assembles_small(name, bins):
    size = os.path.getsize(bins[name])
    assert 0 < size <= IMAGE_MAX


def test_random_scenarios_vary(tmp_path):
    for name, h in SCENARIOS.items():
        if h.get("random") == "yes":
            imgs = {open(assemble(name, str(tmp_path), seed), "rb").read() for seed in (1, 2, 3, 12345)}
            assert len(imgs) == 4, f"{name}: the seed does not change the guest"


@pytest.mark.parametrize("name", SCENARIOS)
def test_reference_meets_pins(name, bins):
    h = SCENARIOS[name]
    backend, why = backend_for(h)
    if backend is None:
        pytest.skip(f"{name}: {why}")
    r = run_vmm(SOLUTION_BIN, bins[name], backend, h)
    assert r.exit_class in ("success", "error"), r
    if "expect-exit" in h:
        assert r.exit_class == h["expect-exit"], r
    if "expect-stdout" in h:
        assert r.stdout == c_unescape(h["expect-stdout"]), r
    if r.exit_class == "success":
        assert r.stdout.endswith(b"KVM_EXIT_HLT\n") and not r.stderr, r


def test_reference_random_output_depends_on_seed(tmp_path):
    if not kvm_usable():
        pytest.skip("no usable /dev/kvm")
    for name, h in SCENARIOS.items():
        if h.get("random") == "yes" and h.get("backend", "any") == "any":
            outs = {run_vmm(SOLUTION_BIN, assemble(name, str(tmp_path), s), "kvm", h).stdout
                    for s in (1, 2, 3)}
            assert len(outs) == 3, name


# ---------------------------------------------------------------- the VMM itself

def vmm_backend():
    """Real KVM when usable, else kvmemu: these runs test the VMM itself."""
    backend, why = backend_for({})
    if backend is None:
        pytest.skip(why)
    return backend


def test_builtin_guest():
    r = run_vmm(SOLUTION_BIN, None, vmm_backend())
    assert (r.stdout, r.status, r.stderr) == (b"hello, world!\nKVM_EXIT_HLT\n", 0, b"")


def test_builtin_guest_equals_hello(bins):
    b = vmm_backend()
    assert run_vmm(SOLUTION_BIN, None, b).stdout == \
        run_vmm(SOLUTION_BIN, bins["hello"], b).stdout


@pytest.mark.parametrize("image", [None, "hello"])
def test_skeleton_not_implemented(image, bins):
    r = run_vmm(SKELETON_BIN, bins[image] if image else None, vmm_backend())
    assert r.status == 1 and r.stdout == b"", r
    assert b"KVM_EXIT_IO: not implemented" in r.stderr, r


def bad_image(tmp_path, kind):
    p = tmp_path / f"{kind}.bin"
    if kind == "missing":
        return str(p)
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "oversized":
        p.write_bytes(b"\xf4" * (IMAGE_MAX + 1))
    elif kind == "directory":
        p.mkdir()
    return str(p)


@pytest.mark.parametrize("kind", ["missing", "empty", "oversized", "directory"])
@pytest.mark.parametrize("vmm", ["solution", "skeleton"])
def test_bad_image(kind, vmm, tmp_path):
    """A clear one-line message and exit 1, before anything runs."""
    binary = SOLUTION_BIN if vmm == "solution" else SKELETON_BIN
    p = run_vmm(binary, bad_image(tmp_path, kind), vmm_backend(), timeout=10)
    assert p.status == 1 and p.stdout == b"", p
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 1 and "guest image" in lines[0], p.stderr


def test_largest_image_accepted(tmp_path):
    """Exactly 48 KiB is allowed: a hlt at 0x1000 followed by padding."""
    p = tmp_path / "max.bin"
    p.write_bytes(b"\xf4" + b"\0" * (IMAGE_MAX - 1))
    r = run_vmm(SOLUTION_BIN, str(p), vmm_backend())
    assert (r.stdout, r.status) == (b"KVM_EXIT_HLT\n", 0), r


def test_other_exits_are_errors(tmp_path):
    """MMIO (store outside RAM) and a crashed guest: a message, exit 1."""
    backend = vmm_backend()
    cases = {
        # RAM starts at 0x1000: address 0x500 has nothing behind it.
        "mmio": bytes([0xc6, 0x06, 0x00, 0x05, 0x41, 0xf4]),   # mov byte [0x500], 'A'; hlt
    }
    for name, code in cases.items():
        p = tmp_path / f"{name}.bin"
        p.write_bytes(code)
        r = run_vmm(SOLUTION_BIN, str(p), backend)
        assert r.exit_class == "error" and b"KVM_EXIT_MMIO" in r.stderr, r


def test_builtin_guest_bytes_are_hello_asm(bins):
    """The array in sample-qemu.c is hello.asm, assembled."""
    import ast
    import re
    from labkit import SKELETON
    src = open(SKELETON).read()
    init = re.search(r"hello_guest\[\] = \{(.*?)\};", src, re.S).group(1)
    init = re.sub(r"/\*.*?\*/", "", init, flags=re.S)
    items = [t.strip() for t in init.split(",") if t.strip()]
    # "','" was split in two: the comma character literal.
    out, i = bytearray(), 0
    while i < len(items):
        t = items[i]
        if t == "'" and items[i + 1] == "'":
            out.append(ord(",")); i += 2
            continue
        out.append(ord(ast.literal_eval(t)) if t.startswith("'") else int(t, 0))
        i += 1
    assert bytes(out) == open(bins["hello"], "rb").read()
