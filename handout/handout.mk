# handout/handout.mk — the students' lab text, rendered to standalone HTML.
#
#   make handout       build/handout/cpu_lab-en.html, build/handout/cpu_lab-zh.html
#   make test-handout  checks the rendering (tests/handout/test_handout.py)
#
# Sources: handout/cpu_lab/{en,zh}.md (pandoc markdown), handout/style.css.
# The CSS is embedded (a <style> block in <head>), so each page is one file.

PANDOC ?= pandoc

HANDOUT_DIR   := $(BUILD)/handout
HANDOUT_LANGS := en zh
HANDOUT_HTML  := $(foreach l,$(HANDOUT_LANGS),$(HANDOUT_DIR)/cpu_lab-$(l).html)

HANDOUT_TITLE_en := Lab: CPU virtualization with KVM (trap and emulate)
HANDOUT_TITLE_zh := 实验：基于 KVM 的 CPU 虚拟化（陷入再模拟）
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

$(HANDOUT_DIR)/cpu_lab-%.html: handout/cpu_lab/%.md $(HANDOUT_DIR)/style.html handout/handout.mk
	@mkdir -p $(@D)
	$(PANDOC) --from=$(HANDOUT_FROM_$*) $(HANDOUT_PANDOC_FLAGS) \
		--include-in-header=$(HANDOUT_DIR)/style.html \
		--metadata title='$(HANDOUT_TITLE_$*)' \
		--variable lang=$(HANDOUT_LANG_$*) \
		--metadata toc-title='$(HANDOUT_TOC_$*)' \
		-o $@.tmp $< && mv $@.tmp $@

.PHONY: handout test-handout
handout: $(HANDOUT_HTML)

ALL_TARGETS  += $(HANDOUT_HTML)
TEST_TARGETS += test-handout

test-handout: $(HANDOUT_HTML)
	HANDOUT_BUILD=$(HANDOUT_DIR) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/handout/test_handout.py
