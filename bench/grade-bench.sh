#!/bin/sh
# grade-bench.sh BUILD_DIR - grading's numbers on this machine, printed and
# appended to BUILD_DIR/bench.md:
#  - the floor: compiling the submission with the lab's flags plus one bare
#    fork/exec of the VMM per scenario (no sandbox, no reference, no grader);
#  - one full grade of the same submission (sandbox, kvmemu, warm reference cache);
#  - a generated class of 100 (tests/batch/make_class.py) with --jobs 1 and --jobs nproc.
# GRADE_BENCH_RUNS (default 5): runs per median.
set -eu
B=$1
LAB=${LAB:-cpu_lab}
# What the grader reads in lab.conf and the scenario headers.
INFO=$("$B/grade" --root "$PWD" --build "$B" --lab-info --lab "$LAB")
info() { printf '%s\n' "$INFO" | sed -n "s/^$1=//p"; }
SUB=$(info LAB_SOLUTION)
N=${GRADE_BENCH_RUNS:-5}
NPROC=$(nproc)
W=$(mktemp -d "${TMPDIR:-/tmp}/virtlab-gbench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk "BEGIN {printf \"%.0f ms\", $1/1000000}"; }
sec() { awk "BEGIN {printf \"%.1f s\", $1/1000000000}"; }
ratio() { awk "BEGIN {printf \"%.1f\", $1/$2}"; }

# The scenarios' images, assembled once, and what each run needs ("name
# backend knobs..."), prepared outside every measurement.
mkdir -p "$W/img"
: > "$W/plan"
for asm in guests/$LAB/*.asm; do
	name=$(basename "$asm" .asm)
	nasm -f bin -DSEED=1 -I "guests/$LAB/" -o "$W/img/$name.bin" "$asm"
	be=any
	case " $(info LAB_EMU_ONLY) " in *" $name "*) be=emu ;; esac
	echo "$name $be $(info "LAB_EMU_ENV_$name")" >> "$W/plan"
done
CFLAGS=$(info LAB_CFLAGS)
LDFLAGS=$(info LAB_LDFLAGS)
LIB=$(cd "$B" && pwd)/libkvmemu.so

# One floor measurement (ns): compile, then each scenario once on $1
# (emulated-only scenarios always on kvmemu, with their knobs).
floor_once() {
	mode=$1
	t0=$(now)
	# shellcheck disable=SC2086
	cc $CFLAGS -o "$W/vmm" "$SUB" $LDFLAGS
	while read -r name be knobs; do
		if [ -n "$knobs" ]; then
			# shellcheck disable=SC2086
			env $knobs KVMEMU_QUIET=1 LD_PRELOAD="$LIB" "$W/vmm" "$W/img/$name.bin" >/dev/null 2>&1 || true
		elif [ "$mode" = emu ] || [ "$be" = emu ]; then
			KVMEMU_QUIET=1 LD_PRELOAD="$LIB" "$W/vmm" "$W/img/$name.bin" >/dev/null 2>&1 || true
		else
			"$W/vmm" "$W/img/$name.bin" >/dev/null 2>&1 || true
		fi
	done < "$W/plan"
	echo $(( $(now) - t0 ))
}

grade_once() {
	t0=$(now)
	"$B/grade" --root "$PWD" --build "$B" --lab "$LAB" --backend "$1" --seed 1 "$SUB" >/dev/null
	echo $(( $(now) - t0 ))
}

# median of N runs of "$@" (each prints ns)
measure() {
	i=0
	: > "$W/t"
	while [ $i -lt "$N" ]; do
		"$@" >> "$W/t"
		i=$((i + 1))
	done
	median < "$W/t"
}

KVM=no
if "$B/grade" --root "$PWD" --build "$B" --lab "$LAB" --backend kvm --seed 1 "$SUB" >/dev/null 2>&1; then   # also warms the cache
	KVM=yes
fi
"$B/grade" --root "$PWD" --build "$B" --lab "$LAB" --backend emu --seed 1 "$SUB" >/dev/null                  # warm

floor_emu=$(measure floor_once emu)
grade_emu=$(measure grade_once emu)

# A hang's cost: the reference with its guest's first bytes made `jmp $` (a
# spinning guest in every scenario), graded once on emu: wall and CPU (the
# grader and every box) per scenario, on the fallback layer.  cpu_lab's loader
# only (its anchor).
hang=""
awk 'BEGIN {d = 0} {print} /^\tclose\(fd\);$/ && !d {print "\tdest[0] = 0xeb; dest[1] = 0xfe;"; d = 1}' "$SUB" > "$W/hang.c"
if grep -q "0xeb; dest\[1\] = 0xfe" "$W/hang.c"; then
	# on the fallback layer: its boxes are our children, so time(1) counts their CPU
	# (a task killed inside bwrap's pid namespace takes its CPU time with it)
	VIRTLAB_SANDBOX=fallback /usr/bin/time -f '%e %U %S' -o "$W/hang.t" "$B/grade" --root "$PWD" --build "$B" --lab "$LAB" --backend emu --seed 1 "$W/hang.c" >/dev/null 2>&1 || true
	hang=$(awk -v n="$(ls guests/$LAB/*.asm | wc -l)" '{printf "%.0f ms wall, %.0f ms CPU per scenario", $1*1000/n, ($2+$3)*1000/n}' "$W/hang.t")
fi
if [ $KVM = yes ]; then
	floor_kvm=$(measure floor_once kvm)
	grade_kvm=$(measure grade_once kvm)
fi

# The class: 100 students, default backend (auto), one fresh out dir per run.
/usr/bin/python3 tests/batch/make_class.py "$W/class" --count 100 > "$W/kinds"
mix=$(awk '{n[$2]++} END {printf "%d correct, %d faulty, %d not compiling", n["correct"], n["faulty"], n["broken"]}' "$W/kinds")
class_run() {
	t0=$(now)
	"$B/grade" --root "$PWD" --build "$B" --lab "$LAB" --batch "$W/class" --csv "$W/$1/grades.csv" --jobs "$1" --seed 1 >"$W/$1.out" 2>"$W/$1.err" || true
	echo $(( $(now) - t0 ))
}
class_1=$(class_run 1)
class_n=$(class_run "$NPROC")
# Both runs must agree, row for row (same seed): the bench checks it is timing real work.
if ! cmp -s "$W/1/grades.csv" "$W/$NPROC/grades.csv"; then
	echo "grade-bench: the two class runs disagree" >&2
	exit 1
fi
errors=$(grep -c "grader error\|setup error" "$W/1/grades.csv" || true)

row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
nsc=$(ls guests/$LAB/*.asm | wc -l)
{
	echo
	echo "## grading ($(date -u +%Y-%m-%d), $(uname -m), $NPROC cores, real KVM: $KVM; median of $N)"
	echo
	echo "| measure | value | target |"
	echo "|---|---|---|"
	if [ $KVM = yes ]; then
		row "floor, kvm: compile + $nsc bare runs (no sandbox)" "$(ms "$floor_kvm")" "—"
	fi
	row "floor, emu: compile + $nsc bare runs under kvm-emu" "$(ms "$floor_emu")" "—"
	if [ $KVM = yes ]; then
		row "one submission, full grade, kvm" "$(ms "$grade_kvm") ($(ratio "$grade_kvm" "$floor_kvm")× the kvm floor)" "≤ 1 s, ≤ 3×"
	fi
	row "one submission, full grade, emu" "$(ms "$grade_emu") ($(ratio "$grade_emu" "$floor_emu")× the emu floor)" "≤ 1 s, ≤ 3×"
	[ -z "$hang" ] || row "a hanging submission (spinning guest), full grade, emu, fallback layer, one run" "$hang" "≤ 1 s CPU"
	row "class of 100 ($mix), --jobs 1" "$(sec "$class_1")" "—"
	row "class of 100, --jobs $NPROC" "$(sec "$class_n") ($(ratio "$class_1" "$class_n")× faster)" "≤ 60 s"
	[ "$errors" = 0 ] || row "class rows with grader/setup errors" "$errors" "0"
} | tee -a "$B/bench.md"
