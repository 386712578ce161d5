#!/bin/sh
# bench.sh BUILD_DIR - kvmemu's numbers, printed and appended to BUILD_DIR/bench.md.
set -e
B=$1
EMU=scripts/kvm-emu
N=${KVMEMU_BENCH_RUNS:-11}
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# 1. wall time and max RSS of one hello run (median of N)
: > "$B/kvmemu-bench.t"
i=0
while [ $i -lt "$N" ]; do
	/usr/bin/time -f '%e %M' -o "$B/kvmemu-bench.rss" $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/hello.bin" >/dev/null 2>&1
	t0=$(now); $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/hello.bin" >/dev/null 2>&1; t1=$(now)
	echo "$(( (t1 - t0) / 1000 )) $(cut -d' ' -f2 "$B/kvmemu-bench.rss")" >> "$B/kvmemu-bench.t"
	i=$((i + 1))
done
wall_us=$(cut -d' ' -f1 "$B/kvmemu-bench.t" | median)
rss_kb=$(cut -d' ' -f2 "$B/kvmemu-bench.t" | median)

# 2. exits/s and 3. instructions/s (minus the hello run's fixed cost)
t0=$(now); $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/exits.bin" >/dev/null 2>&1; t1=$(now)
exits_s=$(( 200000 * 1000000000 / (t1 - t0 - wall_us * 1000) ))
t0=$(now); $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/spin.bin" >/dev/null 2>&1; t1=$(now)
minstr_s=$(( 500000000 * 1000 / (t1 - t0 - wall_us * 1000) ))
t0=$(now); $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/sites.bin" >/dev/null 2>&1; t1=$(now)
minstr_sites_s=$(( 500000000 * 1000 / (t1 - t0 - wall_us * 1000) ))
t0=$(now); $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/spin32.bin" >/dev/null 2>&1; t1=$(now)
minstr32_s=$(( 500000000 * 1000 / (t1 - t0 - wall_us * 1000) ))
t0=$(now); $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/spin64.bin" --cpuid >/dev/null 2>&1; t1=$(now)
minstr64_s=$(( 500000000 * 1000 / (t1 - t0 - wall_us * 1000) ))
t0=$(now); $EMU "$B/kvmemu-bench/vmm" "$B/kvmemu-bench/store64.bin" --cpuid >/dev/null 2>&1; t1=$(now)
mstore64_s=$(( 300000000 * 1000 / (t1 - t0 - wall_us * 1000) ))
# 4. interrupts/s: IRQ 1 through the in-kernel PIC, each asked for by an OUT exit
t0=$(now); $EMU "$B/kvmemu-bench/irqvmm" "$B/kvmemu-bench/irqs.bin" >/dev/null 2>&1; t1=$(now)
irqs_s=$(( 50000 * 1000000000 / (t1 - t0 - wall_us * 1000) ))

row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
{
	echo
	echo "## kvmemu ($(date -u +%Y-%m-%d), $(uname -m), median of $N hello runs)"
	echo
	echo "| measure | value | target |"
	echo "|---|---|---|"
	row "hello run under kvm-emu, wall" "$(awk "BEGIN {printf \"%.1f ms\", $wall_us/1000}")" "≤ 30 ms"
	row "hello run, max RSS" "$(awk "BEGIN {printf \"%.1f MiB\", $rss_kb/1024}")" "≤ 32 MiB"
	row "exits/s (out in a loop)" "$exits_s" "≥ 150000"
	row "guest instructions/s (dec/jnz loop)" "${minstr_s}M" "≥ 100M"
	row "guest instructions/s, same loop after 600 distinct I/O sites" "${minstr_sites_s}M" "≥ 100M"
	row "guest instructions/s, 32-bit protected mode (same loop)" "${minstr32_s}M" "≥ 100M"
	row "guest instructions/s, long mode (same loop)" "${minstr64_s}M" "—"
	row "guest instructions/s, long mode, a paged store in the loop" "${mstore64_s}M" "—"
	row "interrupts/s (in-kernel PIC, KVM_IRQ_LINE per OUT exit, taken in HLT)" "$irqs_s" "—"
} | tee -a "$B/bench.md"
