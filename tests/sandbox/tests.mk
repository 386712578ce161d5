# tests/sandbox — Check unit tests of box_run() (grader/sandbox/) and the
# sandbox benchmark.  test-sandbox runs the suite on both layers (bubblewrap
# and VIRTLAB_SANDBOX=fallback), and, when run as root, again as an
# unprivileged user (nobody) on both layers.

SANDBOX_TEST_BIN   := $(BUILD)/tests/sandbox/test_sandbox
SANDBOX_ATTACK_BIN := $(BUILD)/tests/sandbox/box_attack
SANDBOX_BENCH_BIN  := $(BUILD)/tests/sandbox/bench_sandbox
SANDBOX_NOBODY     := setpriv --reuid=65534 --regid=65534 --clear-groups

# The sandbox and the shared helpers it uses (grader/util/util.c), nothing else of the grader.
SANDBOX_SRCS := $(wildcard grader/sandbox/*.c) grader/util/util.c
SANDBOX_HDRS := grader/sandbox.h $(wildcard grader/sandbox/*.h) grader/util/util.h
SANDBOX_INC  := -Igrader -Igrader/sandbox -Igrader/util

# Tests are declared once, TEST(name) (tests/check_decl.h); check_decl.c runs them.
$(SANDBOX_TEST_BIN): tests/sandbox/test_sandbox.c tests/check_decl.c tests/check_decl.h \
		     $(SANDBOX_SRCS) $(SANDBOX_HDRS) $(SANDBOX_ATTACK_BIN)
	@mkdir -p $(dir $@)
	$(CC) $(KIT_CFLAGS) $(SANDBOX_INC) -Itests $(CHECK_CFLAGS) -o $@ tests/sandbox/test_sandbox.c \
		tests/check_decl.c $(SANDBOX_SRCS) $(CHECK_LIBS) -lpthread

# what a hostile program tries from inside the box (copied in as /box/attack)
$(SANDBOX_ATTACK_BIN): tests/sandbox/box_attack.c
	@mkdir -p $(dir $@)
	$(CC) $(KIT_CFLAGS) -o $@ $< -lpthread

$(SANDBOX_BENCH_BIN): tests/sandbox/bench_sandbox.c $(SANDBOX_SRCS) $(SANDBOX_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(KIT_CFLAGS) $(SANDBOX_INC) -o $@ tests/sandbox/bench_sandbox.c $(SANDBOX_SRCS)

.PHONY: test-sandbox bench-sandbox
test-sandbox: $(SANDBOX_TEST_BIN)
	$(SANDBOX_TEST_BIN)
	VIRTLAB_SANDBOX=fallback $(SANDBOX_TEST_BIN)
	@if [ "$$(id -u)" = 0 ] && command -v setpriv >/dev/null; then \
	  d=$$(mktemp -d /tmp/virtlab-sbtest.XXXXXX) && chmod 1777 $$d && \
	  cp $(SANDBOX_TEST_BIN) $(SANDBOX_ATTACK_BIN) $$d/ && chmod 755 $$d/test_sandbox $$d/box_attack && \
	  echo "== as nobody (bubblewrap)" && (cd $$d && SANDBOX_TEST_DIR=$$d $(SANDBOX_NOBODY) ./test_sandbox) && \
	  echo "== as nobody (fallback)" && (cd $$d && SANDBOX_TEST_DIR=$$d VIRTLAB_SANDBOX=fallback $(SANDBOX_NOBODY) ./test_sandbox); \
	  rc=$$?; rm -rf $$d; exit $$rc; \
	fi

bench-sandbox: $(SANDBOX_BENCH_BIN)
	@mkdir -p $(BUILD)
	$(SANDBOX_BENCH_BIN) $(BUILD)/cpu_lab/solution/sample-qemu $(BUILD)/cpu_lab/guests/hello.bin \
		$(abspath $(BUILD))/libkvmemu.so 2>&1 | grep -v "^virtlab:" | tee -a $(BUILD)/bench.md

TEST_TARGETS  += test-sandbox
BENCH_TARGETS += bench-sandbox
