# tests/kvmemu/diff/diff.mk - the differential harness (README.md there):
# the same KVM client and long-mode guests on real KVM and on kvmemu.
#
#   make test-kvmemu-diff        the corpus + DIFF_SEEDS generated guests (in make test)
#   make fuzz-kvmemu N=n [FROM=s] n generated guests from seed s (default 1)
#   ORACLE=auto|kvm|qemu|none    where the oracle comes from (run.py)

DIFF_B      := $(BUILD)/tests/kvmemu/diff
DIFF_SRC    := tests/kvmemu/diff
DIFF_CORPUS := $(patsubst $(DIFF_SRC)/corpus/%.asm,$(DIFF_B)/corpus/%.bin,$(wildcard $(DIFF_SRC)/corpus/*.asm))
# The I/O client's cases (iovmm.c): interrupts, irqchips, two vCPUs; and SeaBIOS when installed.
DIFF_IO     := $(patsubst $(DIFF_SRC)/corpus-io/%.asm,$(DIFF_B)/io/%.bin,$(wildcard $(DIFF_SRC)/corpus-io/*.asm))
SEABIOS     ?= /usr/share/seabios/bios.bin
# A thousand seeds: about 4 minutes on 2 cores from a cold oracle cache (QEMU boots once for all).
DIFF_SEEDS  ?= 1000
ORACLE      ?= auto
# The oracle's kernel: Debian's, unpacked (never installed) under the build dir.
ORACLE_KERNEL := $(BUILD)/oracle-kernel
DIFF_RUN     = VIRTLAB_ORACLE_KERNEL=$(call shquote,$(abspath $(ORACLE_KERNEL))) /usr/bin/python3 $(DIFF_SRC)/run.py --bindir $(call shquote,$(abspath $(DIFF_B))) \
	       --root $(call shquote,$(CURDIR)) --oracle $(call arg,ORACLE)

ALL_TARGETS  += $(DIFF_B)/diffvmm $(DIFF_B)/diffvmm-static $(DIFF_CORPUS) $(DIFF_B)/iovmm $(DIFF_B)/iovmm-static $(DIFF_IO)
TEST_TARGETS += test-kvmemu-diff
.PHONY: test-kvmemu-diff fuzz-kvmemu

$(DIFF_B)/diffvmm: $(DIFF_SRC)/diffvmm.c $(DIFF_SRC)/client.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -o $@ $<

# The oracle's copy runs inside a minimal initramfs (oracle.py): static.
$(DIFF_B)/diffvmm-static: $(DIFF_SRC)/diffvmm.c $(DIFF_SRC)/client.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -static -o $@ $<

$(DIFF_B)/iovmm: $(DIFF_SRC)/iovmm.c $(DIFF_SRC)/client.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -pthread -o $@ $<

$(DIFF_B)/iovmm-static: $(DIFF_SRC)/iovmm.c $(DIFF_SRC)/client.h
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -pthread -static -o $@ $<

$(DIFF_B)/io/%.bin: $(DIFF_SRC)/corpus-io/%.asm $(DIFF_SRC)/io.inc
	@mkdir -p $(@D)
	nasm -f bin -I $(DIFF_SRC)/ -o $@ $<

$(DIFF_B)/corpus/%.bin: $(DIFF_SRC)/corpus/%.asm $(DIFF_SRC)/machine.inc
	@mkdir -p $(@D)
	nasm -f bin -I $(DIFF_SRC)/ -o $@ $<

$(ORACLE_KERNEL)/.fetched: scripts/fetch-oracle-kernel
	scripts/fetch-oracle-kernel $(call shquote,$(ORACLE_KERNEL)) && touch $@

test-kvmemu-diff: $(DIFF_B)/diffvmm $(DIFF_B)/diffvmm-static $(DIFF_CORPUS) $(BUILD)/libkvmemu.so $(ORACLE_KERNEL)/.fetched \
		$(DIFF_B)/iovmm $(DIFF_B)/iovmm-static $(DIFF_IO)
	$(PYTEST) $(DIFF_SRC)/test_compare.py
	@rm -rf $(DIFF_B)/gen && /usr/bin/python3 $(DIFF_SRC)/gen.py --out $(DIFF_B)/gen --from 1 --count $(call arg,DIFF_SEEDS)
	$(DIFF_RUN) $(DIFF_CORPUS) $(DIFF_B)/gen/*.bin
	@rm -f $(DIFF_B)/io/seabios.bin; if [ -f $(call shquote,$(SEABIOS)) ]; then cp $(call shquote,$(SEABIOS)) $(DIFF_B)/io/seabios.bin; \
	 else echo "test-kvmemu-io: SKIP SeaBIOS: no $(SEABIOS) (apt-get install seabios)"; fi
	$(DIFF_RUN) --client iovmm --known $(DIFF_SRC)/known-io.txt --label test-kvmemu-io $(DIFF_IO) $$(ls $(DIFF_B)/io/seabios.bin 2>/dev/null)

N    ?= 1000
FROM ?= 1
fuzz-kvmemu: $(DIFF_B)/diffvmm $(DIFF_B)/diffvmm-static $(BUILD)/libkvmemu.so $(ORACLE_KERNEL)/.fetched
	@rm -rf $(DIFF_B)/fuzz && /usr/bin/python3 $(DIFF_SRC)/gen.py --out $(DIFF_B)/fuzz --from $(call arg,FROM) --count $(call arg,N)
	$(DIFF_RUN) --label fuzz-kvmemu $(DIFF_B)/fuzz/*.bin
