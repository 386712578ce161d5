# The `grade` program: grader/*.c (sandbox.c included) → build/grade.
# It does not depend on build/libkvmemu.so: it looks for it at run time and
# says so when a scenario needs it and it is missing.

GRADER_SRCS := $(wildcard grader/*.c)
GRADER_HDRS := $(wildcard grader/*.h)
GRADER_OBJS := $(patsubst grader/%.c,$(BUILD)/grader/%.o,$(GRADER_SRCS))

$(BUILD)/grader/%.o: grader/%.c $(GRADER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -c -o $@ $<

$(BUILD)/grade: $(GRADER_OBJS)
	$(CC) $(KIT_CFLAGS) -o $@ $^

ALL_TARGETS += $(BUILD)/grade
