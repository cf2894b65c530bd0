"""Coles bot protection: a plain HTTP client gets no prices; Chromium via Playwright does."""

from __future__ import annotations

import json

import pytest

from grocer.sim.server import SimulatorServer
from tests.integration.sim.sim_helpers import fetch, next_data

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.mark.e2e
@pytest.mark.usefixtures("chromium")
def test_plain_client_blocked_browser_gets_prices() -> None:
    from playwright.sync_api import sync_playwright

    with SimulatorServer(date="2025-09-17") as sim:
        url = f"{sim.url}/coles/browse/fruit-vegetables?page=1"
        for _ in range(2):  # no session: never prices, however often asked
            assert next_data(fetch(url, headers={"Cookie": "fulfillmentStoreId=401"}).text) is None
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                context = browser.new_context()
                context.add_cookies(
                    [{"name": "fulfillmentStoreId", "value": "401", "url": sim.url}]
                )
                page = context.new_page()
                page.goto(f"{sim.url}/coles/")
                page.wait_for_selector("#__NEXT_DATA__", state="attached", timeout=15_000)
                page.goto(url)
                data = json.loads(page.locator("#__NEXT_DATA__").text_content() or "{}")
                cookies = {c["name"]: c["value"] for c in context.cookies()}
            finally:
                browser.close()
        props = data["props"]["pageProps"]
        assert props["initStoreId"] == "0401"
        tiles = [t for t in props["searchResults"]["results"] if t["_type"] == "PRODUCT"]
        assert len(tiles) == 48 and all(t["pricing"]["now"] > 0 for t in tiles)
        # The browser's session cookies then work for plain requests, as the spider uses them.
        header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        assert next_data(fetch(url, headers={"Cookie": header}).text) is not None
