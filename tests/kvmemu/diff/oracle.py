#!/usr/bin/python3
"""oracle.py - upstream KVM as the oracle where this machine has no /dev/kvm.

Boots Debian's kernel in QEMU (TCG, `-cpu max`: QEMU emulates AMD SVM with
nested paging), loads kvm.ko and kvm-amd.ko there, and runs the statically
linked diffvmm on the guests on that /dev/kvm; the traces come back over a
second serial port. This is upstream KVM (kvm_amd) on QEMU's SVM: where QEMU's
SVM departs from a real AMD CPU, tests/kvmemu/FACTS.md lists it.

    oracle.py --client diffvmm-static --cache DIR --out DIR [--again] GUEST.bin...

Traces are cached per guest under DIR/<environment>/<sha256 of the guest>,
where <environment> hashes the kernel image, its kvm modules, QEMU's version,
the client and this file: a cached trace is exactly what a run would print
again. OUT/<name>.trace gets each guest's trace (name = the guest's base
name). --again runs the guests even where a trace is cached, and caches the
new trace (run.py's second opinion: QEMU's TCG is not deterministic). Exit status 0; 3 when the oracle can't run here (the reason on
stderr, one line); 2 on a harness failure.
"""
import argparse
import glob
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do
	insmod /lib/modules/$m || echo "oracle: insmod $m failed"
