# scripts/dist.mk — packaging (DESIGN.md, "Users and their commands"):
#   make dist        $(BUILD)/dist/$(LAB)-student.tar.gz: the student kit, unpacks to $(LAB)/
#                    (skeleton, handout, `make check` on the public scenarios; scripts/mkdist)
#   make gradescope    $(BUILD)/gradescope/$(LAB)-autograder.zip     (scripts/mkbundle: one per
#   make prairielearn  $(BUILD)/prairielearn/$(LAB)/ (a question)     lab and platform, each the
#   make autolab       $(BUILD)/autolab/$(LAB)/{autograde-Makefile,   kit, the lab, its entry)
#                      autograde.tar}
#   All refuse a lab whose scenarios still hold the `make new-scenario` template's TODO
#   (scripts/scenario-todos names each file:line).
#   make test-dist   tests/dist and tests/gradescope (every archive, unpacked and used in a
#                    simulated platform layout)

DIST_TARBALL   := $(BUILD)/dist/$(LAB)-student.tar.gz

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

# One bundle per platform and lab, named by the lab: packaging a second lab leaves the first.
BUNDLE_SRCS := scripts/mkbundle $(DIST_KIT_SRCS) $(LAB_MK)
GRADESCOPE_ZIP    := $(BUILD)/gradescope/$(LAB)-autograder.zip
PRAIRIELEARN_DIR  := $(BUILD)/prairielearn/$(LAB)
AUTOLAB_DIR       := $(BUILD)/autolab/$(LAB)

$(GRADESCOPE_ZIP): $(BUNDLE_SRCS) $(wildcard scripts/gradescope/*)
	@mkdir -p $(@D)
	scripts/mkbundle gradescope $(call arg,LAB) $@ $(LAB_MK)
$(PRAIRIELEARN_DIR)/info.json: $(BUNDLE_SRCS) $(wildcard scripts/prairielearn/*)
	@mkdir -p $(dir $(@D))
	scripts/mkbundle prairielearn $(call arg,LAB) $(@D) $(LAB_MK)
$(AUTOLAB_DIR)/autograde.tar: $(BUNDLE_SRCS) $(wildcard scripts/autolab/*)
	@mkdir -p $(dir $(@D))
	scripts/mkbundle autolab $(call arg,LAB) $(@D) $(LAB_MK)

.PHONY: dist gradescope prairielearn autolab bundles test-dist
dist: $(DIST_TARBALL)
gradescope: $(GRADESCOPE_ZIP)
prairielearn: $(PRAIRIELEARN_DIR)/info.json
autolab: $(AUTOLAB_DIR)/autograde.tar
bundles: gradescope prairielearn autolab

# Each unpacked kit fetches Unicorn 2.1 where the system's is older: from this kit's verified
# download (scripts/fetch-unicorn checks the pinned sums either way), not the network each time.
test-dist: $(DIST_TARBALL) $(GRADESCOPE_ZIP) $(PRAIRIELEARN_DIR)/info.json $(AUTOLAB_DIR)/autograde.tar
	VIRTLAB_UNICORN_DEBS=$(abspath $(BUILD)/unicorn/apt/debs) $(PYTEST) tests/dist tests/gradescope
TEST_TARGETS += test-dist
