# The lab as a whole (grader/checklab.c, guests/README.md):
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

# `make check-lab BACKEND=emu` narrows the check; the top-level default
# (auto, right for grading) would check one backend where two are usable.
CHECK_LAB_BACKEND = $(if $(filter command line environment,$(origin BACKEND)),$(call arg,BACKEND),all)

# As `make grade`: install what is missing first (a no-op when nothing is), then build and check
# in a sub-make, whose prerequisites are made with the installed tools.
.PHONY: check-lab check-lab-built new-scenario
check-lab:
	@scripts/install-deps
	@$(MAKE) --no-print-directory check-lab-built
check-lab-built: $(BUILD)/grade $(BUILD)/libkvmemu.so
	@scripts/scenario-todos --warn $(call arg,LAB)
	$(BUILD)/grade --check-lab $(KIT_OPTS) --lab $(call arg,LAB) --backend $(CHECK_LAB_BACKEND) $(call optarg,--jobs,JOBS)
TEST_TARGETS += check-lab

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