done
stty -F /dev/ttyS1 raw -echo
if [ -c /dev/kvm ]; then
	/diffvmm /g/*.bin > /dev/ttyS1
	echo "oracle-done $?" > /dev/ttyS1
else
	echo "oracle-done no-dev-kvm" > /dev/ttyS1
fi
poweroff -f
"""
MODULES = ["kvm", "kvm-amd"]


def fail(code, msg):
    print("oracle: " + msg, file=sys.stderr)
    sys.exit(code)


# Where the kernel comes from: VIRTLAB_ORACLE_KERNEL, a tree with boot/ and lib/modules/
# (scripts/fetch-oracle-kernel unpacks Debian's there, under the build dir), else the host's own.
KROOT = os.environ.get("VIRTLAB_ORACLE_KERNEL") or "/"
# kmod's modinfo is in /sbin, which a non-root user's PATH (e.g. Debian's) doesn't hold.
MODINFO = shutil.which("modinfo", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") or "modinfo"


def kernel():
    """The newest KROOT/boot/vmlinuz-* whose modules include kvm-amd."""
    def ver(path):
        return [int(x) if x.isdigit() else 0 for x in re.split(r"[.-]", path.split("vmlinuz-", 1)[1])]
    boot, mods = os.path.join(KROOT, "boot"), os.path.join(KROOT, "lib/modules")
    for image in sorted(glob.glob(boot + "/vmlinuz-*"), key=ver, reverse=True):
        kver = image.split("vmlinuz-", 1)[1]
        if glob.glob("%s/%s/kernel/arch/x86/kvm/kvm-amd.ko*" % (mods, kver)):
            return image, kver
    fail(3, "no %s/vmlinuz-* with kvm-amd.ko in %s (scripts/fetch-oracle-kernel)" % (boot, mods))


def module_path(kver, name):
    out = subprocess.run([MODINFO, "-b", KROOT, "-k", kver, "-n", name], capture_output=True, text=True)
    if out.returncode != 0:
        fail(3, "modinfo -b %s -k %s %s: %s" % (KROOT, kver, name, out.stderr.strip()))
    path = out.stdout.strip()
    return path if path.startswith(KROOT.rstrip("/") + "/") or KROOT == "/" else os.path.join(KROOT, path.lstrip("/"))


def modules(kver):
    """kvm-amd and kvm with their dependencies, in load order: [(name, path)]."""
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        path = module_path(kver, name)
        deps = subprocess.run([MODINFO, "-F", "depends", path], capture_output=True, text=True).stdout.strip()
        for d in filter(None, deps.split(",")):
            visit(d)
        order.append((name, path))
    for m in MODULES:
        visit(m)
    return order


def module_bytes(path):
    """A module's ELF, decompressed when Debian ships it compressed."""
    if path.endswith(".xz"):
        return subprocess.run(["xz", "-dc", path], capture_output=True, check=True).stdout
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
    if path.endswith(".gz"):
        return gzip.decompress(open(path, "rb").read())
    return open(path, "rb").read()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def environment(image, mods, client, qemu):
    h = hashlib.sha256()
    h.update(open(image, "rb").read())
    for name, path in mods:
        h.update(name.encode() + b"\0" + module_bytes(path))
    h.update(subprocess.run([qemu, "--version"], capture_output=True).stdout)
    h.update(open(client, "rb").read())
    h.update(open(__file__, "rb").read())
    return h.hexdigest()[:20]


def initramfs(path, client, mods, guests):
    """A newc cpio (gzip) with busybox, the modules, the client and the guests."""
    root = tempfile.mkdtemp(prefix="oracle-root-")
    try:
        for d in ("bin", "dev", "proc", "sys", "g", "lib/modules"):
            os.makedirs(os.path.join(root, d))
        busybox = shutil.which("busybox") or "/bin/busybox"
        shutil.copy(busybox, os.path.join(root, "bin/busybox"))
        shutil.copy(client, os.path.join(root, "diffvmm"))
        with open(os.path.join(root, "modules.order"), "w") as f:
            for name, p in mods:
                with open(os.path.join(root, "lib/modules", name + ".ko"), "wb") as m:
                    m.write(module_bytes(p))
                f.write(name + ".ko\n")
        for key, data in guests.items():
            with open(os.path.join(root, "g", key + ".bin"), "wb") as g:
                g.write(data)
        with open(os.path.join(root, "init"), "w") as f:
            f.write(INIT)
        os.chmod(os.path.join(root, "init"), 0o755)
        files = subprocess.run("find . | LC_ALL=C sort", shell=True, cwd=root, capture_output=True, check=True).stdout
        cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=files, cwd=root,
                              capture_output=True, check=True).stdout
        with open(path, "wb") as f:
            f.write(gzip.compress(cpio, 1))
    finally:
        shutil.rmtree(root)


def boot(image, mods, client, guests, qemu, workdir):
    """Runs the guests in one boot; returns {guest key: trace text}."""
    rd = os.path.join(workdir, "initrd.gz")
    initramfs(rd, client, mods, guests)
    console, traces = os.path.join(workdir, "console.log"), os.path.join(workdir, "traces.txt")
    cmd = [qemu, "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "1024", "-no-reboot",
           "-display", "none", "-monitor", "none", "-nodefaults",
           "-serial", "file:" + console, "-serial", "file:" + traces,
           # no_timer_check: on a loaded host TCG is slow enough that the kernel's check that the
           # 8254 reaches the IO-APIC (check_timer, apic_intr_mode_init) fails and it panics
           # "IO-APIC + timer doesn't work!" (seen at load average 33).
           "-kernel", image, "-initrd", rd, "-append", "console=ttyS0 quiet panic=-1 no_timer_check"]
    limit = 120 + 3 * len(guests)
    t0 = time.monotonic()
    try:
        subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, timeout=limit)
    except subprocess.TimeoutExpired:
        fail(2, "QEMU still running after %d s; console: %s" % (limit, console))
    text = open(traces, "rb").read().decode("utf-8", "replace").replace("\r", "")
    done = re.search(r"^oracle-done (\S+)$", text, re.M)
    tail = open(console, "rb").read().decode("utf-8", "replace").strip().splitlines()[-5:]
    if not done:
        fail(2, "the oracle VM stopped before its end; console tail: %s" % " | ".join(tail))
    if done.group(1) == "no-dev-kvm":
        fail(3, "kvm-amd gave no /dev/kvm inside QEMU (-cpu max without SVM?): %s" % " | ".join(tail))
    if done.group(1) != "0":
        fail(2, "diffvmm exited with status %s inside QEMU; console tail: %s" % (done.group(1), " | ".join(tail)))
    out, key, lines = {}, None, []
    for line in text[:done.start()].splitlines():
        if line.startswith("case "):
            if key:
                out[key] = "\n".join(lines) + "\n"
            key, lines = line[5:], []
        elif key:
            lines.append(line)
    if key:
        out[key] = "\n".join(lines) + "\n"
    missing = set(guests) - set(out)
    if missing:
        fail(2, "no trace for %d guests (e.g. %s)" % (len(missing), sorted(missing)[0]))
    print("oracle: %d guests in %.0f s under QEMU/TCG (kvm_amd, %s)" % (len(guests), time.monotonic() - t0,
          os.path.basename(image)), file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--again", action="store_true", help="run even where a trace is cached")
    ap.add_argument("guests", nargs="+")
    a = ap.parse_args()
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        fail(3, "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)")
    if not shutil.which("busybox") and not os.path.exists("/bin/busybox"):
        fail(3, "busybox not installed (apt-get install busybox-static)")
    image, kver = kernel()
    mods = modules(kver)
    cache = os.path.join(a.cache, environment(image, mods, a.client, qemu))
    os.makedirs(cache, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    names, todo = {}, {}
    for g in a.guests:
        data = open(g, "rb").read()
        key = sha(data)
        names[g] = key
        if a.again or not os.path.exists(os.path.join(cache, key)):
            todo[key] = data
    if todo:
        with tempfile.TemporaryDirectory(prefix="oracle-") as work:
            for key, trace in boot(image, mods, a.client, todo, qemu, work).items():
                with open(os.path.join(cache, key + ".tmp"), "w") as f:
                    f.write(trace)
                os.rename(os.path.join(cache, key + ".tmp"), os.path.join(cache, key))
    for g, key in names.items():
        name = os.path.splitext(os.path.basename(g))[0]
        with open(os.path.join(cache, key)) as f, open(os.path.join(a.out, name + ".trace"), "w") as o:
            o.write("case %s\n" % name + f.read())
    print("oracle: %d traces (%d run now, %d cached) in %s" % (len(names), len(todo), len(names) - len(todo), cache),
          file=sys.stderr)


if __name__ == "__main__":
    main()
