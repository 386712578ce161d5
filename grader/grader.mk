# The `grade` program: grader/*.c and grader/sandbox/*.c → build/grade.
# It does not depend on build/libkvmemu.so: it looks for it at run time and
# says so when a scenario needs it and it is missing.

GRADER_SRCS := $(wildcard grader/*.c) $(wildcard grader/sandbox/*.c)
GRADER_HDRS := $(wildcard grader/*.h) $(wildcard grader/sandbox/*.h)
GRADER_OBJS := $(patsubst grader/%.c,$(BUILD)/grader/%.o,$(GRADER_SRCS))

$(BUILD)/grader/%.o: grader/%.c $(GRADER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -c -o $@ $<

$(BUILD)/grade: $(GRADER_OBJS)
	$(CC) $(KIT_CFLAGS) -o $@ $^

ALL_TARGETS += $(BUILD)/grade
