"""``client_rate`` over HTTP: per client address, 429 with ``Retry-After: 1`` beyond it, refused
requests kept out of the request log, ``clients`` in ``/_sim/requests``."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from grocer.sim.server import SimulatorServer
from tests.integration.sim.sim_helpers import fetch

SEARCH = "/aldi/v3/product-search?categoryKey=950000000&limit=30&offset=0&servicePoint=G102"


def get_from(sim: SimulatorServer, source: str, path: str) -> http.client.HTTPResponse:
    """GET ``path`` with ``source`` as the client address (any 127.x is this machine)."""
    url = urlsplit(sim.url)
    connection = http.client.HTTPConnection(
        url.hostname or "", url.port, timeout=20, source_address=(source, 0)
    )
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_each_client_gets_its_own_limit_and_refusals_do_not_count(
    fresh_sim: SimulatorServer,
) -> None:
    fresh_sim.set_faults("aldi:client_rate=2")
    fresh_sim.reset_requests()
    first = [get_from(fresh_sim, "127.0.0.2", SEARCH) for _ in range(4)]
    second = [get_from(fresh_sim, "127.0.0.3", SEARCH) for _ in range(3)]
    # The window is one second: a slow machine may let an old request out of it.
    assert [r.status for r in first][:2] == [200, 200] and 429 in [r.status for r in first]
    assert [r.status for r in second][:2] == [200, 200]
    refused = [r for r in first + second if r.status == 429]
    assert all(r.getheader("Retry-After") == "1" for r in refused)
    counts = fetch(f"{fresh_sim.url}/_sim/requests").json()
    answered = sum(r.status == 200 for r in first + second)
    assert counts["endpoints"]["aldi.search"] == answered
    assert counts["outcomes"]["aldi.search"] == {"200": answered}
    assert counts["clients"] == {
        "127.0.0.2": sum(r.status == 200 for r in first),
        "127.0.0.3": sum(r.status == 200 for r in second),
    }
    assert sum(counts["rate_limited"].values()) == len(refused)
    other = get_from(fresh_sim, "127.0.0.2", "/woolworths/apis/ui/PiesCategoriesWithSpecials")
    assert other.status == 200  # another retailer: no limit


def test_control_requests_are_no_client(fresh_sim: SimulatorServer) -> None:
    fresh_sim.reset_requests()
    fetch(f"{fresh_sim.url}/_sim/health")
    assert json.loads(fetch(f"{fresh_sim.url}/_sim/requests").text)["clients"] == {}
