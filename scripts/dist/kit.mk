# kit/Makefile — builds the self-check tools of the student kit:
#   build/grade          the grader (the same program the TAs and the autograder use)
#   build/libkvmemu.so   kvmemu, the software /dev/kvm
# with the kit's own Makefile fragments, unchanged. Run from the folder above:
# `make check` and `./kvm-emu` build what they need.

BUILD    := build
CC       ?= cc
# The kit's flags without -Werror: a newer compiler's new warning must not stop a self-check.
KIT_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -D_GNU_SOURCE

ALL_TARGETS   :=
TEST_TARGETS  :=
BENCH_TARGETS :=

.PHONY: kit grade kvmemu
kit: grade kvmemu

include grader/grader.mk
include $(wildcard grader/kvmemu/kvmemu.mk)

grade: $(BUILD)/grade
kvmemu: $(BUILD)/libkvmemu.so
