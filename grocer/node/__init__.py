"""Crawl nodes: Scrapyd processes running grocer's checked-out code (``grocer node serve``)."""
