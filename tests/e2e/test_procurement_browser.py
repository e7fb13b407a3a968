"""The supplier page in a real headless browser: Debian's chromium driven by Selenium through Debian's
chromium-driver (no browser download). Open the e-mailed link, fill in, submit, see the confirmation, and see
the company receive the WebSocket frame. A screenshot is left at /tmp/supplier-page.png.

Skips (saying why) only when chromium or chromedriver is absent; scripts/bootstrap.sh installs both in CI.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from runtime_support import RuntimeHandle
from test_procurement_flow import Spa, quote_with_suppliers, recv_until

pytestmark = pytest.mark.e2e
SCREENSHOT = Path("/tmp/supplier-page.png")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=412,1600")


def _binaries() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists()
                                              else None)
    if browser is None or driver is None:
        reason = (f"chromium={'found' if browser else 'MISSING'}, chromedriver={'found' if driver else 'MISSING'}: "
                  "install Debian's chromium and chromium-driver (scripts/bootstrap.sh does) to run this test")
        print(f"SKIP supplier-page browser test: {reason}")
        pytest.skip(reason)
    return browser, driver


@pytest.fixture
def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _binaries()
    profile = tempfile.mkdtemp(prefix="licita-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_supplier_fills_and_submits_the_page_in_chromium(runtime: RuntimeHandle, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    spa = Spa(runtime)
    quote, suppliers, links = quote_with_suppliers(spa, 1)
    url = links[suppliers[0]["id"]]
    with spa.socket() as ws:
        browser.get(url)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "pt-BR"
        assert browser.find_element(By.TAG_NAME, "h1").text == quote["title"]
        fieldsets = browser.find_elements(By.TAG_NAME, "fieldset")
        assert len(fieldsets) == 3
        for fieldset, (price, brand, days) in zip(fieldsets, (("24,90", "Chamex", "5"), ("2,15", "Bic", "3"),
                                                              ("29,00", "Maped", "10")), strict=True):
            price_input = fieldset.find_element(By.CSS_SELECTOR, "input[id^='preco-']")
            label = fieldset.find_element(By.CSS_SELECTOR, f"label[for='{price_input.get_attribute('id')}']")
            assert label.text == "Preço unitário (R$)"  # every input has its label
            price_input.send_keys(price)
            fieldset.find_element(By.CSS_SELECTOR, "input[id^='marca-']").send_keys(brand)
            fieldset.find_element(By.CSS_SELECTOR, "input[id^='entrega-']").send_keys(days)
            fieldset.find_element(By.CSS_SELECTOR, "input[id^='validade-']").send_keys("60")
        browser.find_element(By.ID, "observacoes").send_keys("Entrega em até 10 dias; frete CIF.")
        browser.find_element(By.ID, "enviar").click()
        confirmation = WebDriverWait(browser, 20).until(
            expected_conditions.visibility_of_element_located((By.ID, "confirmacao")))
        assert "Cotação enviada com sucesso" in confirmation.text
        assert confirmation.get_attribute("role") == "status"
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(SCREENSHOT))
        frame = recv_until(ws, lambda f: f.get("kind") == "quote.received")
        assert frame["payload"]["quote_id"] == quote["id"] and suppliers[0]["trade_name"] in frame["body"]
    # what the browser sent is what the company compares
    comparison = spa.ok(spa.http.get(f"/quotes/{quote['id']}/comparison"))
    assert [i["lowest"] for i in comparison["items"]] == [24.9, 2.15, 29.0]
    assert comparison["items"][0]["offers"][0]["brand"] == "Chamex"
    assert SCREENSHOT.stat().st_size > 10_000
