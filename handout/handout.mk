# handout/handout.mk — the students' lab text, rendered to standalone HTML.
#
#   make handout       build/handout/$(LAB)-en.html, build/handout/$(LAB)-zh.html
#   make test-handout  checks the rendering (tests/handout/test_handout.py)
#
# Sources: handout/$(LAB)/{en,zh}.md (pandoc markdown), their titles in
# handout/$(LAB)/{en,zh}.yaml (pandoc metadata: `title: "..."`), handout/style.css.
# The CSS is embedded (a <style> block in <head>), so each page is one file.

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

$(HANDOUT_DIR)/style.html: handout/style.css handout/handout.mk
	@mkdir -p $(@D)
	{ printf '<style>\n'; cat $<; printf '</style>\n'; } > $@

$(HANDOUT_DIR)/$(LAB)-%.html: handout/$(LAB)/%.md handout/$(LAB)/%.yaml $(HANDOUT_DIR)/style.html handout/handout.mk
	@mkdir -p $(@D)
	$(PANDOC) --from=$(HANDOUT_FROM_$*) $(HANDOUT_PANDOC_FLAGS) \
		--include-in-header=$(HANDOUT_DIR)/style.html \
		--metadata-file=handout/$(LAB)/$*.yaml \
		--variable lang=$(HANDOUT_LANG_$*) \
		--metadata toc-title='$(HANDOUT_TOC_$*)' \
		-o $@.tmp $< && mv $@.tmp $@

.PHONY: handout test-handout
handout: $(HANDOUT_HTML)

ALL_TARGETS  += $(HANDOUT_HTML)
TEST_TARGETS += test-handout

test-handout: $(HANDOUT_HTML)
	HANDOUT_BUILD=$(HANDOUT_DIR) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/handout/test_handout.py
