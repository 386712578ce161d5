# tests/batch — `grade --batch` (grader/mode/batch.c) and the results formats, with
# python3 -m pytest: a class of ~30 generated submissions (correct, faulty
# mutants, not compiling, hostile) graded with two jobs on kvmemu; rows equal
# single gradings; killed and resumed runs; PrairieLearn and Autolab outputs.

.PHONY: test-batch
test-batch: $(BUILD)/grade $(BUILD)/libkvmemu.so
	$(PYTEST) tests/batch

TEST_TARGETS += test-batch
