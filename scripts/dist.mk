# scripts/dist.mk — packaging (DESIGN.md, "Users and their commands"):
#   make dist        $(BUILD)/dist/$(LAB)-student.tar.gz: the student kit, unpacks to $(LAB)/
#                    (skeleton, handout, `make check` on the public scenarios; scripts/mkdist)
#   make gradescope  $(BUILD)/gradescope/autograder.zip (scripts/mkgradescope)
#   Both refuse a lab whose scenarios still hold the `make new-scenario` template's TODO
#   (scripts/scenario-todos names each file:line).
#   make test-dist   tests/dist and tests/gradescope (both archives, unpacked and used)

DIST_TARBALL   := $(BUILD)/dist/$(LAB)-student.tar.gz
GRADESCOPE_ZIP := $(BUILD)/gradescope/autograder.zip

# Everything either archive is made of; the expectations need the built grader and kvmemu.
DIST_KIT_SRCS := Makefile $(shell find grader -name '*.[ch]' -o -name '*.mk') \
	$(shell find grader/kvmemu -type f ! -name '*.o' ! -name '*.so' 2>/dev/null) \
	$(wildcard guests/$(LAB)/*.asm guests/$(LAB)/*.inc) labs/$(LAB)/lab.conf $(wildcard labs/$(LAB)/diagnoses) $(LAB_SOLUTION) \
	$(wildcard scripts/kvm-emu scripts/install-deps scripts/fetch-unicorn scripts/unicorn.sha256) scripts/scenario-todos \
	$(wildcard labs/scenario.asm.in labs/$(LAB)/scenario.asm.in)

$(DIST_TARBALL): scripts/mkdist $(wildcard scripts/dist/*) $(DIST_KIT_SRCS) \
		$(LAB_SKELETON) skeleton/$(LAB)/Makefile $(wildcard skeleton/$(LAB)/README.md) $(LAB_MK) \
		handout/$(LAB)/en.md handout/$(LAB)/zh.md \
		$(BUILD)/handout/$(LAB)-en.html $(BUILD)/handout/$(LAB)-zh.html \
		$(BUILD)/grade $(BUILD)/libkvmemu.so
	scripts/mkdist $(call arg,LAB) $(BUILD) $@

# One zip, for the lab packaged last: remade when LAB differs from that one's (the stamp
# holds its name and changes only then).
GRADESCOPE_LAB := $(BUILD)/gradescope/lab
$(GRADESCOPE_LAB): dist-lab-changed
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = $(call arg,LAB) ] || echo $(call arg,LAB) > $@
.PHONY: dist-lab-changed
dist-lab-changed:

$(GRADESCOPE_ZIP): scripts/mkgradescope $(wildcard scripts/gradescope/*) $(DIST_KIT_SRCS) $(LAB_MK) $(GRADESCOPE_LAB)
	scripts/mkgradescope $(call arg,LAB) $@ $(LAB_MK)

.PHONY: dist gradescope test-dist
dist: $(DIST_TARBALL)
gradescope: $(GRADESCOPE_ZIP)

# Each unpacked kit fetches Unicorn 2.1 where the system's is older: from this kit's verified
# download (scripts/fetch-unicorn checks the pinned sums either way), not the network each time.
test-dist: $(DIST_TARBALL) $(GRADESCOPE_ZIP)
	VIRTLAB_UNICORN_DEBS=$(abspath $(BUILD)/unicorn/apt/debs) $(PYTEST) tests/dist tests/gradescope
TEST_TARGETS += test-dist
