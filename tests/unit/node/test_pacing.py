"""A node's settings: the source address becomes DOWNLOAD_BIND_ADDRESS; GROCER_NODE_RATE paces
each crawl at slots / rate, over spider settings and -s options where larger."""

from __future__ import annotations

import runpy
from typing import Any

import pytest
import scrapy
from scrapy.crawler import Crawler
from scrapy.extensions.throttle import AutoThrottle
from scrapy.settings import Settings

import grocer.settings
from grocer.node.pacing import NodePacing, node_delay

SETTINGS_FILE = grocer.settings.__file__


def node_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """grocer.settings as a crawl with this environment reads it."""
    for name in ("GROCER_SOURCE_ADDRESS", "GROCER_NODE_RATE", "GROCER_NODE_SLOTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loaded = runpy.run_path(SETTINGS_FILE)
    return {name: value for name, value in loaded.items() if name.isupper()}


def test_the_source_address_is_scrapys_bind_address(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "DOWNLOAD_BIND_ADDRESS" not in node_settings(monkeypatch)
    values = node_settings(monkeypatch, GROCER_SOURCE_ADDRESS="127.0.0.2")
    assert values["DOWNLOAD_BIND_ADDRESS"] == "127.0.0.2"


def test_node_delay() -> None:
    assert node_delay(0, 2) is None
    assert node_delay(4, 2) == 0.5
    assert node_delay(4, 0) == 0.25  # at least one slot


class Polite(scrapy.Spider):
    name = "polite"
    custom_settings = {"DOWNLOAD_DELAY": 2.0}


class Eager(scrapy.Spider):
    name = "eager"
    custom_settings = {"DOWNLOAD_DELAY": 0.1}


def crawl_settings(
    monkeypatch: pytest.MonkeyPatch, spider: type[scrapy.Spider], **env: str
) -> Settings:
    """A crawl's settings once the spider's and -s's are in and the add-ons have run."""
    settings = Settings()
    settings.setdict(node_settings(monkeypatch, **env), priority="project")
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")  # a fast test's -s
    crawler = Crawler(spider, settings)
    crawler.addons.load_settings(crawler.settings)  # as Crawler._apply_settings does
    return crawler.settings


def test_node_rate_sets_the_delay_over_spider_and_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = crawl_settings(monkeypatch, Eager)
    assert plain.getfloat("DOWNLOAD_DELAY") == 0  # no node rate: the -s value stands
    paced = crawl_settings(monkeypatch, Eager, GROCER_NODE_RATE="4", GROCER_NODE_SLOTS="2")
    assert paced.getfloat("DOWNLOAD_DELAY") == 0.5
    assert paced.getfloat("DOWNLOAD_DELAY_JITTER") == 0
    alone = crawl_settings(monkeypatch, Eager, GROCER_NODE_RATE="4")
    assert alone.getfloat("DOWNLOAD_DELAY") == 0.25  # one slot without GROCER_NODE_SLOTS


def test_a_larger_delay_of_the_spider_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    settings.setdict(node_settings(monkeypatch, GROCER_NODE_RATE="4"), priority="project")
    crawler = Crawler(Polite, settings)
    crawler.addons.load_settings(crawler.settings)
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 2.0


def test_autothrottle_never_goes_below_the_node_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = crawl_settings(monkeypatch, Eager, GROCER_NODE_RATE="2", GROCER_NODE_SLOTS="2")
    throttle = AutoThrottle(Crawler(Eager, settings))
    assert throttle._min_delay() == 1.0


def test_grocer_settings_enable_the_pacing_add_on() -> None:
    assert grocer.settings.ADDONS == {f"{NodePacing.__module__}.NodePacing": 0}
