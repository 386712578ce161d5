# virtlab — top-level Makefile.
#
# Each component owns a fragment (*.mk) that appends to the lists below, so
# adding a component never means editing this file's rules. Everything built
# lands in $(BUILD)/.

BUILD    ?= build
CC       ?= cc
# Kit code: C11, warnings are errors (students' code uses labs/<lab>/lab.conf).
KIT_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
LAB      ?= cpu_lab

ALL_TARGETS   :=
TEST_TARGETS  :=
BENCH_TARGETS :=

.PHONY: all test bench clean deps deps-check grade grade-all
all: deps-check

include $(wildcard grader/kvmemu/kvmemu.mk)
include $(wildcard grader/grader.mk)
include $(wildcard guests/guests.mk)
include $(wildcard skeleton/skeleton.mk)
include $(wildcard tests/kvmemu/tests.mk)
include $(wildcard tests/grader/tests.mk)
include $(wildcard tests/integration/tests.mk)
include $(wildcard tests/sandbox/tests.mk)
include $(wildcard handout/handout.mk)
include $(wildcard scripts/dist.mk)
include $(wildcard labs/labs.mk)
include $(wildcard tests/checklab/tests.mk)
include $(wildcard tests/batch/tests.mk)
# Last: bench-start (it truncates build/bench.md) is ordered before every other benchmark.
include $(wildcard bench/bench.mk)

all: $(ALL_TARGETS)

# `make test` is what CI runs and what the README promises.
test: all $(TEST_TARGETS)
	@echo "make test: all suites passed ($(TEST_TARGETS))"

bench: all $(BENCH_TARGETS)

# Prints the one command that installs what is missing (never installs by itself
# here: `make grade` and .ci/run call scripts/install-deps explicitly).
deps-check:
	@scripts/install-deps --check

clean:
	rm -rf $(BUILD)

# --- Users' commands (DESIGN.md "Users and their commands") -------------------

# `make grade` on a fresh machine: install what is missing, build, grade.
# Without SUBMISSION it grades the embedded default, the reference solution.
SUBMISSION ?= solution/$(LAB)/sample-qemu.c
BACKEND    ?= auto
GRADE_OPTS  = --lab $(LAB) --backend $(BACKEND) $(if $(JSON),--json $(JSON)) $(if $(FORMAT),--format $(FORMAT))
grade:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/grade $(GRADE_OPTS) $(SUBMISSION)

# `make grade-all SUBMISSIONS=dir`: a class (a folder per student holding the
# lab's source, or STUDENT.c files) into the CSV gradebook $(CSV) and
# per-student results in $(CSV without .csv)-results/ (OUT= overrides), graded
# JOBS at a time (default: every core). Re-running resumes.
CSV        ?= grades.csv
BATCH_OPTS  = --lab $(LAB) --backend $(BACKEND) --csv $(CSV) $(if $(JOBS),--jobs $(JOBS)) \
	      $(if $(OUT),--out $(OUT)) $(if $(FORMAT),--format $(FORMAT)) $(if $(SEED),--seed $(SEED))
grade-all:
	@$(if $(SUBMISSIONS),,echo "usage: make grade-all SUBMISSIONS=dir [CSV=grades.csv] [JOBS=n] [FORMAT=...]" >&2; exit 2)
	@scripts/install-deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/grade --batch $(SUBMISSIONS) $(BATCH_OPTS)
