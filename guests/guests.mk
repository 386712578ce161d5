# Assembles every scenario guests/$(LAB)/<name>.asm into
# $(BUILD)/$(LAB)/guests/<name>.bin. Randomized scenarios ($(LAB_RANDOM), from
# `grade --lab-info`: the header's `; random: yes`) get -DSEED=1 here; the
# grader assembles them with a fresh seed per grading run. The includes beside
# the scenarios (guests/$(LAB)/*.inc, e.g. serial.inc) are on nasm's include
# path, and every image depends on all of them (as the grader's image cache does).

LAB_GUESTS := $(patsubst guests/$(LAB)/%.asm,$(BUILD)/$(LAB)/guests/%.bin,\
	$(wildcard guests/$(LAB)/*.asm))
LAB_GUEST_INCS := $(wildcard guests/$(LAB)/*.inc)

$(BUILD)/$(LAB)/guests/%.bin: guests/$(LAB)/%.asm $(LAB_GUEST_INCS)
	@mkdir -p $(@D)
	nasm -f bin -w+all -I guests/$(LAB)/ $(if $(filter $*,$(LAB_RANDOM)),-DSEED=1) -o $@ $<

ALL_TARGETS += $(LAB_GUESTS)
