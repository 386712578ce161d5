"""Checks of the rendered lab handout (run by `make test-handout`).

The Makefile renders handout/$HANDOUT_LAB/{en,zh}.md (default cpu_lab; make test-handout runs the
suite once per lab) into $HANDOUT_BUILD (default build/handout) first;
these tests read both the markdown and the HTML:

- both pages rendered: standalone HTML5, UTF-8, the right `lang`, a title, the CSS embedded, no
  external resources;
- every fenced code block of the markdown is in the HTML, intact and in order (count and content);
- every internal link (href="#...") resolves to an id on the same page;
- en and zh have the same section structure (headings per level, same anchors in the same order)
  and the same code blocks, byte for byte apart from their comments (translated in zh);
- TODO notes are HTML comments: fine, but none may leak into the visible text.

Standard library only (html.parser), run with /usr/bin/python3 -m pytest.
"""

import html.parser
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The lab whose pages are checked: make test-handout runs this suite once per lab.
LAB = os.environ.get("HANDOUT_LAB", "cpu_lab")
SRC = ROOT / "handout" / LAB
BUILD = Path(os.environ.get("HANDOUT_BUILD", ROOT / "build" / "handout"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
LANGS = {"en": "en", "zh": "zh-CN"}
CSS = ROOT / "handout" / "style.css"

FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID = re.compile(r"\{#([A-Za-z][\w:.-]*)[^}]*\}\s*$")


# ---------------------------------------------------------------- markdown side

def md_parse(text):
    """Return (code_blocks, headings) of a pandoc-markdown text.

    code_blocks: list of (info, content) for fenced blocks, content without the final newline.
    headings: list of (level, id or None, text) for ATX headings outside code blocks.
    """
    blocks, headings = [], []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            indent, fence, info = len(m.group(1)), m.group(2), m.group(3).strip()
            body = []
            i += 1
            while i < len(lines):
                close = FENCE.match(lines[i])
                if (close and close.group(2)[0] == fence[0]
                        and len(close.group(2)) >= len(fence) and not close.group(3).strip()):
                    break
                line = lines[i]
                # pandoc strips up to the opening fence's indentation from each content line
                strip = len(line) - len(line.lstrip(" "))
                body.append(line[min(indent, strip):])
                i += 1
            else:
                raise AssertionError(f"unclosed code fence: {fence}{info}")
            blocks.append((info, "\n".join(body)))
            i += 1
            continue
        h = ATX.match(lines[i])
        if h:
            title = h.group(2)
            hid = HEADING_ID.search(title)
            headings.append((len(h.group(1)), hid.group(1) if hid else None,
                             HEADING_ID.sub("", title).strip()))
        i += 1
    return blocks, headings


# ---------------------------------------------------------------- HTML side

class Page(html.parser.HTMLParser):
    """Collects what the tests need from one rendered page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_lang = None
        self.meta_charset = None
        self.title = ""
        self.ids = []                 # every id= / name= in document order
        self.hrefs = []               # every href=
        self.srcs = []                # every src=
        self.links = []               # attrs of <link>
        self.styles = []              # text of <style>
        self.headings = []            # (level, id, text) of h1..h6 outside the title and the TOC
        self.pres = []                # text of each <pre>
        self.visible = []             # text outside <style>/<script>
        self.comments = []
        self._stack = []
        self._pre = None
        self._heading = None
        self._in_title = False
        self._in_style = False
        self._in_header = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in ("meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr"):
            self._stack.append(tag)
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "meta" and "charset" in a:
            self.meta_charset = a["charset"]
        elif tag == "title":
            self._in_title = True
        elif tag == "style":
            self._in_style = True
            self.styles.append("")
        elif tag == "link":
            self.links.append(a)
        elif (tag == "header" and a.get("id") == "title-block-header") or \
                (tag == "nav" and a.get("id") == "TOC"):
            self._in_header = len(self._stack)
        elif tag == "pre":
            self._pre = []
        elif re.fullmatch(r"h[1-6]", tag) and not self._in_header:
            self._heading = [int(tag[1]), a.get("id"), []]
        for key in ("id", "name"):
            if a.get(key):
                self.ids.append(a[key])
        if "href" in a:
            self.hrefs.append(a["href"])
        if "src" in a:
            self.srcs.append(a["src"])

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
        if tag == "title":
            self._in_title = False
        elif tag == "style":
            self._in_style = False
        elif tag in ("header", "nav") and self._in_header and len(self._stack) < self._in_header:
            self._in_header = 0
        elif tag == "pre" and self._pre is not None:
            self.pres.append("".join(self._pre))
            self._pre = None
        elif self._heading and tag == f"h{self._heading[0]}":
            level, hid, text = self._heading
            self.headings.append((level, hid, "".join(text).strip()))
            self._heading = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._in_style:
            self.styles[-1] += data
            return
        if self._pre is not None:
            self._pre.append(data)
        if self._heading is not None:
            self._heading[2].append(data)
        self.visible.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def load(lang):
    md = (SRC / f"{lang}.md").read_text(encoding="utf-8")
    path = BUILD / f"{LAB}-{lang}.html"
    if not path.is_file():
        pytest.fail(f"{path} missing: run `make handout` (make test-handout renders it first)")
    raw = path.read_bytes()
    page = Page()
    page.feed(raw.decode("utf-8"))  # must be valid UTF-8
    page.close()
    blocks, headings = md_parse(md)
    return {"md": md, "raw": raw, "page": page, "blocks": blocks, "headings": headings}


@pytest.fixture(scope="module", params=sorted(LANGS))
def doc(request):
    return request.param, load(request.param)


@pytest.fixture(scope="module")
def both():
    return {lang: load(lang) for lang in LANGS}


# ---------------------------------------------------------------- tests

def test_renders_standalone_page(doc):
    lang, d = doc
    p = d["page"]
    assert d["raw"].lstrip().lower().startswith(b"<!doctype html>"), "not a standalone HTML5 page"
    assert (p.meta_charset or "").lower() == "utf-8"
    assert p.html_lang == LANGS[lang], f"<html lang> is {p.html_lang!r}"
    assert p.title.strip(), "empty <title>"
    assert len(p.headings) >= 5 and len(p.pres) >= 5, "page looks empty"


def test_css_embedded_and_no_external_resources(doc):
    _, d = doc
    p = d["page"]
    css = CSS.read_text(encoding="utf-8")
    marker = re.search(r"max-width:\s*[^;]+;", css).group(0)
    assert any(marker in s for s in p.styles), "handout/style.css is not embedded in a <style>"
    assert not [l for l in p.links if "stylesheet" in (l.get("rel") or "")], \
        "stylesheet linked instead of embedded"
    remote = [u for u in p.srcs if not u.startswith("data:")]
    assert not remote, f"external resources: {remote}"


def test_code_blocks_intact(doc):
    lang, d = doc
    md_blocks = [content for _, content in d["blocks"]]
    html_blocks = [text.rstrip("\n") for text in d["page"].pres]
    assert len(html_blocks) == len(md_blocks), \
        f"{lang}: {len(md_blocks)} code blocks in the markdown, {len(html_blocks)} <pre> in the HTML"
    for n, (want, got) in enumerate(zip(md_blocks, html_blocks), 1):
        assert got == want, f"{lang}: code block {n} differs:\n--- md\n{want}\n--- html\n{got}"


def test_code_blocks_have_a_language(doc):
    lang, d = doc
    bare = [content.split("\n")[0] for info, content in d["blocks"] if not info]
    assert not bare, f"{lang}: code blocks without a language tag (use text if none): {bare}"


def test_internal_links_resolve(doc):
    lang, d = doc
    p = d["page"]
    ids = set(p.ids)
    dangling = sorted({h for h in p.hrefs if h.startswith("#") and h[1:] not in ids})
    assert not dangling, f"{lang}: links to missing anchors: {dangling}"
    dup = sorted({i for i in p.ids if p.ids.count(i) > 1})
    assert not dup, f"{lang}: duplicate ids: {dup}"
    # links written in the markdown as [text](#anchor) must also target a heading we declared
    declared = {hid for _, hid, _ in d["headings"] if hid}
    md_links = set(re.findall(r"\]\(#([^)\s]+)\)", d["md"]))
    assert md_links <= declared, f"{lang}: markdown links to undeclared anchors: {md_links - declared}"


def test_headings_have_explicit_ids(doc):
    lang, d = doc
    missing = [text for _, hid, text in d["headings"] if not hid]
    assert not missing, f"{lang}: headings without an explicit {{#id}}: {missing}"
    rendered = [(lvl, hid) for lvl, hid, _ in d["page"].headings]
    assert rendered == [(lvl, hid) for lvl, hid, _ in d["headings"]], \
        f"{lang}: rendered headings differ from the markdown's"


def test_same_section_structure(both):
    en, zh = both["en"], both["zh"]

    def per_level(hs):
        return {lvl: sum(1 for h in hs if h[0] == lvl) for lvl in range(1, 7)}

    assert per_level(en["headings"]) == per_level(zh["headings"]), \
        f"headings per level: en {per_level(en['headings'])}, zh {per_level(zh['headings'])}"
    en_ids = [(lvl, hid) for lvl, hid, _ in en["headings"]]
    zh_ids = [(lvl, hid) for lvl, hid, _ in zh["headings"]]
    assert en_ids == zh_ids, "en and zh sections differ (level, id):\n" + "\n".join(
        f"  {a!s:32} {b!s}" for a, b in zip(en_ids + [None] * len(zh_ids), zh_ids + [None] * len(en_ids))
        if a != b)
    assert sorted(set(re.findall(r"\]\(#([^)\s]+)\)", en["md"]))) == \
        sorted(set(re.findall(r"\]\(#([^)\s]+)\)", zh["md"]))), "en and zh link to different sections"


COMMENT = {"c": re.compile(r"/\*.*?\*/", re.S), "nasm": re.compile(r";.*$", re.M)}


def without_comments(info, code):
    """The code of a block, its comments removed (C /* */, nasm ;): the zh page translates them."""
    if info in COMMENT:
        code = COMMENT[info].sub("", code)
    return "\n".join(line.rstrip() for line in code.split("\n"))


def test_same_code_blocks(both):
    """The same code in both languages, byte for byte apart from the comments."""
    en, zh = both["en"]["blocks"], both["zh"]["blocks"]
    assert len(en) == len(zh), f"en has {len(en)} code blocks, zh {len(zh)}"
    for n, (a, b) in enumerate(zip(en, zh), 1):
        assert a[0] == b[0] and without_comments(*a) == without_comments(*b), \
            f"code block {n} differs between en and zh:\n--- en\n{a[1]}\n--- zh\n{b[1]}"


def test_todo_notes_stay_hidden(doc):
    lang, d = doc
    text = "".join(d["page"].visible)
    # editorial notes read "TODO: ..."; the text may still talk about the skeleton's TODO comment
    leaked = re.findall(r"TODO\s*:.{0,40}", text)
    assert not leaked, f"{lang}: a TODO note is visible in the page (write it as <!-- TODO: ... -->): {leaked}"
    # every TODO of the markdown is an HTML comment and survives as one (for the reconciler)
    md_todos = len(re.findall(r"<!--\s*TODO", d["md"]))
    html_todos = sum(1 for c in d["page"].comments if c.strip().startswith("TODO"))
    assert html_todos == md_todos, f"{lang}: {md_todos} TODO comments in the markdown, {html_todos} in the HTML"


def test_without_comments():
    assert without_comments("c", "x = 1; /* one */\ny; /* a\nb */") == "x = 1;\ny;"
    assert without_comments("nasm", "out dx, al  ; 输出\nhlt") == "out dx, al\nhlt"
    assert without_comments("sh", "a # b") == "a # b"


def test_md_parser_self_check():
    text = "# A {#a}\n\n```c\nint x;\n\n  y\n```\n\n## B {#b .x}\n~~~~ text\n```\n~~~~\n"
    blocks, headings = md_parse(text)
    assert blocks == [("c", "int x;\n\n  y"), ("text", "```")]
    assert headings == [(1, "a", "A"), (2, "b", "B")]
