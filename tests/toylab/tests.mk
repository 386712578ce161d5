# tests/toylab — a lab is data: a copy of the kit (git ls-files) gets a toy
# second lab purely as files (tests/toylab/toy/: cpu_lab's VMM on port 0x2f8
# with upper-case output, three guests, two mutants, lab.conf, a handout), and
# `make grade LAB=toy`, `make check-lab LAB=toy`, `make dist LAB=toy` work on
# it; `make BUILD=<elsewhere> grade` builds and grades outside build/; `make new-lab`
# (test_new_lab.py) makes labs from cpu_lab and mem_lab that grade, check and dist as made.
# The copy takes Unicorn 2.1 from this kit's verified download (scripts/fetch-unicorn).

.PHONY: test-toylab
test-toylab: $(BUILD)/grade $(BUILD)/libkvmemu.so
	VIRTLAB_UNICORN_DEBS=$(abspath $(BUILD)/unicorn/apt/debs) $(PYTEST) tests/toylab

TEST_TARGETS += test-toylab
