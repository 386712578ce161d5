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

# User-given variables reach a program as exactly one argument, whatever
# their characters (`;`, a backtick, `$(...)`, quotes, blanks): $(call arg,VAR)
# is VAR's value single-quoted for the shell (each ' as '\''). A value typed
# by the user (command line or environment) is taken literally, never expanded
# by make ($(value)); a default set in a Makefile is expanded as usual.
uservar = $(if $(filter command line environment environment override override,$(origin $(1))),$(value $(1)),$($(1)))
shquote = '$(subst ','\'',$(1))'
arg     = $(call shquote,$(call uservar,$(1)))
# "--opt 'VALUE'" when VAR is set and not empty, else nothing.
optarg  = $(if $(call uservar,$(2)),$(1) $(call arg,$(2)))

# LAB also names folders and targets: only [A-Za-z0-9_-] (as grade --lab).
lab_chars   := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 _ -
strip_chars  = $(if $(2),$(call strip_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,999,$(2))),$(1))
ifneq ($(call strip_chars,$(call uservar,LAB),$(lab_chars)),)
$(error LAB must be a lab's name: letters, digits, _ and - only)
endif

ALL_TARGETS   :=
TEST_TARGETS  :=
BENCH_TARGETS :=

# Where the kit is and where its build goes, for every grade a fragment runs
# (grade finds its own kit only when it lives in <root>/build/).
KIT_OPTS = --root $(call shquote,$(CURDIR)) --build $(call arg,BUILD)
# The python harness takes both from the environment (tests/lab/labkit.py),
# the build dir as an absolute path (tests run commands from other folders).
# Without make's own variables: a suite's `make` (a student's Makefile, a copy of the kit) runs as
# typed in a shell, not as a job of this make (whose -j jobserver it can't join).
PYTEST = env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL VIRTLAB_BUILD=$(call shquote,$(abspath $(call uservar,BUILD))) VIRTLAB_LAB=$(call arg,LAB) \
	 /usr/bin/python3 -m pytest -q -p no:cacheprovider
# The Check library's flags, for every Check suite (tests/grader, tests/sandbox, tests/kvmemu).
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

.PHONY: all test bench clean deps deps-check grade grade-all
all: deps-check

include $(wildcard grader/kvmemu/kvmemu.mk)
include $(wildcard grader/grader.mk)
# What the fragments need of $(LAB) (LAB_SOURCE, LAB_CFLAGS, LAB_RANDOM, ...),
# as the grader reads lab.conf and the scenario headers: `grade --lab-info`
# into $(BUILD)/$(LAB)/lab.mk (made, then make restarts with it).
LAB_MK := $(BUILD)/$(LAB)/lab.mk
$(LAB_MK): $(BUILD)/grade labs/$(LAB)/lab.conf $(wildcard guests/$(LAB)/*.asm)
	@mkdir -p $(@D)
	@$(BUILD)/grade $(KIT_OPTS) --lab-info --lab $(call arg,LAB) > $@.tmp && mv $@.tmp $@ || \
	  { rm -f $@.tmp; echo "make: labs/$(LAB)/lab.conf or a scenario of guests/$(LAB)/ is invalid (above)" >&2; exit 2; }
# Not read by a make that only installs, then runs a sub-make (INSTALL_GOALS, below): on a fresh
# machine lab.mk can't be made before the compiler is installed; the sub-make reads it.
INSTALL_GOALS := grade grade-all test check-lab
ifeq ($(filter clean deps deps-check,$(MAKECMDGOALS)),)
ifneq ($(filter-out $(INSTALL_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(LAB_MK)
endif
endif
include $(wildcard guests/guests.mk)
include $(wildcard skeleton/skeleton.mk)
include $(wildcard tests/kvmemu/tests.mk)
include $(wildcard tests/kvmemu/diff/diff.mk)
include $(wildcard tests/grader/tests.mk)
include $(wildcard tests/integration/tests.mk)
include $(wildcard tests/sandbox/tests.mk)
include $(wildcard handout/handout.mk)
include $(wildcard scripts/dist.mk)
include $(wildcard labs/labs.mk)
include $(wildcard tests/checklab/tests.mk)
include $(wildcard tests/batch/tests.mk)
include $(wildcard tests/toylab/tests.mk)
include $(wildcard scripts/fresh.mk)
# Last: bench-start (it truncates build/bench.md) is ordered before every other benchmark.
include $(wildcard bench/bench.mk)

all: $(ALL_TARGETS)

# `make test` is what CI runs and what the README promises. On a fresh machine: install what the
# suites need (--handout: also chromium, fonts-noto-cjk, gdb; it says what it installs), then build
# and run every suite in a sub-make, which reads the lab.mk the installed tools can now make.
# The suites run TEST_JOBS at a time (default: one per core), each one's output kept together
# (-O), and every suite runs even after one failed (-k). Most of them drive one program at a time,
# and none depends on being alone: the kit's limits count CPU time, not wall-clock time (DESIGN.md
# "Budgets"), so a suite beside another is also the busy machine a TA grades on. TEST_JOBS=1 runs
# them one by one.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
.PHONY: test-suites
test:
	@scripts/install-deps --handout
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -k -j$(call arg,TEST_JOBS) -O test-suites
# make -j starts prerequisites left to right: the four longest suites first (4 to 13 minutes
# each in CI runs here, the others at most about 4), so that none of them is left running alone
# at the end, as test-dist was (it came eighth and ended last).
TEST_LONG := test-dist test-integration test-batch test-lab
TEST_ORDER = $(foreach t,$(TEST_LONG),$(filter $t,$(TEST_TARGETS))) $(filter-out $(TEST_LONG),$(TEST_TARGETS))
test-suites: all $(TEST_ORDER)
	@echo "make test: all suites passed ($(TEST_TARGETS))"

bench: all $(BENCH_TARGETS)

# Prints the one command that installs what is missing (never installs by itself
# here: `make grade` and .ci/run call scripts/install-deps explicitly).
deps-check:
	@scripts/install-deps --check

clean:
	rm -rf $(BUILD)

# --- Users' commands (DESIGN.md "Users and their commands") -------------------

# `make grade` on a fresh machine: install what is missing, then build and grade in a sub-make.
# Without SUBMISSION it grades the embedded default, the lab's reference solution, named by lab.mk:
# only the sub-make, started after the install, can make and read it.
SUBMISSION ?= $(LAB_SOLUTION)
BACKEND    ?= auto
# SCENARIO=name[,name]: only those scenarios (the score line then says it is partial).
GRADE_OPTS  = $(KIT_OPTS) --lab $(call arg,LAB) --backend $(call arg,BACKEND) $(call optarg,--json,JSON) \
	      $(call optarg,--format,FORMAT) $(call optarg,--scenario,SCENARIO)
.PHONY: grade-built
grade:
	@scripts/install-deps
	@$(MAKE) --no-print-directory grade-built
grade-built: all
	@$(if $(call uservar,SUBMISSION),,echo "make grade: no SUBMISSION, and no reference solution:" \
	   $(if $(wildcard labs/$(LAB)/lab.conf),$(call shquote,$(LAB_MK) is missing or names none),"no lab $(LAB) (labs/$(LAB)/lab.conf)") >&2; exit 2)
	@$(BUILD)/grade $(GRADE_OPTS) -- $(call arg,SUBMISSION)

# `make grade-all SUBMISSIONS=dir`: a class (a folder per student holding the
# lab's source, or STUDENT.c files) into the CSV gradebook $(CSV) and
# per-student results in $(CSV without .csv)-results/ (OUT= overrides), graded
# JOBS at a time (default: every core). Re-running resumes: a student is
# regraded when their submission's content (or the lab, or the options)
# changed. STUDENT=name[,name] regrades exactly those, FORCE=1 everyone.
# SCENARIO= is passed on, for grade --batch to refuse (a batch grades all).
CSV        ?= grades.csv
BATCH_OPTS  = $(KIT_OPTS) --lab $(call arg,LAB) --backend $(call arg,BACKEND) --csv $(call arg,CSV) \
	      $(call optarg,--jobs,JOBS) $(call optarg,--out,OUT) $(call optarg,--format,FORMAT) \
	      $(call optarg,--seed,SEED) $(call optarg,--student,STUDENT) $(call optarg,--scenario,SCENARIO) \
	      $(if $(filter 1,$(call uservar,FORCE)),--force)
grade-all:
	@$(if $(call uservar,SUBMISSIONS),,echo "usage: make grade-all SUBMISSIONS=dir [CSV=grades.csv] [JOBS=n] [FORMAT=...] [STUDENT=name] [FORCE=1]" >&2; exit 2)
	@$(if $(filter-out 0 1,$(call uservar,FORCE)),echo "make grade-all: FORCE must be 1 (regrade everyone) or 0" >&2; exit 2)
	@scripts/install-deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/grade --batch $(call arg,SUBMISSIONS) $(BATCH_OPTS)
