"""Every case's report.html opened in headless Chromium: no console errors, diagram and charts visible."""

from __future__ import annotations

import io
import os
import re
import shutil

import pytest

from framework.checks import session_for
from framework.registry import case_names, get_case
from framework.whiteboard import whiteboard

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_bin = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_bin):
        message = "headless Chromium missing: apt-get install chromium chromium-driver (make test does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_bin))
    yield driver
    driver.quit()


def _visible_size(driver, element) -> tuple[float, float]:
    box = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", element)
    return box[0], box[1]


@pytest.mark.parametrize("case_name", case_names())
def test_report_renders_in_chromium(browser, case_name, tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By

    session = session_for(get_case(case_name))
    session.run()
    report = session.workdir / "run-a" / "report.html"
    browser.get(report.as_uri())
    assert browser.title.startswith(get_case(case_name).design.title)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], f"console errors: {errors}"
    for n in range(1, 10):
        assert browser.find_element(By.ID, f"step-{n}").is_displayed()
    nav_links = browser.find_elements(By.CSS_SELECTOR, "nav a")
    assert len(nav_links) >= 9
    diagram = browser.find_element(By.CSS_SELECTOR, "#step-3 svg")
    width, height = _visible_size(browser, diagram)
    assert width > 300 and height > 100, f"diagram is {width}x{height}"
    spec = get_case(case_name).design.architecture
    icons = browser.find_elements(By.CSS_SELECTOR, "#step-3 svg image")
    assert len(icons) == len(whiteboard(spec).components) + len(spec.components)  # both views
    # Each diagram opens full size on click: its link names a file written next to the report.
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#step-3 a.svg")]
    assert [link.rsplit("/", 1)[-1] for link in links] == ["architecture-whiteboard.svg", "architecture.svg"]
    assert all((report.parent / link.rsplit("/", 1)[-1]).is_file() for link in links)
    charts = browser.find_elements(By.CSS_SELECTOR, "figure img")
    assert len(charts) >= 2, "expected the model-ladder chart and the case's plots"
    for chart in charts:
        loaded = browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", chart)
        assert loaded and loaded > 100, f"chart {chart.get_attribute('alt')!r} did not load"
        browser.execute_script("arguments[0].scrollIntoView()", chart)
        width, height = _visible_size(browser, chart)
        assert width > 200 and height > 100
    browser.execute_script("document.getElementById('step-6').scrollIntoView()")
    shot = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("L")
    assert len(shot.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20, "screenshot is blank"
    shot.save(tmp_path / f"{case_name}-report.png")  # kept out of the repo, for looking at when debugging


@pytest.mark.parametrize("case_name", case_names())
def test_report_is_self_contained(case_name):
    session = session_for(get_case(case_name))
    session.run()
    html = (session.workdir / "run-a" / "report.html").read_text()
    without_data = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", html)
    fetched = re.findall(r'(?:src|href)="(https?:[^"]*)"', without_data)
    assert fetched == [], f"external fetches: {fetched}"
    for machine_path in ("/tmp/", "/work/", "/root/", "/home/", "site-packages"):
        assert machine_path not in without_data, machine_path


def test_index_links_every_case_report_with_its_thumbnail_ladder_and_p99(tmp_path):
    from framework.report import write_index

    sessions = {name: session_for(get_case(name)) for name in case_names()}
    runs = [(get_case(name), session.run()) for name, session in sessions.items()]
    folders = {name: session.workdir / "run-a" for name, session in sessions.items()}
    html = write_index(tmp_path, runs, folders).read_text()
    for case, metrics in runs:
        link = f'href="{case.name}/report.html"'
        assert link in html
        assert f'<a {link}><img class="thumb"' in html, "the whiteboard thumbnail opens the report"
        for model in metrics.models:
            assert f"<td>{model}</td>" in html
        assert f"{metrics.metric(metrics.best_model):.4g}" in html
        assert f"p99 {metrics.serving.p99_ms:.4g} ms" in html
    assert html.count('class="thumb"') == len(runs)


@pytest.mark.parametrize("case_name", case_names())
@pytest.mark.parametrize("width", [1280, 390])
def test_report_text_never_scrolls_sideways(browser, case_name, width):
    session = session_for(get_case(case_name))
    session.run()
    browser.set_window_size(width, 900)
    try:
        browser.get((session.workdir / "run-a" / "report.html").as_uri())
        inner, scroll = browser.execute_script("return [window.innerWidth, document.documentElement.scrollWidth];")
        assert inner <= width and scroll <= inner, f"page is {scroll} px wide in a {inner} px window"
        # Wide tables and the diagram scroll inside their own box instead.
        boxes = browser.execute_script(
            "return [...document.querySelectorAll('.wide, .svg')].map(e => e.getBoundingClientRect().right);"
        )
        assert boxes and max(boxes) <= inner + 1
    finally:
        browser.set_window_size(1400, 1000)


@pytest.mark.parametrize("case_name", case_names())
def test_whiteboard_text_is_at_least_10_px_in_a_1280_px_window(browser, case_name):
    from framework.layoutcheck import MIN_TEXT_PX, REPORT_FIGURE_PX

    session = session_for(get_case(case_name))
    session.run()
    browser.set_window_size(1280, 900)
    try:
        browser.get((session.workdir / "run-a" / "report.html").as_uri())
        shown, smallest = browser.execute_script(
            """const svg = document.querySelector('#step-3 a.svg > svg');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')));
            return [svg.getBoundingClientRect().width, Math.min(...sizes) * scale];"""
        )
        assert shown >= REPORT_FIGURE_PX, f"the whiteboard is shown {shown:.0f} px wide"
        assert smallest >= MIN_TEXT_PX, f"its smallest text is {smallest:.1f} px high"
    finally:
        browser.set_window_size(1400, 1000)


def test_the_report_prints_to_a_readable_pdf(tmp_path):
    from framework.pdf import find_browser, print_pdf

    browser = find_browser()
    if browser is None:
        message = "Chromium missing: apt-get install chromium (make test does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    import pypdf

    case = get_case("fraud")
    session = session_for(case)
    session.run()
    pdf = print_pdf(session.workdir / "run-a" / "report.html", tmp_path / "report.pdf", browser)
    reader = pypdf.PdfReader(pdf)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert 4 <= len(reader.pages) <= 40, len(reader.pages)
    # The text is selectable, every step is there, and the navigation column is not printed.
    for number in range(1, 10):
        assert f"{number}. " in text
    assert case.design.title in text and "whiteboard view" in text
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842), "A4 portrait"


def test_pdf_without_chromium_is_refused_before_any_work(tmp_path, monkeypatch):
    from framework.cli import invoke, make_case_app

    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    code = invoke(make_case_app(get_case("fraud")), ["run", "--pdf", "--quiet", "--out", str(tmp_path / "out")])
    assert code == 2
    assert not (tmp_path / "out").exists()
