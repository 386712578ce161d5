#!/bin/sh
# cgroup2-vm.sh BUILD KIT — the sandbox's cgroup layer on a real cgroup v2
# hierarchy with every controller (make test-cgroup2).
#
# Why a VM: a machine whose controllers are bound to v1 hierarchies (this
# one's hybrid) can't give them to a cgroup2 mount, namespace or not (a
# controller lives in one hierarchy at a time).  So this boots Debian 12's
# own kernel (linux-image-amd64, /boot) in QEMU (TCG: no KVM needed) with
# cgroup2 mounted alone, and runs the kit built here on the host's own Debian
# 12 userland, shared read-only over 9p (virtio): the same binaries, the same
# libraries, bwrap and cc; /tmp and the work dir are the guest's own tmpfs.
# Inside: the cgroup tests of test_sandbox (CHECK_ONLY) on both layers, the
# box's cgroup.controllers and values, and one grade of the reference.
#
# Skips (exit 0, a SKIP line) when QEMU, a Debian kernel with its modules, or
# busybox-static is missing.  Slow (TCG): minutes, not part of make test.
set -eu
BUILD=$(cd "$1" && pwd)
KIT=$(cd "$2" && pwd)
skip() { echo "SKIP test-cgroup2: $*"; exit 0; }

QEMU=$(command -v qemu-system-x86_64 || true)
[ -n "$QEMU" ] || skip "no qemu-system-x86_64 (apt install qemu-system-x86)"
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || skip "no busybox (apt install busybox-static)"
! ldd "$BUSYBOX" >/dev/null 2>&1 || skip "$BUSYBOX is not static (apt install busybox-static)"
KVER=
for k in $(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V); do
	v=${k#/boot/vmlinuz-}
	[ -d "/lib/modules/$v/kernel/fs/9p" ] && KVER=$v
done
[ -n "$KVER" ] || skip "no Debian kernel with its modules in /boot (apt install linux-image-amd64)"
for f in test_sandbox box_attack; do
	[ -x "$BUILD/tests/sandbox/$f" ] || { echo "test-cgroup2: $BUILD/tests/sandbox/$f not built" >&2; exit 1; }
done

VM=${CG2_VM_DIR:-$BUILD/cgroup2-vm}
rm -rf "$VM"
mkdir -p "$VM/initramfs/bin" "$VM/initramfs/mod" "$VM/initramfs/proc" "$VM/initramfs/sys" \
	 "$VM/initramfs/dev" "$VM/initramfs/host" "$VM/initramfs/work"
cp "$BUSYBOX" "$VM/initramfs/bin/busybox"
# the modules 9p over virtio-pci needs, in insmod order (modprobe says which)
for m in virtio_pci 9pnet_virtio 9p; do modprobe -S "$KVER" --show-depends "$m"; done |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' > "$VM/order"
: > "$VM/initramfs/mod/order"
while read -r m; do
	b=$(basename "$m" .xz)
	case "$m" in *.xz) xz -dc "$m" > "$VM/initramfs/mod/$b" ;; *) cp "$m" "$VM/initramfs/mod/$b" ;; esac
	echo "$b" >> "$VM/initramfs/mod/order"
done < "$VM/order"
cat > "$VM/initramfs/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
for m in $(cat /mod/order); do insmod /mod/$m; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 work /work
for d in tmp run var/tmp; do mount -t tmpfs -o mode=1777 tmpfs /host/$d; done
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs dev /host/dev
mkdir -p /host/dev/shm
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
mount -t cgroup2 cgroup2 /host/sys/fs/cgroup
mkdir -p /host/tmp/work
mount --bind /work /host/tmp/work
# switch_root, not chroot: in a chroot the kernel refuses user namespaces (bwrap's)
exec switch_root /host /bin/sh -c 'sh /tmp/work/guest.sh > /tmp/work/log 2>&1; echo $? > /tmp/work/rc; sync; busybox poweroff -f'
EOF
chmod 755 "$VM/initramfs/init"
(cd "$VM/initramfs" && find . | cpio -o -H newc --quiet) > "$VM/initramfs.cpio"

