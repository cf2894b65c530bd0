"""Crawl health: the checks judging each run, freshness of stores' prices, operator status and
alerts.  Nothing here imports Scrapy (the Spidermon suite that runs the checks in a crawl is
:mod:`grocer.crawl.monitors`)."""
