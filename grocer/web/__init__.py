"""The web view of ``grocer serve``: server-rendered HTML pages (Jinja2) over the API's own
functions, plain CSS, no JavaScript needed, nothing from another host (docs/API.md)."""

from grocer.web.views import STATIC_DIR, web_router

__all__ = ["STATIC_DIR", "web_router"]
