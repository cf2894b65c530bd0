"""The read-only HTTP API (``grocer serve``): FastAPI over a read-only SQLAlchemy engine.

:func:`grocer.api.app.create_app` builds the application; nothing here imports Scrapy.
docs/API.md describes the endpoints.
"""
