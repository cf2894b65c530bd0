"""Analysis over the database: substitutions, price zones with retention, bargains.

Analysis never imports Scrapy; it reads the database and writes derived tables.
"""
