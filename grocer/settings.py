"""Scrapy settings for grocer: pipelines, politeness, retries, the asyncio reactor.

Per-retailer politeness lives in each spider's ``custom_settings``.  ``GROCER_*`` settings
default to the environment (see :mod:`grocer.config`) and can be overridden with ``-s``.

On a crawl node (``grocer node serve``, :mod:`grocer.node.serve`) the environment adds:

* ``GROCER_SOURCE_ADDRESS``: Scrapy's ``DOWNLOAD_BIND_ADDRESS`` (only when set), the local
  address the crawl's requests leave from.  Not the Coles browser session's: Chromium has its
  own network stack.
* ``GROCER_NODE_RATE`` (requests per second per address and retailer; unset or 0: no node
  pacing) and ``GROCER_NODE_SLOTS`` (crawls at once, default 1): each crawl's
  ``DOWNLOAD_DELAY`` is at least slots / rate, over a spider's ``custom_settings`` and ``-s``
  options alike, without jitter (:mod:`grocer.node.pacing`).  Scrapy's delay is per download
  slot (host) and a slot with a delay starts one request per delay, whatever
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` says; AutoThrottle never goes below ``DOWNLOAD_DELAY``.
"""

from __future__ import annotations

import os

import scrapy.downloadermiddlewares.cookies as _cookies
from tldextract import TLDExtract

from grocer.config import load_config

_config = load_config()

BOT_NAME = "grocer"
SPIDER_MODULES = ["grocer.spiders"]
NEWSPIDER_MODULE = "grocer.spiders"
# ``scrapy crawl`` exits with how its run ended (grocer/crawl/commands/crawl.py)
COMMANDS_MODULE = "grocer.crawl.commands"

# An honest, identifying user agent; each retailer's requests carry it.
USER_AGENT = "grocer/0.1 (+https://github.com/grocer-au/grocer; grocery price research)"
# The crawled endpoints are the JSON APIs the retailers' own pages call, not pages for robots.
ROBOTSTXT_OBEY = False
COOKIES_ENABLED = True
# No code-execution consoles in a crawler that runs unattended: neither Twisted's telnet nor
# Scrapy's remote-control HTTP server (which also writes a job file per crawl).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

CONCURRENT_REQUESTS = 16
# A callback yields a page item and a next request; Scrapy would start this many item tasks
# for every callback's output.
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
if _source_address := os.getenv("GROCER_SOURCE_ADDRESS"):
    DOWNLOAD_BIND_ADDRESS = _source_address
GROCER_NODE_RATE = float(os.getenv("GROCER_NODE_RATE") or 0)
GROCER_NODE_SLOTS = int(os.getenv("GROCER_NODE_SLOTS") or 1)
# After the spider's custom_settings and -s options: the node's pacing wins where larger.
ADDONS = {"grocer.node.pacing.NodePacing": 0}
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

RETRY_ENABLED = True
RETRY_TIMES = 5
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
GROCER_RETRY_MAX_WAIT = 60.0
GROCER_RETRY_BACKOFF = 0.5
# 429s with Retry-After waited out without spending a retry, per request (then they do).
GROCER_RATE_LIMIT_WAITS = 50

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "grocer.middlewares.retry.RetryAfterMiddleware": 550,
    # Off (NotConfigured) unless a Coles spider sets GROCER_COLES_SESSION; before the cookie
    # middleware (700) for requests, after decompression (590) for responses.
    "grocer.middlewares.coles_session.ColesSessionMiddleware": 580,
}
ITEM_PIPELINES: dict[str, int] = {}  # each spider family names its own (grocer.pipelines)
EXTENSIONS = {
    # Settles the crawl's run and its job directory (JOBDIR) before any other extension is
    # built, so first; opens the run on spider_opened; decides its status on spider_closed,
    # after every other component's close (checks included: it connects that handler last).
    "grocer.crawl.run.RunLifecycle": -100,
    "grocer.crawl.jobdir.JobDirCleanup": 500,
    # The crawl-health checks (grocer.crawl.monitors) run on spider_closed, before the run
    # lifecycle's close handler (connected at spider_opened) writes their verdicts.
    "spidermon.contrib.scrapy.extensions.Spidermon": 520,
    "grocer.crawl.progress.CrawlProgress": 510,
}

SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["grocer.crawl.monitors.CrawlHealthSuite"]
# Per check a number or {"default": x, "<company>": y} (JSON); see grocer/health/thresholds.py.
GROCER_CHECK_THRESHOLDS = os.getenv("GROCER_CHECK_THRESHOLDS", "")
GROCER_SCHEMA_VALIDATION = True  # False: no JSON Schema (only to measure what it costs)

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

GROCER_ENV = _config.env
GROCER_DATABASE_URL = ""  # empty: resolved from the environment (and GROCER_ENV)
GROCER_DATA_DIR = str(_config.data_dir)
GROCER_WRITE_BATCH = 500  # observations per transaction, at most
GROCER_JOBDIR = False  # catalogue spiders switch on one Scrapy job directory per run
GROCER_BARCODE_WORK = False  # the barcode spider asks its run for the products to look up
GROCER_PROGRESS = True  # one x/y line per crawl on a terminal (grocer crawl shows its own)
GROCER_COLES_SESSION = False  # the Coles spiders switch the browser session on
GROCER_COLES_SESSION_REFRESHES = 3  # session refreshes in a row without a good page, then stop
GROCER_COLES_SESSION_TIMEOUT = 30.0  # seconds for the browser to reach the app
GROCER_COLES_INTERACTIVE_TIMEOUT = 300.0  # seconds for a person to pass a CAPTCHA

# Works around a Scrapy behaviour: CookiesMiddleware decides whether a cookie's domain is a
# public suffix with a module-level ``TLDExtract`` (``scrapy.downloadermiddlewares.cookies.
# _split_domain``, used by ``_is_public_domain``), which downloads the public suffix list on
# first use.  Crawls must work offline (and unattended), so it uses the list tldextract ships.
# Scrapy has no setting for this; tests/unit/test_settings.py fails if that code changes.
_cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
