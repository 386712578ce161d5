# The lab as a whole (grader/mode/checklab.c, guests/README.md):
#   make check-lab                 prove the scenario suite: every scenario file is
#                                  valid, the reference passes all and meets the pins,
#                                  the skeleton scores 0, every mutant is killed;
#                                  prints the kill matrix. Part of `make test`.
#                                  BACKEND=kvm|emu|auto checks one backend only
#                                  (default: every usable one); JOBS=n workers.
#                                  Warns about a scenario still holding the template's
#                                  TODO (scripts/scenario-todos; make dist refuses it).
#   make new-scenario NAME=foo     guests/$(LAB)/foo.asm from labs/$(LAB)/scenario.asm.in
#                                  when the lab has one, else labs/scenario.asm.in
#   make mutate                    mutants generated from the reference's student code
#                                  (grader/mode/checklab_mutate.c: delete a statement,
#                                  negate/drop a condition, off by one, swapped operators,
#                                  a flag dropped from a mask), run on the scenarios; lists
#                                  each survivor with its diff and fails on any not in
#                                  labs/$(LAB)/equivalent-mutants. Not part of make test.
#   make new-lab NAME=x [FROM=lab] a lab x made from lab FROM (default cpu_lab) that grades,
#                                  passes check-lab and dists as made (scripts/new-lab;
#                                  HACKING.md, "Adding a lab")

# `make check-lab BACKEND=emu` narrows the check; the top-level default
# (auto, right for grading) would check one backend where two are usable.
CHECK_LAB_BACKEND = $(if $(filter command line environment,$(origin BACKEND)),$(call arg,BACKEND),all)

# As `make grade`: install what is missing first (a no-op when nothing is), then build and check
# in a sub-make, whose prerequisites are made with the installed tools.
.PHONY: check-lab check-lab-built mutate new-scenario new-lab
check-lab:
	@scripts/install-deps
	@$(MAKE) --no-print-directory check-lab-built
check-lab-built: $(BUILD)/grade $(BUILD)/libkvmemu.so
	@scripts/scenario-todos --warn $(call arg,LAB)
	$(BUILD)/grade --check-lab $(KIT_OPTS) --lab $(call arg,LAB) --backend $(CHECK_LAB_BACKEND) $(call optarg,--jobs,JOBS)
TEST_TARGETS += check-lab

mutate: $(BUILD)/grade $(BUILD)/libkvmemu.so
	$(BUILD)/grade --check-lab --mutate $(KIT_OPTS) --lab $(call arg,LAB) --backend $(CHECK_LAB_BACKEND) $(call optarg,--jobs,JOBS)

# NAME reaches the shell through the environment (make exports command-line
# variables), never pasted into the recipe, so no name can run a command.
NEW_SCENARIO_DIR := guests/$(LAB)
# The lab's own template when it has one (labs/mem_lab/scenario.asm.in: a 64-bit guest).
NEW_SCENARIO_TEMPLATE := $(firstword $(wildcard labs/$(LAB)/scenario.asm.in) labs/scenario.asm.in)
new-scenario:
	@$(if $(findstring $$,$(value NAME)),echo "make new-scenario: NAME must match [a-z0-9_]+ (it holds a '$$')" >&2; exit 2;)
	@case "$$NAME" in \
	  ''|*[!a-z0-9_]*) echo "make new-scenario: NAME must match [a-z0-9_]+ (e.g. NAME=out_imm16), not '$$NAME'" >&2; exit 2;; \
	esac; \
	f="$(NEW_SCENARIO_DIR)/$$NAME.asm"; \
	if [ ! -d "$(NEW_SCENARIO_DIR)" ]; then echo "make new-scenario: no $(NEW_SCENARIO_DIR)/ (LAB=$(LAB))" >&2; exit 2; fi; \
	if [ -e "$$f" ]; then echo "make new-scenario: $$f exists; not overwriting it" >&2; exit 2; fi; \
	sed -e "s/@NAME@/$$NAME/g" -e "s/@LAB@/$(LAB)/g" $(NEW_SCENARIO_TEMPLATE) > "$$f.tmp" && mv "$$f.tmp" "$$f"; \
	echo "created $$f: edit its header and guest, then run make check-lab"

# NAME and FROM reach the script through the environment (command-line variables are
# exported), never pasted into the recipe; scripts/new-lab refuses anything not [a-z0-9_]+.
new-lab: $(BUILD)/grade $(BUILD)/libkvmemu.so
	@$(if $(or $(findstring $$,$(value NAME)),$(findstring $$,$(value FROM))),echo "make new-lab: NAME and FROM must match [a-z0-9_]+" >&2; exit 2;)
	@scripts/new-lab "$$NAME" "$${FROM:-cpu_lab}" $(call arg,BUILD)
