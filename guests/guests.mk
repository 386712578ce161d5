# Assembles every scenario guests/cpu_lab/<name>.asm into
# $(BUILD)/cpu_lab/guests/<name>.bin. Randomized scenarios (header line
# `; random: yes`) get -DSEED=1 here; the grader assembles them with a fresh
# seed per grading run. The includes beside the scenarios (guests/cpu_lab/*.inc,
# e.g. serial.inc) are on nasm's include path, and every image depends on all
# of them (as the grader's image cache does).

CPU_LAB_GUESTS := $(patsubst guests/cpu_lab/%.asm,$(BUILD)/cpu_lab/guests/%.bin,\
	$(wildcard guests/cpu_lab/*.asm))
CPU_LAB_GUEST_INCS := $(wildcard guests/cpu_lab/*.inc)

$(BUILD)/cpu_lab/guests/%.bin: guests/cpu_lab/%.asm $(CPU_LAB_GUEST_INCS)
	@mkdir -p $(@D)
	nasm -f bin -w+all -I guests/cpu_lab/ $$(grep -qi '^; *random: *yes *$$' $< && echo -DSEED=1) -o $@ $<

ALL_TARGETS += $(CPU_LAB_GUESTS)
