# The CPU lab's VMMs: the skeleton students start from and the reference
# solution, compiled exactly as the grader compiles a submission -- with the
# flags in labs/cpu_lab/lab.conf, the single source of truth for them.
# Also the lab's own tests (test-lab).

CPU_LAB_CONF := labs/cpu_lab/lab.conf
# `key = value` of lab.conf, comment and surrounding blanks removed.
cpu_lab_conf = $(shell sed -n -e 's/[[:space:]]*\#.*//' \
	-e 's/^[[:space:]]*$(1)[[:space:]]*=[[:space:]]*//p' $(CPU_LAB_CONF))
CPU_LAB_CFLAGS  := $(call cpu_lab_conf,cflags)
CPU_LAB_LDFLAGS := $(call cpu_lab_conf,ldflags)

CPU_LAB_VMMS := $(BUILD)/cpu_lab/skeleton/sample-qemu $(BUILD)/cpu_lab/solution/sample-qemu

$(BUILD)/cpu_lab/skeleton/sample-qemu: skeleton/cpu_lab/sample-qemu.c $(CPU_LAB_CONF)
	@mkdir -p $(@D)
	$(CC) $(CPU_LAB_CFLAGS) -o $@ $< $(CPU_LAB_LDFLAGS)

$(BUILD)/cpu_lab/solution/sample-qemu: solution/cpu_lab/sample-qemu.c $(CPU_LAB_CONF)
	@mkdir -p $(@D)
	$(CC) $(CPU_LAB_CFLAGS) -o $@ $< $(CPU_LAB_LDFLAGS)

ALL_TARGETS += $(CPU_LAB_VMMS)

# The lab's tests: splice rule, guests, reference pins, skeleton. (The
# mutants and the kill matrix are `make check-lab`'s: labs/labs.mk.)
# They use $(BUILD)/libkvmemu.so when it exists (emulated-only scenarios).
.PHONY: test-lab
test-lab: $(CPU_LAB_VMMS) $(CPU_LAB_GUESTS)
	VIRTLAB_BUILD=$(BUILD) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/lab
TEST_TARGETS += test-lab
