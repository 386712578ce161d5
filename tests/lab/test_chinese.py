"""Chinese everywhere a student reads (issue 23): every scenario of every lab has a Chinese title
(`title-zh`) and, when it has a hint, a Chinese hint (`hint-zh`); every diagnosis rule has its
Chinese symptom and cause (and `see-zh` when it has `see`). In Chinese text a colon is the
full-width one (：): a half-width colon right after a Chinese character is a mistake."""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LABS = sorted(d for d in os.listdir(os.path.join(ROOT, "labs"))
              if os.path.isfile(os.path.join(ROOT, "labs", d, "lab.conf")))
HEADER = re.compile(r"^;[ \t]*([a-z0-9_-]+):[ \t]*(.*?)\s*$")
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
HALF_COLON = re.compile(CJK + r":|:" + CJK)   # "说明:" or ":说明"


def header(path):
    h = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = HEADER.match(line)
            if not m:
                break
            h[m.group(1)] = (m.group(2), n)
    return h


SCENARIOS = [(lab, f[:-4]) for lab in LABS for f in sorted(os.listdir(os.path.join(ROOT, "guests", lab)))
             if f.endswith(".asm")]


def test_both_labs():
    assert {"cpu_lab", "mem_lab"} <= set(LABS)
    assert {lab for lab, _ in SCENARIOS} >= {"cpu_lab", "mem_lab"}


@pytest.mark.parametrize("lab,name", SCENARIOS, ids=[f"{a}/{b}" for a, b in SCENARIOS])
def test_scenario_in_chinese(lab, name):
    path = os.path.join(ROOT, "guests", lab, name + ".asm")
    h = header(path)
    assert "title-zh" in h, f"{path}:{h['title'][1]}: no title-zh (the title in Chinese)"
    assert re.search(CJK, h["title-zh"][0]), f"{path}:{h['title-zh'][1]}: title-zh has no Chinese"
    if "hint" in h:
        assert "hint-zh" in h, f"{path}:{h['hint'][1]}: no hint-zh (the hint in Chinese)"
        assert re.search(CJK, h["hint-zh"][0]), f"{path}:{h['hint-zh'][1]}: hint-zh has no Chinese"
    for key in ("title-zh", "hint-zh"):
        if key in h:
            assert not HALF_COLON.search(h[key][0]), \
                f"{path}:{h[key][1]}: a half-width colon in Chinese text (use ：): {h[key][0]}"


def rules(lab):
    path = os.path.join(ROOT, "labs", lab, "diagnoses")
    out, cur = {}, None
    if not os.path.exists(path):
        return path, out
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                cur = out.setdefault(line[1:-1], {})
                continue
            k, _, v = line.partition("=")
            cur[k.strip()] = (v.strip(), n)
    return path, out


@pytest.mark.parametrize("lab", LABS)
def test_diagnoses_in_chinese(lab):
    path, rs = rules(lab)
    if lab in ("cpu_lab", "mem_lab"):
        assert rs, f"{path}: no diagnosis rules"
    for name, r in rs.items():
        for key in ("symptom", "cause", "see"):
            if key in r:
                assert key + "-zh" in r, f"{path}:{r[key][1]}: rule [{name}] has no {key}-zh"
                v, n = r[key + "-zh"]
                assert re.search(CJK, v), f"{path}:{n}: {key}-zh has no Chinese"
                assert not HALF_COLON.search(v), f"{path}:{n}: a half-width colon in Chinese text (use ：)"


@pytest.mark.parametrize("lab", ["cpu_lab", "mem_lab"])
def test_handout_colons(lab):
    """The Chinese handout and report template: no half-width colon after Chinese text."""
    for f in ("zh.md", "report-template-zh.md"):
        path = os.path.join(ROOT, "handout", lab, f)
        in_code = False
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.startswith("```"):
                    in_code = not in_code
                    continue
                if in_code:
                    continue
                text = re.sub(r"`[^`]*`", "", line)   # code spans keep their own colons
                assert not HALF_COLON.search(text), f"{path}:{n}: a half-width colon in Chinese text (use ：)"
