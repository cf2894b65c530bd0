"""Every spider at once: naming, domains and politeness are invariants, not review comments."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
import scrapy

import grocer.spiders
from grocer.pipelines import BARCODE_PIPELINES, PRICE_PIPELINES, STORE_PIPELINES
from grocer.settings import CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY, ITEM_PIPELINES

# Spiders allowed to differ from the project's politeness defaults, and why.
POLITENESS_ALLOWLIST: dict[str, str] = {}
SHARED_MODULES = {"base", "locator"}


def spider_modules() -> list[str]:
    return sorted(
        name
        for _, name, _ in pkgutil.iter_modules(grocer.spiders.__path__)
        if name not in SHARED_MODULES
    )


def spider_class(module_name: str) -> type[scrapy.Spider]:
    module = importlib.import_module(f"grocer.spiders.{module_name}")
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, scrapy.Spider) and c.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"{module_name}: one spider class per file"
    return classes[0]


def test_the_retailer_spiders_exist() -> None:
    names = set(spider_modules())
    for retailer in ("coles", "woolworths", "aldi", "iga"):
        assert retailer in names
        assert f"{retailer}_stores" in names


@pytest.mark.parametrize("module_name", spider_modules())
def test_file_class_and_name_agree(module_name: str) -> None:
    cls = spider_class(module_name)
    assert cls.name == module_name
    camel = "".join(part.capitalize() for part in module_name.split("_"))
    assert cls.__name__ == f"{camel}Spider"


@pytest.mark.parametrize("module_name", spider_modules())
def test_spiders_declare_their_domains(module_name: str) -> None:
    assert spider_class(module_name).allowed_domains


@pytest.mark.parametrize("module_name", spider_modules())
def test_spiders_are_no_less_polite_than_the_project(module_name: str) -> None:
    cls = spider_class(module_name)
    if cls.name in POLITENESS_ALLOWLIST:
        return
    settings = cls.custom_settings or {}
    assert settings.get("DOWNLOAD_DELAY", DOWNLOAD_DELAY) >= DOWNLOAD_DELAY
    per_domain = settings.get("CONCURRENT_REQUESTS_PER_DOMAIN", CONCURRENT_REQUESTS_PER_DOMAIN)
    assert per_domain <= CONCURRENT_REQUESTS_PER_DOMAIN
    assert settings.get("AUTOTHROTTLE_ENABLED", True)


@pytest.mark.parametrize("module_name", spider_modules())
def test_each_spider_family_names_its_own_pipelines(module_name: str) -> None:
    """Pipelines apply by configuration: no project-wide list, no spider-class checks."""
    assert ITEM_PIPELINES == {}
    if module_name.endswith("_stores"):
        expected = STORE_PIPELINES
    elif module_name.endswith("_barcodes"):
        expected = BARCODE_PIPELINES
    else:
        expected = PRICE_PIPELINES
    assert (spider_class(module_name).custom_settings or {}).get("ITEM_PIPELINES") == expected
