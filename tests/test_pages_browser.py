"""The pages in a real browser (issue 18): Debian's Chromium, headless, driven by Playwright, against
a served demo store. Nothing is downloaded: the browser is the system's, background networking off.
Screenshots are saved under tests/artifacts/ (CI keeps them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from serving import demo_store, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/apt-packages)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    with serving(demo_store(tmp_path_factory.mktemp("browser") / "demo.sqlite")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS, timeout=20_000)
        yield chromium
        chromium.close()


def test_a_reader_goes_from_the_provinces_to_a_units_explanation(site: str, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="vi-VN")
    page.set_default_timeout(10_000)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site + "/")
    assert "Tỉnh và kỳ thi đua" in page.inner_text("h1")
    assert page.get_by_text("Lai Châu").first.is_visible() and page.get_by_text("Điện Biên").first.is_visible()
    page.locator("ul.provinces > li", has_text="(laichau)").locator("a.period", has_text="2020").click()
    page.wait_for_url("**/p/laichau/2020")
    assert "Kết quả thi đua Lai Châu" in page.inner_text("h1")
    assert page.locator("svg.chart rect").count() >= 8
    assert page.get_by_text("Khối thi đua LĐLĐ các huyện, thành phố").is_visible()
    page.screenshot(path=str(ARTIFACTS / "standings-laichau-2020.png"), full_page=True)
    page.get_by_role("link", name="LĐLĐ huyện Mường Tè").click()
    page.wait_for_url("**/unit/LDLD_MUONG_TE")
    assert "LĐLĐ huyện Mường Tè" in page.inner_text("h1")
    assert page.locator("blockquote.rule").count() >= 1  # the regulation's sentences
    assert page.get_by_text("không công khai").first.is_visible()  # a person's discipline stays private
    page.screenshot(path=str(ARTIFACTS / "explain-muong-te.png"), full_page=True)
    page.fill("#as_of", "@300")
    page.click("form.asof button")
    page.wait_for_url("**as_of=%40300")
    assert "vị trí sổ 300" in page.inner_text("p.meta")
    assert all(url.startswith(site) for url in requests), "a page fetched something from elsewhere"
    page.close()


def test_the_pages_read_on_a_phone_and_print(site: str, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    phone.goto(site + "/p/laichau/2020")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page is {width}px wide on a 390px phone"
    phone.screenshot(path=str(ARTIFACTS / "standings-phone.png"), full_page=False)
    phone.emulate_media(media="print")
    assert not phone.locator("form.asof").is_visible()
    phone.goto(site + "/verify")
    assert "Nguyên vẹn" in phone.inner_text("main")
    phone.close()
