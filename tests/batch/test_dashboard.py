"""grade --batch's class page (<csv>.html, grader/mode/batch_dashboard.c), loaded in headless
Chromium (tests/handout/browser.py) as a TA opens it: the histogram counts every student, the
pass rates and cause tallies are the gradebook's, who did not compile is listed, every report
link leads to a file that exists, a hostile student name stays text (no element, no script), and
the page fetches nothing."""
import csv
import json
import os
import pathlib
import subprocess
import sys

import pytest

KIT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("VIRTLAB_BUILD", KIT / "build"))
BUILD = BUILD if BUILD.is_absolute() else KIT / BUILD
GRADE = BUILD / "grade"
sys.path.insert(0, str(KIT / "tests" / "handout"))
import browser  # noqa: E402

SOLUTION = (KIT / "solution/cpu_lab/sample-qemu.c").read_text()
SKELETON = (KIT / "skeleton/cpu_lab/sample-qemu.c").read_text()
HOSTILE = '<img src=x onerror="document.title=1">&amp;'

pytestmark = pytest.mark.skipif(not browser.find_chromium(), reason="chromium not installed "
                                "(scripts/install-deps --handout)")

CHECKS = r"""(() => {
  const rows = sel => [...document.querySelectorAll(sel + ' tr')].slice(sel === 'table.histogram' ? 0 : 1)
      .map(tr => [...tr.children].map(td => td.textContent.trim()));
  return {
    title: document.title,
    histogram: rows('table.histogram'),
    scenarios: rows('table.scenarios'),
    causes: rows('table.causes'),
    students: rows('table.students'),
    noCompile: [...document.querySelectorAll('ul.no-compile li')].map(li => li.textContent),
    links: [...document.querySelectorAll('a')].map(a => a.href),
    images: document.querySelectorAll('img').length,
    scripts: document.querySelectorAll('script').length,
    external: performance.getEntriesByType('resource').map(r => r.name),
  };
})()"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    d = tmp_path_factory.mktemp("dash")
    klass = d / "class"
    for name, text in {"alice": SOLUTION, "bob": SKELETON, "carol": "int main(void) { return x; }\n",
                       HOSTILE: SOLUTION}.items():
        (klass / name).mkdir(parents=True)
        (klass / name / "sample-qemu.c").write_text(text)
    (klass / "dan").mkdir()
    (klass / "dan" / "notes.txt").write_text("no code\n")
    out = d / "out"
    p = subprocess.run([str(GRADE), "--batch", str(klass), "--csv", str(out / "grades.csv"), "--root", str(KIT),
                        "--backend", "emu", "--seed", "7", "--jobs", "2"], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    html = out / "grades.html"
    assert html.is_file() and f"class page: {html}" in p.stdout, p.stdout
    with browser.Chromium() as b:
        got = b.evaluate_page(html.as_uri(), 1024, CHECKS)
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.reader(f))
    return got, rows, out


def test_histogram_counts_everyone(page):
    got, rows, _ = page
    assert sum(int(r[1]) for r in got["histogram"]) == len(rows) - 1
    top = got["histogram"][-1]
    assert top[0] == "90–100%" and int(top[1]) == 2, got["histogram"]   # alice, the hostile name


def test_pass_rates_are_the_gradebooks(page):
    got, rows, _ = page
    head = rows[0]
    by_name = {r[0].split()[0]: r for r in got["scenarios"]}
    scenarios = sorted(p.stem for p in (KIT / "guests/cpu_lab").glob("*.asm"))
    assert sorted(by_name) == scenarios
    for name in scenarios:
        k = head.index(name)
        passed = sum(1 for r in rows[1:] if r[k] and r[k] != "0")
        assert by_name[name][2].startswith(f"{passed}/"), (name, by_name[name])


def test_causes_and_who_did_not_compile(page):
    got, _, _ = page
    assert [li.split(" (")[0] for li in got["noCompile"]] == ["carol"], got["noCompile"]
    causes = dict((c[0], int(c[1])) for c in got["causes"])
    assert causes and all(n > 0 for n in causes.values()), causes


def test_links_lead_to_reports(page):
    got, _, out = page
    assert got["links"], got
    for href in got["links"]:
        assert href.startswith("file://"), href
        path = pathlib.Path(browser_unquote(href[len("file://"):]))
        assert path.is_file(), href
    names = [s[0] for s in got["students"]]
    assert HOSTILE in names and "dan" in names, names


def test_hostile_name_is_text(page):
    got, _, _ = page
    assert got["images"] == 0 and got["scripts"] == 0 and got["title"] == "cpu_lab: class results", got
    assert got["external"] == [], got["external"]


def browser_unquote(s):
    from urllib.parse import unquote
    return unquote(s)
