"""``/grocer.json``: a Scrapyd web service telling a dispatcher what a node is.

Scrapyd's ``daemonstatus.json`` reports job counts only; this service adds what dispatch needs:
the code the node runs, the schema it expects, its slots (Scrapyd's ``max_proc``) and the
address its crawls' requests leave from.  ``grocer node serve`` names it in ``scrapyd.conf``
(``[services] grocer.json = grocer.node.service.NodeInfo``).  It runs inside Scrapyd's process,
so it imports no Scrapy-heavy grocer module.
"""

from __future__ import annotations

import os
from typing import Any

from scrapyd.webservice import WsResource

from grocer.db.migrate import SCHEMA_REVISION
from grocer.node.identity import code_version

SOURCE_ADDRESS_ENV = "GROCER_SOURCE_ADDRESS"


def node_info(slots: int, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The node's identity (Scrapyd adds ``node_name`` and ``status``)."""
    env = os.environ if environ is None else environ
    # Each crawl is a new process importing the checkout as it is now, so the tree is read at
    # every call (two git commands, milliseconds), not once when Scrapyd started.
    code_version.cache_clear()
    return {
        "git_sha": code_version(),
        "schema_revision": SCHEMA_REVISION,
        "slots": slots,
        "source_address": env.get(SOURCE_ADDRESS_ENV) or None,
    }


class NodeInfo(WsResource):
    """GET ``/grocer.json``: ``{node_name, status, git_sha, schema_revision, slots,
    source_address}``."""

    def render_GET(self, txrequest: Any) -> dict[str, Any]:
        return node_info(self.root.launcher.max_proc)
