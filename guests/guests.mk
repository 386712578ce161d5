# Assembles every scenario guests/cpu_lab/<name>.asm into
# $(BUILD)/cpu_lab/guests/<name>.bin. Randomized scenarios (header line
# `; random: yes`) get -DSEED=1 here; the grader assembles them with a fresh
# seed per grading run.

CPU_LAB_GUESTS := $(patsubst guests/cpu_lab/%.asm,$(BUILD)/cpu_lab/guests/%.bin,\
	$(wildcard guests/cpu_lab/*.asm))

$(BUILD)/cpu_lab/guests/%.bin: guests/cpu_lab/%.asm
	@mkdir -p $(@D)
	nasm -f bin -w+all $$(grep -qi '^; *random: *yes *$$' $< && echo -DSEED=1) -o $@ $<

ALL_TARGETS += $(CPU_LAB_GUESTS)
