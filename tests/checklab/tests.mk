# check-lab's tests (python3 -m pytest): grade --check-lab on temporary copies
# of the lab (a surviving mutant, a wrong pin, malformed files, a guest that
# never halts, the shipped lab), adding a scenario, make new-scenario.

.PHONY: test-checklab
test-checklab: $(BUILD)/grade $(BUILD)/libkvmemu.so
	VIRTLAB_BUILD=$(BUILD) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/checklab
TEST_TARGETS += test-checklab
