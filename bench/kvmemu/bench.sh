#!/bin/sh
# bench.sh BUILD_DIR - kvmemu's numbers, printed and appended to BUILD_DIR/bench.md.
set -e
B=$1
EMU=scripts/kvm-emu
N=${KVMEMU_BENCH_RUNS:-11}
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# CPU time (user + system, microseconds; time(1) counts in 10 ms) of one run
# of "$@", nothing if it failed: rates are per CPU second, so a busy machine
# slows the wall clock, not the figures.
cpu_us() {
	/usr/bin/time -f '%U %S' -o "$B/kvmemu-bench.cpu" "$@" >/dev/null 2>&1 || return 0
	awk '{printf "%d\n", ($1 + $2) * 1000000}' "$B/kvmemu-bench.cpu"
}

# 1. wall time, CPU time and max RSS of one hello run (median of N)
: > "$B/kvmemu-bench.t"
i=0
while [ $i -lt "$N" ]; do
	/usr/bin/time -f '%e %M %U %S' -o "$B/kvmemu-bench.rss" $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/hello.bin" >/dev/null 2>&1
	t0=$(now); $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/hello.bin" >/dev/null 2>&1; t1=$(now)
	awk -v w=$(( (t1 - t0) / 1000 )) '{printf "%d %d %d\n", w, $2, ($3 + $4) * 1000000}' "$B/kvmemu-bench.rss" >> "$B/kvmemu-bench.t"
	i=$((i + 1))
done
wall_us=$(cut -d' ' -f1 "$B/kvmemu-bench.t" | median)
rss_kb=$(cut -d' ' -f2 "$B/kvmemu-bench.t" | median)
hello_cpu_us=$(cut -d' ' -f3 "$B/kvmemu-bench.t" | median)

# 2. exits/s, 3. instructions/s and 4. interrupts/s per CPU second, minus the
# hello run's fixed cost (the same process start, library load and VM setup)
# rate REPS COUNT SCALE CMD...: COUNT / SCALE per CPU second of CMD, its
# hello cost taken off, over REPS runs (short runs: time(1)'s 10 ms steps);
# "—" if one failed
rate() {
	reps=$1 n=$2 scale=$3
	shift 3
	total=0 k=0
	while [ $k -lt "$reps" ]; do
		u=$(cpu_us "$@")
		[ -n "$u" ] || { echo "—"; return; }
		total=$(( total + u - hello_cpu_us ))
		k=$((k + 1))
	done
	[ "$total" -gt 0 ] || total=1
	echo $(( reps * n * 1000000 / scale / total ))
}
# millions, or —
m() { [ "$1" = "—" ] && echo "—" || echo "${1}M"; }
exits_s=$(rate 5 200000 1 $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/exits.bin")
minstr_s=$(rate 1 500000000 1000000 $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/spin.bin")
minstr_sites_s=$(rate 1 500000000 1000000 $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/sites.bin")
minstr32_s=$(rate 1 500000000 1000000 $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/spin32.bin")
minstr64_s=$(rate 1 500000000 1000000 $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/spin64.bin" --cpuid)
mstore64_s=$(rate 1 300000000 1000000 $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/store64.bin" --cpuid)
# interrupts: IRQ 1 through the in-kernel PIC, each asked for by an OUT exit
irqs_s=$(rate 5 50000 1 $EMU "$B/kvmemu-bench/irqvmm" "$B/kvmemu-bench/irqs.bin")

row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
{
	echo
	echo "## kvmemu ($(date -u +%Y-%m-%d), $(uname -m), median of $N hello runs; rates per CPU second, load $(cut -d' ' -f1 /proc/loadavg))"
	echo
	echo "| measure | value | target |"
	echo "|---|---|---|"
	row "hello run under kvm-emu, wall" "$(awk "BEGIN {printf \"%.1f ms\", $wall_us/1000}")" "≤ 30 ms"
	row "hello run, CPU time" "$(awk "BEGIN {printf \"%.1f ms\", $hello_cpu_us/1000}")" "—"
	row "hello run, max RSS" "$(awk "BEGIN {printf \"%.1f MiB\", $rss_kb/1024}")" "≤ 32 MiB"
	row "exits/s (out in a loop)" "$exits_s" "≥ 150000"
	row "guest instructions/s (dec/jnz loop)" "$(m "$minstr_s")" "≥ 100M"
	row "guest instructions/s, same loop after 600 distinct I/O sites" "$(m "$minstr_sites_s")" "≥ 100M"
	row "guest instructions/s, 32-bit protected mode (same loop)" "$(m "$minstr32_s")" "≥ 100M"
	row "guest instructions/s, long mode (same loop)" "$(m "$minstr64_s")" "—"
	row "guest instructions/s, long mode, a paged store in the loop" "$(m "$mstore64_s")" "—"
	row "interrupts/s (in-kernel PIC, KVM_IRQ_LINE per OUT exit, taken in HLT)" "$irqs_s" "—"
} | tee -a "$B/bench.md"
