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
	$(CC) $(KIT_CFLAGS) $(GRADER_DEFS) $(SANDBOX_INC) -Itests $(CHECK_CFLAGS) -o $@ tests/sandbox/test_sandbox.c \
		tests/check_decl.c $(SANDBOX_SRCS) $(CHECK_LIBS) $(GRADER_LIBS) -lpthread

# what a hostile program tries from inside the box (copied in as /box/attack)
$(SANDBOX_ATTACK_BIN): tests/sandbox/box_attack.c
	@mkdir -p $(dir $@)
	$(CC) $(KIT_CFLAGS) -o $@ $< -lpthread

$(SANDBOX_BENCH_BIN): tests/sandbox/bench_sandbox.c $(SANDBOX_SRCS) $(SANDBOX_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(KIT_CFLAGS) $(GRADER_DEFS) $(SANDBOX_INC) -o $@ tests/sandbox/bench_sandbox.c $(SANDBOX_SRCS) $(GRADER_LIBS)

.PHONY: test-sandbox bench-sandbox
# Every run works in a copy in /tmp, never in the clone: the box's uid (and nobody) must reach
# the work dir and the files bound in place, and the clone may be where they can't (/root, 0700).
test-sandbox: $(SANDBOX_TEST_BIN)
	@d=$$(mktemp -d /tmp/virtlab-sbtest.XXXXXX) && chmod 1777 $$d && \
	cp $(SANDBOX_TEST_BIN) $(SANDBOX_ATTACK_BIN) $$d/ && chmod 755 $$d/test_sandbox $$d/box_attack && cd $$d && \
	echo "== bubblewrap (in $$d)" && SANDBOX_TEST_DIR=$$d ./test_sandbox && \
	echo "== fallback" && SANDBOX_TEST_DIR=$$d VIRTLAB_SANDBOX=fallback ./test_sandbox && \
	if [ "$$(id -u)" = 0 ] && command -v setpriv >/dev/null; then \
	  echo "== as nobody (bubblewrap)" && SANDBOX_TEST_DIR=$$d $(SANDBOX_NOBODY) ./test_sandbox && \
	  echo "== as nobody (fallback)" && SANDBOX_TEST_DIR=$$d VIRTLAB_SANDBOX=fallback $(SANDBOX_NOBODY) ./test_sandbox; \
	fi; rc=$$?; rm -rf $$d; exit $$rc

bench-sandbox: $(SANDBOX_BENCH_BIN)
	@mkdir -p $(BUILD)
	$(SANDBOX_BENCH_BIN) $(BUILD)/cpu_lab/solution/sample-qemu $(BUILD)/cpu_lab/guests/hello.bin \
		$(abspath $(BUILD))/libkvmemu.so 2>&1 | grep -v "^virtlab:" | tee -a $(BUILD)/bench.md

TEST_TARGETS  += test-sandbox
BENCH_TARGETS += bench-sandbox

# Not in make test (minutes: QEMU without KVM): the cgroup layer on a real cgroup v2 hierarchy
# with every controller, which this machine's v1/v2 hybrid can't give.  Boots Debian 12's kernel
# (/boot) with the host's userland over 9p and runs test_sandbox's cgroup tests on both layers
# and a grade there (tests/sandbox/cgroup2-vm.sh); skips saying why without QEMU, the kernel or
# busybox-static.
.PHONY: test-cgroup2
test-cgroup2: all $(SANDBOX_TEST_BIN)
	@tests/sandbox/cgroup2-vm.sh $(BUILD) .
