# tests/kvmemu/tests.mk - kvmemu's Check suite (the oracle: KVM facts checked
# on real /dev/kvm and on libkvmemu.so). Included by the top-level Makefile.
#
#   make test-kvmemu-real   the suite on real KVM (skips, saying so, without a usable /dev/kvm)
#   make test-kvmemu-emu    the suite under scripts/kvm-emu (knob tests included)
#   make test-kvmemu        both

KVMEMU_T       := $(BUILD)/tests/kvmemu
KVMEMU_T_SRC   := tests/kvmemu
# Tests are declared once, TEST(name) (tests/check_decl.h): the suites run in
# this link order; a new test needs no list edited, a new file only this one.
KVMEMU_T_TESTS := test_api test_pio test_exits test_mem test_lwn test_pmode test_paging test_cpu test_lm test_irqchip test_knobs
KVMEMU_T_OBJS  := $(patsubst %,$(KVMEMU_T)/%.o,check_kvmemu vmm $(KVMEMU_T_TESTS)) $(KVMEMU_T)/check_decl.o
KVMEMU_T_ASM   := $(wildcard $(KVMEMU_T_SRC)/guests/*.asm)
KVMEMU_T_BINS  := $(patsubst $(KVMEMU_T_SRC)/guests/%.asm,$(KVMEMU_T)/%.bin,$(KVMEMU_T_ASM))

# The interrupt devices alone (grader/kvmemu/irqchip.h), without Unicorn.
KVMEMU_DEV_SRC := pic ioapic lapic pit
KVMEMU_DEV_OBJS := $(patsubst %,$(KVMEMU_T)/dev/%.o,$(KVMEMU_DEV_SRC))

KVMEMU_T_ALL := $(KVMEMU_T)/check_kvmemu $(KVMEMU_T)/check_devices $(KVMEMU_T)/lwn-sample $(KVMEMU_T_BINS)
ALL_TARGETS  += $(KVMEMU_T_ALL)
# The real-KVM half must pass wherever /dev/kvm works and skips elsewhere.
# (test-kvmemu joins TEST_TARGETS once libkvmemu.so passes it.)
TEST_TARGETS += test-kvmemu

.PHONY: test-kvmemu test-kvmemu-real test-kvmemu-emu test-kvmemu-devices

$(KVMEMU_T)/%.o: $(KVMEMU_T_SRC)/%.c $(KVMEMU_T_SRC)/vmm.h $(KVMEMU_T_SRC)/tests.h tests/check_decl.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -Itests $(CHECK_CFLAGS) -c -o $@ $<

$(KVMEMU_T)/check_decl.o: tests/check_decl.c tests/check_decl.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(KVMEMU_T)/check_kvmemu: $(KVMEMU_T_OBJS)
	$(CC) $(KIT_CFLAGS) -o $@ $^ $(CHECK_LIBS)

$(KVMEMU_T)/dev/%.o: grader/kvmemu/%.c grader/kvmemu/irqchip.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -c -o $@ $<

$(KVMEMU_T)/test_devices.o: $(KVMEMU_T_SRC)/test_devices.c grader/kvmemu/irqchip.h tests/check_decl.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -Itests -Igrader/kvmemu $(CHECK_CFLAGS) -c -o $@ $<

$(KVMEMU_T)/check_devices: $(KVMEMU_T)/test_devices.o $(KVMEMU_T)/check_decl.o $(KVMEMU_DEV_OBJS)
	$(CC) $(KIT_CFLAGS) -o $@ $^ $(CHECK_LIBS)

$(KVMEMU_T)/lwn-sample: $(KVMEMU_T_SRC)/lwn-sample.c
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -o $@ $<

$(KVMEMU_T)/%.bin: $(KVMEMU_T_SRC)/guests/%.asm $(wildcard $(KVMEMU_T_SRC)/guests/*.inc)
	@mkdir -p $(@D)
	nasm -f bin -i $(KVMEMU_T_SRC)/guests/ -o $@ $<

# many_exits.asm is the exits bench's guest (bench/kvmemu/exits.asm), included.
$(KVMEMU_T)/many_exits.bin: bench/kvmemu/exits.asm

test-kvmemu-real: $(KVMEMU_T_ALL)
	VIRTLAB_BACKEND=kvm VIRTLAB_ROOT=$(CURDIR) $(KVMEMU_T)/check_kvmemu

test-kvmemu-emu: $(KVMEMU_T_ALL) $(BUILD)/libkvmemu.so
	VIRTLAB_BACKEND=emu VIRTLAB_ROOT=$(CURDIR) scripts/kvm-emu $(KVMEMU_T)/check_kvmemu

test-kvmemu-devices: $(KVMEMU_T)/check_devices
	$(KVMEMU_T)/check_devices

test-kvmemu: test-kvmemu-devices test-kvmemu-emu test-kvmemu-real
