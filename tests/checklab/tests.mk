# check-lab's tests (python3 -m pytest): grade --check-lab on temporary copies
# of the lab (a surviving mutant, a wrong pin, malformed files, a guest that
# never halts, the shipped lab), adding a scenario, make new-scenario.

.PHONY: test-checklab
test-checklab: $(BUILD)/grade $(BUILD)/libkvmemu.so
	$(PYTEST) tests/checklab
TEST_TARGETS += test-checklab
