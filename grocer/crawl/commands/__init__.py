"""grocer's Scrapy commands (``COMMANDS_MODULE``): ``scrapy crawl`` keeps its name."""
