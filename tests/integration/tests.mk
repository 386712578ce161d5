# Integration tests of build/grade (python3 -m pytest): the reference, the
# skeleton, correct and faulty handlers on every usable backend.

.PHONY: test-integration
test-integration: $(BUILD)/grade
	/usr/bin/python3 -m pytest -q tests/integration
