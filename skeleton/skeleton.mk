# The lab's VMMs: the skeleton students start from and the reference
# solution, compiled exactly as the grader compiles a submission -- with the
# flags in labs/$(LAB)/lab.conf, the single source of truth for them (read by
# the grader: $(LAB_CFLAGS), $(LAB_LDFLAGS), $(LAB_SOURCE) from lab.mk).
# Also the lab's own tests (test-lab: tests/lab, cpu_lab's).

LAB_PROGRAM := $(basename $(LAB_SOURCE))
LAB_VMMS := $(if $(LAB_SOURCE),$(BUILD)/$(LAB)/skeleton/$(LAB_PROGRAM) $(BUILD)/$(LAB)/solution/$(LAB_PROGRAM))

ifneq ($(LAB_SOURCE),)
$(BUILD)/$(LAB)/skeleton/$(LAB_PROGRAM): skeleton/$(LAB)/$(LAB_SOURCE) labs/$(LAB)/lab.conf
	@mkdir -p $(@D)
	$(CC) $(LAB_CFLAGS) -o $@ $< $(LAB_LDFLAGS)

$(BUILD)/$(LAB)/solution/$(LAB_PROGRAM): solution/$(LAB)/$(LAB_SOURCE) labs/$(LAB)/lab.conf
	@mkdir -p $(@D)
	$(CC) $(LAB_CFLAGS) -o $@ $< $(LAB_LDFLAGS)
endif

ALL_TARGETS += $(LAB_VMMS)

# The lab's tests: splice rule, guests, reference pins, skeleton. (The
# mutants and the kill matrix are `make check-lab`'s: labs/labs.mk.)
# They use $(BUILD)/libkvmemu.so when it exists (emulated-only scenarios).
.PHONY: test-lab
test-lab: $(LAB_VMMS) $(LAB_GUESTS)
	$(PYTEST) tests/lab
TEST_TARGETS += test-lab
