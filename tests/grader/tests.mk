# The grader's Check suite: tests/grader/*.c linked with the grader's objects
# (all but main.o). Needs nasm and /usr/bin/python3 (JSON validity). Tests are
# declared once, TEST(name) (tests/check_decl.h): a new file or test needs no
# list edited.

GRADER_TEST_SRCS := $(wildcard tests/grader/*.c)
GRADER_LIB_OBJS  := $(filter-out $(BUILD)/grader/main.o,$(GRADER_OBJS))

$(BUILD)/tests/grader/check_grader: $(GRADER_TEST_SRCS) tests/check_decl.c tests/check_decl.h $(GRADER_LIB_OBJS) $(GRADER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) $(GRADER_INC) -Itests $(CHECK_CFLAGS) -o $@ $(GRADER_TEST_SRCS) tests/check_decl.c \
		$(GRADER_LIB_OBJS) $(GRADER_LIBS) $(CHECK_LIBS)

.PHONY: test-grader
test-grader: $(BUILD)/tests/grader/check_grader
	$(BUILD)/tests/grader/check_grader
TEST_TARGETS += test-grader
