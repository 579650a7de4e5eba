"""The reports in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver, opens the generated files over file://.

Nothing is downloaded: the driver is named explicitly (``Service('/usr/bin/chromedriver')``),
which keeps Selenium Manager from running at all (the fixture makes it fail loudly if it
were asked), and Chromium is started with its background networking, component updates and
sync off. ``.ci/run`` installs ``chromium`` and ``chromium-driver`` with apt-get when they
are missing; these tests skip, saying why, only when that was not possible.

Screenshots of what the tests opened are saved under ``reports/`` for people to look at.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest
from html_fixtures import ATTR_ATTACK, DRAFT, SCRIPT_ATTACK, hostile_corpus, synthetic_scan

from reuse.check import check_corpus
from reuse.html import check_html, phrases_html, scan_html
from reuse.phrases import GroupTable, Phrase, PhraseResult
from reuse.scan import ScanOptions, scan_paths

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPORTS = Path(__file__).resolve().parents[1] / "reports"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=1366,900",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no {CHROMIUM}: install Debian's chromium (`.ci/run` does, as root with apt-get)"
    if not CHROMEDRIVER.exists():
        return f"no {CHROMEDRIVER}: install Debian's chromium-driver (`.ci/run` does)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.selenium_manager import SeleniumManager

    def refuse(*_args, **_kwargs):
        raise AssertionError("Selenium Manager was asked for a driver: it would download one")

    with tempfile.TemporaryDirectory(prefix="reuse-chromium-") as profile:
        patch = pytest.MonkeyPatch()
        patch.setattr(SeleniumManager, "binary_paths", refuse)
        options = Options()
        options.binary_location = str(CHROMIUM)
        for flag in [*FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()
            patch.undo()


def open_page(driver, path: Path, timeout: float = 20.0) -> None:
    driver.get(path.resolve().as_uri())
    end = time.monotonic() + timeout
    while driver.execute_script("return document.documentElement.dataset.ready") != "1":
        assert time.monotonic() < end, "the page's script never finished rendering"
        time.sleep(0.05)


def js(driver, expr: str):
    return driver.execute_script("return " + expr)


def assert_clean(driver) -> None:
    """No script error and no policy violation was logged; nothing was fetched."""
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    assert js(driver, "performance.getEntriesByType('resource').length") == 0


def screenshot(driver, name: str) -> Path:
    REPORTS.mkdir(exist_ok=True)
    path = REPORTS / name
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def test_scan_report_shows_pairs_side_by_side_and_runs_no_corpus_script(browser, tmp_path):
    root = hostile_corpus(tmp_path / "corpus")
    result = scan_paths([root], ScanOptions(workers=1))
    texts = {p.name: p.read_text(encoding="utf-8") for p in root.glob("*.txt")}
    page = tmp_path / "scan.html"
    page.write_text(scan_html(result, texts.get, title="reuse scan: hostile"), encoding="utf-8")
    open_page(browser, page)

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    heads = browser.find_elements(By.CSS_SELECTOR, ".fam-head")
    assert len(heads) == len(result.passages) == 1
    assert "3 documents" in heads[0].text.replace("\n", " ")
    heads[0].click()
    # The first pair is a.txt and b.txt: an edited clause and two changed figures.
    assert len(browser.find_elements(By.CSS_SELECTOR, ".fam[open] .sbs .side")) == 2
    deleted = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".sbs mark.del")]
    inserted = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".sbs mark.ins")]
    assert deleted and inserted
    assert any("4200" in t or "42" in t for t in inserted), inserted
    assert any("机关" in t or "提质增效" in t for t in inserted), inserted

    # The hostile text is on the page as text; none of it ran or became an element.
    assert js(browser, "typeof window.__pwned") == "undefined"
    body = js(browser, "document.body.innerText")
    assert SCRIPT_ATTACK in body and ATTR_ATTACK in body
    assert js(browser, "document.images.length") == 0
    assert js(browser, "document.scripts.length") == 2
    shot = screenshot(browser, "browser-scan.png")

    # The traditional copy: script differences are folded, not marked as edits.
    choose = Select(browser.find_element(By.CSS_SELECTOR, ".pairsel"))
    labels = [o.text for o in choose.options]
    choose.select_by_index(next(i for i, t in enumerate(labels) if "c.txt" in t and "a.txt" in t))
    assert browser.find_elements(By.CSS_SELECTOR, ".sbs .fold")
    folded = "".join(m.text for m in browser.find_elements(By.CSS_SELECTOR, ".sbs .fold"))
    assert "黨" in folded or "党" in folded
    marked = "".join(m.text for m in browser.find_elements(By.CSS_SELECTOR, ".sbs mark.del"))
    assert "创新理论" not in marked and "党组织" not in marked

    # The documents tab lists the reused share and filters the families by document.
    browser.find_elements(By.CSS_SELECTOR, ".tab")[1].click()
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.click")
    assert {r.find_element(By.CSS_SELECTOR, "td").text.split("\n")[0] for r in rows} == {
        "a.txt",
        "b.txt",
        "c.txt",
    }
    assert js(browser, "typeof window.__pwned") == "undefined"
    assert_clean(browser)
    assert shot.exists()


def test_ten_thousand_families_render_a_page_at_a_time(browser, tmp_path):
    result, texts = synthetic_scan(10_000)
    page = tmp_path / "big.html"
    page.write_text(scan_html(result, texts.get), encoding="utf-8")
    t0 = time.monotonic()
    open_page(browser, page)
    load = time.monotonic() - t0

    from selenium.webdriver.common.by import By

    assert js(browser, "document.querySelectorAll('.fam').length") == 50
    elements = js(browser, "document.getElementsByTagName('*').length")
    assert elements < 2_000, elements
    assert load < 15, load
    pagers = browser.find_elements(By.CSS_SELECTOR, ".pager .info")
    assert pagers[0].text == "1–50 of 10,000"
    browser.find_elements(By.CSS_SELECTOR, ".pager .btn")[1].click()
    assert pagers[0].text == "51–100 of 10,000"
    first = browser.find_element(By.CSS_SELECTOR, ".fam-head")
    first.click()
    assert browser.find_elements(By.CSS_SELECTOR, ".fam[open] .sbs")
    search = browser.find_element(By.CSS_SELECTOR, "input[type=search]")
    search.send_keys("d00042.txt")
    end = time.monotonic() + 5
    while "of 10,000" in pagers[0].text and time.monotonic() < end:
        time.sleep(0.05)
    wanted = sum(1 for p in result.passages if any(m.doc == "d00042.txt" for m in p.members))
    assert pagers[0].text.endswith(f"of {wanted}")
    assert_clean(browser)


def test_phrase_trends_and_checked_draft_render(browser, tmp_path):
    from selenium.webdriver.common.by import By

    years = [str(y) for y in range(2015, 2025)]
    names = ["走深走实", "两个维护", "高质量发展", "落地见效", "守正创新", "入脑入心"]
    counts = {p: {y: (i + 1) * (k + 1) for k, y in enumerate(years)} for i, p in enumerate(names)}
    table = GroupTable(
        "year",
        years,
        names,
        counts,
        {p: {y: min(c, 10) for y, c in row.items()} for p, row in counts.items()},
        dict.fromkeys(years, 10),
        dict.fromkeys(years, 40_000),
    )
    phrases = PhraseResult(
        [Phrase(p, 20 - i, 40 - i, 5.0 - i) for i, p in enumerate(names)], 100, 400_000
    )
    page = tmp_path / "phrases.html"
    page.write_text(phrases_html(phrases, table, title="reuse phrases --by year"), encoding="utf-8")
    open_page(browser, page)
    # One line per chosen formula (the first five) and a small chart for every one.
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg polyline")) == 5
    assert len(browser.find_elements(By.CSS_SELECTOR, ".sm svg")) == len(names)
    browser.find_elements(By.CSS_SELECTOR, ".sm")[5].click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg polyline")) == 6
    screenshot(browser, "browser-phrases.png")
    assert_clean(browser)

    root = hostile_corpus(tmp_path / "corpus")
    results, _ = check_corpus([("draft.txt", DRAFT)], [root], workers=1)
    texts = {p.name: p.read_text(encoding="utf-8") for p in root.glob("*.txt")}
    page = tmp_path / "check.html"
    page.write_text(check_html(results, texts.get), encoding="utf-8")
    open_page(browser, page)
    marks = browser.find_elements(By.CSS_SELECTOR, ".draft mark.reuse")
    assert marks
    marks[0].click()
    sources = browser.find_elements(By.CSS_SELECTOR, ".panel .src")
    assert sources
    assert browser.find_elements(By.CSS_SELECTOR, ".panel .src .sbs .side")
    assert js(browser, "typeof window.__pwned") == "undefined"
    assert SCRIPT_ATTACK in js(browser, "document.querySelector('.draft').textContent")
    screenshot(browser, "browser-check.png")
    assert_clean(browser)
    data = json.loads(js(browser, "document.getElementById('reuse-data').textContent"))
    assert data["kind"] == "check"
