#!/bin/sh
# tests/run.sh — PrairieLearn's external-grader entrypoint for the @LAB@ question (info.json's
# externalGradingOptions.entrypoint). PrairieLearn mounts the question's tests/ at /grade/tests
# and the student's files at /grade/student, and reads /grade/results/results.json (which it
# doesn't create). The grader writes that file itself (--format prairielearn): score in 0..1,
# "gradable": false when the submission didn't compile or a grader error kept a scenario from
# being graded. Which file of /grade/student is graded is the grader's one rule for every
# platform and grade --batch (grader/core/locate.h).
# The kit: the image's prebuilt /virtlab (Dockerfile beside info.json), else tests/kit, built
# here. PL_GRADE_ROOT (default /grade) and VIRTLAB_KIT move both, for a test outside a container.
set -u

root=${PL_GRADE_ROOT:-/grade}
lab=@LAB@
results=$root/results
json=$results/results.json
mkdir -p "$results"

# No results from the grader: not the student's doing, so not gradable (no attempt used).
not_gradable() {
	echo "run.sh: $1" >&2
	printf '{"gradable": false, "score": 0, "format_errors": ["grader error: %s (not your fault: tell the course staff)"]}\n' \
		"$1" > "$json"
	exit 0
}

kit=${VIRTLAB_KIT:-/virtlab}
[ -x "$kit/build/grade" ] || kit=$root/tests/kit
[ -f "$kit/Makefile" ] || not_gradable "no grading kit in $kit"
if [ ! -x "$kit/build/grade" ] || [ ! -f "$kit/build/libkvmemu.so" ]; then
	make --no-print-directory -j"$(nproc 2>/dev/null || echo 1)" -C "$kit" build/grade build/libkvmemu.so >"$results/build.log" 2>&1 ||
		not_gradable "building the grading kit failed (see results/build.log)"
fi

rm -f "$json"
rc=0
"$kit/build/grade" --root "$kit" --lab "$lab" --format prairielearn --json "$json" "$root/student" || rc=$?
[ -f "$json" ] || not_gradable "the grader wrote no results (exit status $rc)"
exit 0
