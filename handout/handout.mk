# handout/handout.mk — the students' lab text, rendered to standalone HTML.
#
#   make handout       build/handout/$(LAB)-en.html, build/handout/$(LAB)-zh.html
#   make test-handout  checks the pages: their structure (tests/handout/test_handout.py) and
#                      how headless Chromium renders them (test_render.py: glyphs, overflow,
#                      figures, links; needs scripts/install-deps --handout)
#
# Sources: handout/$(LAB)/{en,zh}.md (pandoc markdown), their titles in
# handout/$(LAB)/{en,zh}.yaml (pandoc metadata: `title: "..."`), handout/style.css, the
# figures handout/$(LAB)/fig/NAME.svg and their style handout/fig.css.
# Each page is one file that works offline: the CSS is embedded (a <style> block in <head>)
# and each figure is inline SVG (handout/inline-svg.lua).
#
# A figure is one hand-written SVG for both languages: each label is written [[English|中文]]
# (neither part may contain `]` or `|`), and the first line is the whole <svg ...> opening tag.
# It becomes build/handout/fig/NAME.en.svg and NAME.zh.svg (the text before or after the |, the
# figure CSS in a <style> so that the file also stands alone: the student kit ships them beside
# the Markdown, which shows them as ![caption](fig/NAME.LANG.svg)).

PANDOC ?= pandoc

HANDOUT_DIR   := $(BUILD)/handout
HANDOUT_LANGS := en zh
HANDOUT_HTML  := $(foreach l,$(HANDOUT_LANGS),$(HANDOUT_DIR)/$(LAB)-$(l).html)
# <html lang>. Passed as a template variable, not metadata: pandoc 2.17 has no zh translation
# file and would warn (it only translates "Abstract", which we don't use).
HANDOUT_LANG_en  := en
HANDOUT_LANG_zh  := zh-CN
HANDOUT_TOC_en   := Contents
HANDOUT_TOC_zh   := 目录

# Chinese text may be wrapped anywhere: a line break between two CJK characters is not a space.
HANDOUT_FROM_en  := markdown
HANDOUT_FROM_zh  := markdown+east_asian_line_breaks

# Options shared by both languages. No remote resources: the pages work offline.
HANDOUT_PANDOC_FLAGS := --to=html5 --standalone --toc --toc-depth=2 --highlight-style=tango

HANDOUT_FIG_NAMES := $(sort $(basename $(notdir $(wildcard handout/$(LAB)/fig/*.svg))))
HANDOUT_FIGS_en   := $(HANDOUT_FIG_NAMES:%=$(HANDOUT_DIR)/fig/%.en.svg)
HANDOUT_FIGS_zh   := $(HANDOUT_FIG_NAMES:%=$(HANDOUT_DIR)/fig/%.zh.svg)
HANDOUT_FIGS      := $(HANDOUT_FIGS_en) $(HANDOUT_FIGS_zh)
# sed: keep part 1 (en) or part 2 (zh) of each [[en|zh]] label.
HANDOUT_FIG_PART_en := 1
HANDOUT_FIG_PART_zh := 2
handout_fig = { head -n 1 $(1); printf '<style>\n'; cat handout/fig.css; printf '</style>\n'; tail -n +2 $(1); } | \
	sed -e 's/\[\[\([^]|]*\)|\([^]]*\)\]\]/\$(HANDOUT_FIG_PART_$(2))/g' > $(3).tmp && \
	if grep -n '\[\[\|\]\]' $(3).tmp; then echo "$(1): a label is not [[English|中文]]" >&2; exit 1; fi && mv $(3).tmp $(3)

$(HANDOUT_DIR)/fig/%.en.svg: handout/$(LAB)/fig/%.svg handout/fig.css handout/handout.mk
	@mkdir -p $(@D)
	@$(call handout_fig,$<,en,$@)
$(HANDOUT_DIR)/fig/%.zh.svg: handout/$(LAB)/fig/%.svg handout/fig.css handout/handout.mk
	@mkdir -p $(@D)
	@$(call handout_fig,$<,zh,$@)

$(HANDOUT_DIR)/style.html: handout/style.css handout/fig.css handout/handout.mk
	@mkdir -p $(@D)
	{ printf '<style>\n'; cat handout/style.css handout/fig.css; printf '</style>\n'; } > $@

$(foreach l,$(HANDOUT_LANGS),$(eval $(HANDOUT_DIR)/$(LAB)-$(l).html: $(HANDOUT_FIGS_$(l))))
$(HANDOUT_DIR)/$(LAB)-%.html: handout/$(LAB)/%.md handout/$(LAB)/%.yaml $(HANDOUT_DIR)/style.html \
		handout/handout.mk handout/inline-svg.lua
	@mkdir -p $(@D)
	$(PANDOC) --from=$(HANDOUT_FROM_$*) $(HANDOUT_PANDOC_FLAGS) \
		--lua-filter=handout/inline-svg.lua --resource-path=$(HANDOUT_DIR) \
		--include-in-header=$(HANDOUT_DIR)/style.html \
		--metadata-file=handout/$(LAB)/$*.yaml \
		--variable lang=$(HANDOUT_LANG_$*) \
		--metadata toc-title='$(HANDOUT_TOC_$*)' \
		-o $@.tmp $< && mv $@.tmp $@

.PHONY: handout test-handout
handout: $(HANDOUT_HTML) $(HANDOUT_FIGS)

ALL_TARGETS  += $(HANDOUT_HTML) $(HANDOUT_FIGS)
TEST_TARGETS += test-handout

# Needs chromium and fonts-noto-cjk (scripts/install-deps --handout); says so when they are missing.
# Every lab's pages (each handout/X/en.md), not only $(LAB)'s: the others are rendered by make
# run again with LAB=X, and the suite runs once per lab (HANDOUT_LAB).
HANDOUT_LABS := $(sort $(patsubst handout/%/en.md,%,$(wildcard handout/*/en.md)))
test-handout: $(HANDOUT_HTML) $(HANDOUT_FIGS)
	@scripts/install-deps --handout --check
	@for l in $(filter-out $(LAB),$(HANDOUT_LABS)); do \
	  $(MAKE) --no-print-directory LAB=$$l BUILD=$(call arg,BUILD) handout || exit 1; done
	@for l in $(HANDOUT_LABS); do echo "test-handout: $$l"; \
	  HANDOUT_LAB=$$l HANDOUT_BUILD=$(HANDOUT_DIR) $(PYTEST) tests/handout || exit 1; \
	done

# The student tarball (scripts/dist.mk, scripts/mkdist) ships the figures and the report templates
# too: rebuild it when they change.
$(BUILD)/dist/$(LAB)-student.tar.gz: $(HANDOUT_FIGS) $(wildcard handout/$(LAB)/report-template-*.md)
