"""Downloader middlewares: Retry-After aware retries and the Coles browser session."""
