#!/bin/sh
# setup.sh — Gradescope runs it once, as root, when it builds the autograder image: installs
# the Debian packages grading needs (scripts/install-deps --grading, with apt-get), builds the grader and
# kvmemu, and proves the image by grading the reference solution (full marks or no image).
# AUTOGRADER_ROOT (default /autograder) is where Gradescope's source/ is.
set -eu

die() { echo "setup.sh: $*" >&2; exit 1; }

root=${AUTOGRADER_ROOT:-/autograder}
src=$root/source
[ -f "$src/scripts/install-deps" ] || die "no kit in $src (AUTOGRADER_ROOT=$root)"
cd "$src"
lab=@LAB@

scripts/install-deps --grading || die "installing the Debian packages failed"
# Unicorn >= 2.1 for kvmemu, fetched now (image build): grading runs with no network.
scripts/fetch-unicorn || die "fetching Unicorn 2.1 (scripts/fetch-unicorn) failed"
make --no-print-directory -j"$(nproc 2>/dev/null || echo 1)" build/grade build/libkvmemu.so || die "building the grader and kvmemu failed"
# The reference and the hidden guests the grader's alone: the box runs under another uid, and
# where neither bubblewrap nor Landlock works (Docker) only these modes keep it out.
chmod -R go-rwx solution guests labs

# Warms the cache (the reference binary, the guests) and checks the whole chain.
report=$(build/grade --root "$src" --lab "$lab" "solution/$lab/@SOURCE@") || {
	printf '%s\n' "$report"
	die "grading the reference solution failed"
}
printf '%s\n' "$report"
score=$(printf '%s\n' "$report" | tail -n 1)
score=${score#Score: }
[ "${score%/*}" = "${score#*/}" ] || die "the reference solution scores $score, not full marks"
echo "setup.sh: ready ($lab, reference $score)"
