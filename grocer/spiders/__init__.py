"""Scrapy spiders: one per retailer catalogue, one per store locator, Coles barcodes."""
