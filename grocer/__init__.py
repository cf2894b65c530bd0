"""grocer: grocery price scraping and analysis for Australian supermarkets."""

__version__ = "0.1.0"