WORK=$(mktemp -d /tmp/virtlab-cg2.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp "$BUILD/tests/sandbox/test_sandbox" "$BUILD/tests/sandbox/box_attack" "$WORK/"
# What runs in the guest, as root on its own kernel: the host's userland, the kit built here.
cat > "$WORK/guest.sh" <<EOF
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
echo "guest kernel: \$(uname -r); mounted: \$(grep cgroup /proc/mounts | cut -d' ' -f1-3 | tr '\n' ';')"
echo "cgroup2 controllers: \$(cat /sys/fs/cgroup/cgroup.controllers)"
d=/tmp/sbtest; mkdir -p \$d; chmod 1777 \$d
cp /tmp/work/test_sandbox /tmp/work/box_attack \$d/; chmod 755 \$d/*; cd \$d
only=box_cgroup_has_its_limits,forking_buys_no_cpu_with_a_cgroup,memory_limit_is_the_cause,tmpfs_full_is_enospc_under_a_memory_limit,cpu_budget_counts_every_task
rc=0
export SANDBOX_TEST_SLOW=5   # timing under TCG: see test_sandbox.c's fair_wall_s
echo "== bubblewrap"; CHECK_ONLY=\$only SANDBOX_TEST_DIR=\$d VIRTLAB_SANDBOX=bwrap ./test_sandbox || rc=1
echo "== fallback"; CHECK_ONLY=\$only SANDBOX_TEST_DIR=\$d VIRTLAB_SANDBOX=fallback ./test_sandbox || rc=1
# A grade of the reference (hello alone: under TCG a box's CPU time is the emulator's, slower and
# load-dependent, and a longer scenario can pass its 2 s budget), its boxes' cgroups read while it runs.
echo "== a grade (cpu_lab reference: hello; bubblewrap, kvmemu)"
mkdir -p /tmp/kbuild /tmp/grade && (cd "$BUILD" && tar -cf - --exclude=./cgroup2-vm .) | tar -xf - -C /tmp/kbuild
cd /tmp/grade
VIRTLAB_SANDBOX=bwrap /tmp/kbuild/grade --root "$KIT" --build /tmp/kbuild --backend emu --scenario hello \
	--json /tmp/grade/g.json "$KIT/solution/cpu_lab/sample-qemu.c" > /tmp/grade/out 2>&1 &
g=\$!
seen=
while [ -z "\$seen" ] && kill -0 \$g 2>/dev/null; do
	for c in /sys/fs/cgroup/virtlab-box-*; do
		v="\$(cat \$c/cpu.weight \$c/pids.max \$c/memory.max 2>/dev/null | tr '\n' ' ')"
		[ "\$(echo \$v | wc -w)" = 3 ] && seen="\$c: cpu.weight pids.max memory.max = \$v"
	done
	sleep 0.05
done
wait \$g; grc=\$?
cat /tmp/grade/out
echo "a box's cgroup during the grade: \${seen:-none seen}"
if [ \$grc = 0 ] && grep -q '"score": 3,' g.json && grep -q '"max_score": 3,' g.json &&
   echo "\$seen" | grep -q "= 100 [0-9][0-9]* 1073741824 \$"; then
	echo "grade: full marks, boxes in cgroup v2 with their limits"
else
	echo "grade: FAILED (exit \$grc)"; rc=1
fi
exit \$rc
EOF
chmod -R a+rX "$WORK"

echo "test-cgroup2: booting Debian's $KVER in QEMU (TCG; minutes)"
rc=0
timeout 1800 "$QEMU" -accel tcg -m 2048 -smp 2 -nodefaults -display none -no-reboot \
	-serial file:"$VM/console.log" \
	-kernel "/boot/vmlinuz-$KVER" -initrd "$VM/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 quiet cgroup_no_v1=all" \
	-virtfs local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap \
	-virtfs local,path="$WORK",mount_tag=work,security_model=passthrough,multidevs=remap || rc=$?
cat "$WORK/log" 2>/dev/null || true
if [ ! -f "$WORK/rc" ]; then
	echo "test-cgroup2: the guest ended without a result (qemu exit $rc); its console:" >&2
	tail -30 "$VM/console.log" >&2
	exit 1
fi
exit "$(cat "$WORK/rc")"
