# grader/kvmemu/kvmemu.mk - libkvmemu.so, the software /dev/kvm (LD_PRELOAD).
# Included by the top-level Makefile. libunicorn is dlopen'ed at run time
# (ucapi.c), so it is not linked: only its headers are needed here.
#
# Unicorn >= 2.1 is required. scripts/fetch-unicorn (a no-op when the system's
# pkg-config unicorn is >= 2.1) unpacks Debian 13's packages under
# $(BUILD)/unicorn/root otherwise; $(BUILD)/unicorn/cflags then points the
# compiler at those headers, and $(BUILD)/libunicorn.so.2 (a link to that
# library, next to libkvmemu.so) is what libkvmemu.so loads first.

KVMEMU_SRC  := $(wildcard grader/kvmemu/*.c)
KVMEMU_OBJS := $(patsubst grader/kvmemu/%.c,$(BUILD)/kvmemu/%.o,$(KVMEMU_SRC))
KVMEMU_LIB  := $(BUILD)/libkvmemu.so
KVMEMU_UC   := $(BUILD)/unicorn/cflags

ALL_TARGETS += $(KVMEMU_LIB)

# Runs every time (cheap when nothing is to fetch); rewrites the flags only when they change.
.PHONY: kvmemu-unicorn
kvmemu-unicorn:
	@scripts/fetch-unicorn --into $(BUILD)/unicorn
	@mkdir -p $(BUILD)/unicorn
	@inc=$$(ls -d $(BUILD)/unicorn/root/usr/include 2>/dev/null); \
	so=$$(ls $(BUILD)/unicorn/root/usr/lib/*/libunicorn.so.2 2>/dev/null | head -n 1); \
	if [ -n "$$inc" ] && [ -n "$$so" ]; then \
		flags="-I$$inc"; ln -sfn "$${so#$(BUILD)/}" $(BUILD)/libunicorn.so.2; \
	else flags=""; rm -f $(BUILD)/libunicorn.so.2; fi; \
	[ -f $(KVMEMU_UC) ] && [ "$$(cat $(KVMEMU_UC))" = "$$flags" ] || echo "$$flags" > $(KVMEMU_UC)

$(KVMEMU_UC): kvmemu-unicorn ;

$(BUILD)/kvmemu/%.o: grader/kvmemu/%.c grader/kvmemu/kvmemu.h $(KVMEMU_UC)
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) $$(cat $(KVMEMU_UC)) -fPIC -c -o $@ $<

$(KVMEMU_LIB): $(KVMEMU_OBJS)
	$(CC) -shared -Wl,-z,defs -o $@ $^ -ldl -lpthread

include $(wildcard bench/kvmemu/bench.mk)
