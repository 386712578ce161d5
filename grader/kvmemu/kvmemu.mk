# grader/kvmemu/kvmemu.mk - libkvmemu.so, the software /dev/kvm (LD_PRELOAD).
# Included by the top-level Makefile. libunicorn is dlopen'ed at run time
# (ucapi.c), so it is not linked: only its headers are needed here.

KVMEMU_SRC  := $(wildcard grader/kvmemu/*.c)
KVMEMU_OBJS := $(patsubst grader/kvmemu/%.c,$(BUILD)/kvmemu/%.o,$(KVMEMU_SRC))
KVMEMU_LIB  := $(BUILD)/libkvmemu.so

ALL_TARGETS += $(KVMEMU_LIB)

$(BUILD)/kvmemu/%.o: grader/kvmemu/%.c grader/kvmemu/kvmemu.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -fPIC -c -o $@ $<

$(KVMEMU_LIB): $(KVMEMU_OBJS)
	$(CC) -shared -o $@ $^ -ldl -lpthread

include $(wildcard bench/kvmemu/bench.mk)
