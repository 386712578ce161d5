# Integration tests of build/grade (python3 -m pytest): the reference, the
# skeleton, correct and faulty handlers on every usable backend (kvm when
# /dev/kvm works, emu when build/libkvmemu.so is built; each skips saying why).

.PHONY: test-integration
test-integration: $(BUILD)/grade
	$(PYTEST) tests/integration

TEST_TARGETS += test-integration
