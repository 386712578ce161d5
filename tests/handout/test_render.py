"""The rendered handout in a real browser (run by `make test-handout`): headless Chromium (Debian's
`chromium`, driven over the DevTools protocol, tests/handout/browser.py) loads both pages at a
1024 px desktop viewport and a 390 px phone viewport and checks (tests/handout/render_checks.js):

- no CJK character is drawn as a missing-glyph box (the check itself is shown to fail when the CJK
  fonts are hidden from the browser: test_glyph_check_fails_without_cjk_fonts);
- nothing is wider than the page: neither the page nor any element overflows its box;
- every figure is there (one inline SVG per ![...](fig/NAME.LANG.svg) of the markdown, in both
  languages), has a size, and none of its text runs outside it; every <img> loaded;
- every link resolves: internal anchors exist; external links are well-formed http(s) URLs (no
  network here, so they are not fetched).

HANDOUT_SCREENSHOTS=DIR also writes a full-page PNG per page and width there, for people to look at.
Needs chromium and fonts-noto-cjk: scripts/install-deps --handout.
"""

import os
import re
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

import pytest

from browser import Chromium, ChromiumError, find_chromium

ROOT = Path(__file__).resolve().parents[2]
# The lab whose pages are checked: make test-handout runs this suite once per lab.
LAB = os.environ.get("HANDOUT_LAB", "cpu_lab")
SRC = ROOT / "handout" / LAB
BUILD = Path(os.environ.get("HANDOUT_BUILD", ROOT / "build" / "handout"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
CHECKS = (Path(__file__).parent / "render_checks.js").read_text(encoding="utf-8")
LANGS = ("en", "zh")
WIDTHS = (1024, 390)
# The smallest a figure's label may be drawn (its font size times the figure's scale), at every
# width: a figure drawn for 760 px with 11 px labels shrinks them to ~5 px on a 390 px phone
# (cpu_lab's smallest, the loop figure's notes, are drawn at 7.4 px there; mem_lab's at ~9).
MIN_LABEL_PX = 7
SHOTS = os.environ.get("HANDOUT_SCREENSHOTS")
FIGURE_REF = re.compile(r"!\[[^\]]*\]\(fig/([a-z0-9-]+)\.(en|zh)\.svg\)", re.S)


def page_url(lang):
    path = BUILD / f"{LAB}-{lang}.html"
    if not path.is_file():
        pytest.fail(f"{path} missing: run `make handout` (make test-handout renders it first)")
    return path.as_uri()


def render(browser, lang, width):
    shot = os.path.join(SHOTS, f"{LAB}-{lang}-{width}.png") if SHOTS else None
    return browser.evaluate_page(page_url(lang), width, CHECKS, screenshot=shot)


@pytest.fixture(scope="module")
def rendered():
    if not find_chromium():
        pytest.fail("chromium is not installed: run scripts/install-deps --handout "
                    "(Debian packages chromium and fonts-noto-cjk)")
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
    with Chromium() as browser:
        return {(lang, width): render(browser, lang, width) for lang in LANGS for width in WIDTHS}


@pytest.mark.parametrize("lang", LANGS)
def test_no_missing_glyphs(rendered, lang):
    g = rendered[(lang, 1024)]["glyphs"]
    if lang == "zh":
        assert g["checked"] >= 300, f"zh: only {g['checked']} distinct CJK characters found: {g['fonts']}"
    assert not g["missing"], f"{lang}: {len(g['missing'])} CJK characters have no glyph " \
        "(install fonts-noto-cjk: scripts/install-deps --handout):\n" + \
        "\n".join(f"  {m['ch']!r}: {m['why']}, {m['at']} (font {m['font']})" for m in g["missing"][:15])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_nothing_overflows(rendered, lang, width):
    r = rendered[(lang, width)]
    assert r["viewport"] == width, f"the viewport is {r['viewport']} px, not {width}"
    assert not r["overflow"], f"{lang} at {width} px: {len(r['overflow'])} overflows:\n" + \
        "\n".join("  " + o for o in r["overflow"][:20])


# A figure inline in the Markdown (mem_lab: <figure id="fig-NAME"><svg ...>), not a file.
INLINE_FIGURE = re.compile(r'<figure id="fig-([a-z0-9-]+)">')
# The fewest figures a lab's handout has (cpu_lab: 4; mem_lab: 3).
MIN_FIGURES = {"cpu_lab": 4}.get(LAB, 3)


def md_figures(lang):
    """[(name, language)] of the figures of handout/LAB/LANG.md in page order: files shown as
    ![...](fig/NAME.LANG.svg) and figures written inline (the language is the page's)."""
    md = (SRC / f"{lang}.md").read_text(encoding="utf-8")
    found = [(m.start(), m.group(1), m.group(2)) for m in FIGURE_REF.finditer(md)]
    found += [(m.start(), m.group(1), lang) for m in INLINE_FIGURE.finditer(md)]
    return [(n, l) for _, n, l in sorted(found)]


@pytest.mark.parametrize("lang", LANGS)
def test_figures(rendered, lang):
    refs = md_figures(lang)
    assert len(refs) >= MIN_FIGURES, f"{lang}.md: {len(refs)} figures, expected at least {MIN_FIGURES}"
    assert all(l == lang for _, l in refs), f"{lang}.md uses another language's figure: {refs}"
    names = [n for n, _ in refs]
    for width in WIDTHS:
        figs = rendered[(lang, width)]["figures"]
        svgs = [f for f in figs if f["kind"] == "svg"]
        assert [f["id"] for f in svgs] == [f"fig-{n}" for n in names], \
            f"{lang} at {width} px: inline figures {[f['id'] for f in svgs]}, markdown has {names}"
        for f in figs:
            if f["kind"] == "img":
                assert f["ok"], f"{lang}: image {f['src']} did not load ({f['width']}x{f['height']})"
                continue
            assert f["width"] > 100 and f["height"] > 50, f"{lang} at {width} px: {f['id']} is {f['width']}x{f['height']}"
            assert f["texts"] >= 3, f"{lang}: {f['id']} has {f['texts']} labels"
            assert not f["outside"], f"{lang}: {f['id']}: labels outside the figure: {f['outside']}"
            assert f["minLabel"] >= MIN_LABEL_PX, \
                f"{lang} at {width} px: {f['id']}: a label drawn at {f['minLabel']:.1f} px " \
                f"(\"{f['minText']}\"), under {MIN_LABEL_PX} px: unreadable on a phone"
            assert f["caption"], f"{lang}: {f['id']} has no caption"


def test_same_figures_in_both_languages():
    en = [n for n, _ in md_figures("en")]
    zh = [n for n, _ in md_figures("zh")]
    assert en == zh, f"figures: en {en}, zh {zh}"


CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def test_figure_labels_in_the_page_language():
    """Each figure's zh version has Chinese labels, its en version none (a label left
    untranslated or a [[en|zh]] pair written the wrong way round shows here): this lab's
    NAME.LANG.svg files, or its figures inline in LANG.md."""
    names = sorted(p.stem for p in (SRC / "fig").glob("*.svg"))
    figs = [(f.name, f.read_text(encoding="utf-8")) for n in names for f in sorted((BUILD / "fig").glob(f"{n}.*.svg"))]
    for lang in LANGS if not names else ():
        md = (SRC / f"{lang}.md").read_text(encoding="utf-8")
        figs += [(f"{lang}.md figure {i + 1}.{lang}.svg", svg) for i, svg in enumerate(INLINE_SVG.findall(md))]
    assert figs, f"no figures for {LAB} (in {BUILD / 'fig'} or inline)"
    for name, svg in figs:
        text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
        if name.endswith(".zh.svg"):
            assert CJK_CHAR.search(text), f"{name}: no Chinese label"
        else:
            assert not CJK_CHAR.search(text), f"{name}: Chinese in an English figure: {text[:200]}"


@pytest.mark.parametrize("lang", LANGS)
def test_links(rendered, lang):
    links = rendered[(lang, 1024)]["links"]
    assert any(not l["internal"] for l in links), f"{lang}: no external link at all (the LWN article?)"
    bad = []
    for l in links:
        if l["internal"]:
            if not l["target"]:
                bad.append(f"{l['href']} ({l['text']}): no such anchor")
            continue
        u = urllib.parse.urlsplit(l["href"])
        if u.scheme not in ("http", "https") or "." not in u.netloc or " " in l["href"]:
            bad.append(f"{l['href']} ({l['text']}): not an http(s) URL")
    assert not bad, f"{lang}: broken links:\n  " + "\n  ".join(bad)


def cjk_font_files():
    r = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True)
    return sorted({line.split(":")[0].strip() for line in r.stdout.splitlines() if line.strip()})


def test_glyph_check_fails_without_cjk_fonts(rendered):
    """The glyph check can fail: with every font that covers Chinese hidden from the browser
    (a fontconfig file that rejects them), the zh page has missing glyphs and the check sees them."""
    files = cjk_font_files()
    assert files, "no font covers Chinese (fc-list :lang=zh-cn): install fonts-noto-cjk"
    with tempfile.TemporaryDirectory() as d:
        conf = Path(d) / "fonts.conf"
        globs = "".join(f"<glob>{f}</glob>" for f in files)
        conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
                        f'<selectfont><rejectfont>{globs}</rejectfont></selectfont>\n'
                        f'<cachedir>{d}/cache</cachedir>\n</fontconfig>\n')
        with Chromium(env={"FONTCONFIG_FILE": str(conf)}) as browser:
            g = browser.evaluate_page(page_url("zh"), 1024, CHECKS)["glyphs"]
    assert g["checked"] >= 300
    assert len(g["missing"]) > 0, "with no CJK font, the glyph check still found every glyph"
