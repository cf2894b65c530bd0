"""grocer's Scrapy settings: what they work around still exists in the Scrapy installed."""

from __future__ import annotations

import inspect

import scrapy.downloadermiddlewares.cookies as cookies

import grocer.settings  # noqa: F401  (installs the offline suffix list)


def test_cookie_domains_are_split_with_the_shipped_suffix_list() -> None:
    """CookiesMiddleware still asks ``_split_domain`` whether a domain is public; grocer's
    replacement never downloads the list (this machine has no internet: a download would
    fail or hang)."""
    assert "_split_domain(" in inspect.getsource(cookies._is_public_domain)
    assert cookies._split_domain.suffix_list_urls == ()
    assert cookies._is_public_domain("com.au")
    assert not cookies._is_public_domain("www.coles.com.au")
    assert not cookies._is_public_domain("127.0.0.1")
