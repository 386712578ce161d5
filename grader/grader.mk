# The `grade` program: every .c under grader/ and its subfolders (mode/,
# core/, report/, util/, sandbox/ ...) except grader/kvmemu/ (a library of
# its own) → $(BUILD)/grade. A new file or folder is picked up without an
# edit here. Headers are included by name ("util.h"): every source folder is
# on the include path.
# It does not depend on $(BUILD)/libkvmemu.so: it looks for it at run time and
# says so when a scenario needs it and it is missing.

GRADER_DIRS := $(patsubst %/,%,$(sort $(dir $(shell find grader -name '*.[ch]' -not -path 'grader/kvmemu/*'))))
GRADER_SRCS := $(shell find grader -name '*.c' -not -path 'grader/kvmemu/*' | LC_ALL=C sort)
GRADER_HDRS := $(shell find grader -name '*.h' -not -path 'grader/kvmemu/*')
GRADER_INC  := $(addprefix -I,$(GRADER_DIRS))
GRADER_OBJS := $(patsubst grader/%.c,$(BUILD)/grader/%.o,$(GRADER_SRCS))
# nettle: SHA-256 for the keys that decide whether work is redone (util.h)
GRADER_LIBS := -lnettle
# libcgroup (Debian's libcgroup-dev): a cgroup per box where one can be made
# (grader/sandbox/cgroup.c); built without it, no box gets a cgroup.
ifeq ($(shell pkg-config --exists libcgroup 2>/dev/null && echo yes),yes)
GRADER_LIBS += $(shell pkg-config --libs libcgroup)
GRADER_DEFS := -DVIRTLAB_HAVE_LIBCGROUP
endif

$(BUILD)/grader/%.o: grader/%.c $(GRADER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) $(GRADER_DEFS) $(GRADER_INC) -c -o $@ $<

$(BUILD)/grade: $(GRADER_OBJS)
	$(CC) $(KIT_CFLAGS) -o $@ $^ $(GRADER_LIBS)

ALL_TARGETS += $(BUILD)/grade
