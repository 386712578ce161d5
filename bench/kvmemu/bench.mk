# bench/kvmemu/bench.mk - `make bench-kvmemu` (included from grader/kvmemu/kvmemu.mk).
KVMEMU_BENCH := $(BUILD)/kvmemu-bench
BENCH_TARGETS += bench-kvmemu
.PHONY: bench-kvmemu

$(KVMEMU_BENCH)/vmm: bench/kvmemu/vmm.c
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -o $@ $<

$(KVMEMU_BENCH)/%.bin: bench/kvmemu/%.asm bench/kvmemu/lm.inc
	@mkdir -p $(@D)
	nasm -f bin -I bench/kvmemu/ -o $@ $<

$(KVMEMU_BENCH)/irqvmm: bench/kvmemu/irqvmm.c
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -o $@ $<

bench-kvmemu: $(BUILD)/libkvmemu.so $(KVMEMU_BENCH)/vmm $(KVMEMU_BENCH)/irqvmm $(patsubst bench/kvmemu/%.asm,$(KVMEMU_BENCH)/%.bin,$(wildcard bench/kvmemu/*.asm))
	bench/kvmemu/bench.sh $(BUILD)

# make boot-linux KVM_HOST=/path/to/kvm-host [KERNEL=bzImage]: Debian 12's cloud kernel
# and a busybox initramfs through sysprog21/kvm-host (built outside the repository) on
# kvmemu, into $(BUILD)/boot-linux (scripts/boot-linux). Minutes: not in make test; in
# make bench only with KVM_HOST given (its row: the boot's guest time, CPU and wall).
.PHONY: boot-linux bench-boot-linux
boot-linux: $(BUILD)/libkvmemu.so
	@test -n "$(KVM_HOST)" || { echo "make boot-linux: set KVM_HOST=/path/to/kvm-host" >&2; exit 2; }
	scripts/boot-linux $(call shquote,$(KVM_HOST)) $(BUILD)/boot-linux $(if $(KERNEL),$(call shquote,$(KERNEL)))

bench-boot-linux: boot-linux
	@{ echo; echo "## Linux boot on kvmemu (kvm-host, Debian 12's cloud kernel, busybox init)"; echo; \
	  echo "| measure | value |"; echo "|---|---|"; \
	  printf '| guest time at "Run /init as init process" | %s s |\n' \
	    "$$(tr -d '\r' < $(BUILD)/boot-linux/console.txt | sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p')"; \
	  printf '| wall and CPU to init'"'"'s first line | %s |\n' "$$(cat $(BUILD)/boot-linux/time.txt)"; \
	} | tee -a $(BUILD)/bench.md
ifneq ($(KVM_HOST),)
BENCH_TARGETS += bench-boot-linux
endif
