"""Simulator throughput: Woolworths and Aldi listing pages of a scaled store, 8 clients.

Starts ``python -m grocer.sim --scale N`` in a subprocess and discovers every listing page of
one Woolworths and one Aldi store (each category's total from a one-product page, so no
listing page is rendered yet).  Then, with faults off, concurrent keep-alive clients (this
process, asyncio + aiohttp) fetch:

1. the first pass: every listing page exactly once, each one rendered by the simulator
   (the headline ``pages_per_s``: what a crawl benchmark meets).  It is repeated on
   ``--rounds`` simulated days (the clock advances one day, and discovery runs again, before
   each further round, so every page is new to the page cache), and the median round is
   reported: one pass takes about a second, and a loaded machine would otherwise decide it;
2. cached pages: the last day's pages again, round-robin for a bounded time (page cache
   hits, ``cached_pages_per_s``).

Baseline: Python's naive ``http.server`` serving a sample of the same page bodies as static
files, measured in the same run.  The last line is a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

WOOLWORTHS_STORE = "1147"
GOAL_PAGES_PER_S = 1000  # issue 3: first-pass pages/s from 8 clients, faults off
ALDI_STORE = "G102"


def _start(cmd: list[str], marker: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if marker not in line:
        process.kill()
        raise RuntimeError(f"unexpected first line from {cmd[:3]}: {line!r}")
    return process, line


def _leaves(nodes: list[dict[str, Any]], children: str, key: str) -> list[str]:
    out: list[str] = []
    for node in nodes:
        kids = node.get(children) or []
        out.extend(_leaves(kids, children, key) if kids else [str(node[key])])
    return out


SOLD_BY_WOOLWORTHS = [{"Key": "SoldBy", "Items": [{"Term": "Woolworths"}]}]


async def _discover(session: aiohttp.ClientSession, url: str) -> list[tuple[str, str, Any]]:
    """Every listing page of the two stores as (method, url, json body).

    Totals come from one-product pages (``limit=1`` / ``pageSize=1``), which the simulator
    caches under their own keys: the listing pages themselves stay unrendered.
    """
    pages: list[tuple[str, str, Any]] = []
    async with session.get(f"{url}/aldi/v2/product-category-tree") as r:
        aldi_tree = (await r.json())["data"]
    for key in _leaves(aldi_tree, "children", "key"):
        search = f"{url}/aldi/v3/product-search?categoryKey={key}&servicePoint={ALDI_STORE}"
        async with session.get(f"{search}&limit=1&offset=0") as r:
            total = (await r.json())["meta"]["pagination"]["totalCount"] if r.status == 200 else 0
        pages += [("GET", f"{search}&limit=30&offset={o}", None) for o in range(0, total, 30)]
    async with session.get(f"{url}/woolworths/apis/ui/PiesCategoriesWithSpecials") as r:
        tree = (await r.json())["Categories"]
    browse = f"{url}/woolworths/apis/ui/browse/category"
    leaves = [n for n in _leaves(tree, "Children", "NodeId") if not n.endswith("_SPECIALS")]
    for leaf in leaves:
        body = {
            "categoryId": leaf,
            "pageNumber": 1,
            "pageSize": 1,
            "storeId": WOOLWORTHS_STORE,
            "filters": SOLD_BY_WOOLWORTHS,
        }
        async with session.post(browse, json=body) as r:
            total = (await r.json())["TotalRecordCount"]
        for number in range(1, (total + 35) // 36 + 1):
            pages.append(("POST", browse, {**body, "pageSize": 36, "pageNumber": number}))
    return pages


async def _load(
    pages: list[tuple[str, str, Any]], clients: int, seconds: float, once: bool
) -> dict[str, float]:
    """Fetch ``pages`` from ``clients`` keep-alive clients: each page exactly once
    (``once``), or round-robin until ``seconds`` have passed."""
    done = 0
    failures = 0
    nbytes = 0
    deadline = time.perf_counter() + seconds
    cursor = 0

    async def worker() -> None:
        nonlocal done, failures, nbytes, cursor
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            while (cursor < len(pages)) if once else (time.perf_counter() < deadline):
                method, url, body = pages[cursor % len(pages)]
                cursor += 1
                async with session.request(method, url, json=body) as response:
                    data = await response.read()
                    if response.status == 200:
                        done += 1
                        nbytes += len(data)
                    else:
                        failures += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    return {"pages": done, "failures": failures, "seconds": elapsed, "bytes": nbytes}


async def _sample_bodies(pages: list[tuple[str, str, Any]], directory: Path, n: int) -> list[str]:
    names = []
    async with aiohttp.ClientSession() as session:
        for i, (method, url, body) in enumerate(pages[:: max(1, len(pages) // n)][:n]):
            async with session.request(method, url, json=body) as response:
                (directory / f"p{i}.json").write_bytes(await response.read())
            names.append(f"p{i}.json")
    return names


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "grocer.sim", "--port", "0", "--scale", str(args.scale)]
    started = time.perf_counter()
    sim, url = _start(cmd, "http://")
    startup = time.perf_counter() - started
    try:
        rounds: list[float] = []
        failures = 0
        for round_no in range(args.rounds):
            async with aiohttp.ClientSession() as session:
                if round_no:
                    async with session.post(f"{url}/_sim/clock", json={"advance_days": 1}) as r:
                        day = (await r.json())["date"]
                else:
                    async with session.get(f"{url}/_sim/clock") as r:
                        day = (await r.json())["date"]
                started = time.perf_counter()
                pages = await _discover(session, url)
                discovery = time.perf_counter() - started
            if not round_no:
                print(f"simulator {url}: scale {args.scale}, startup {startup:.1f}s")
            first = await _load(pages, args.clients, 0, once=True)
            failures += int(first["failures"])
            rounds.append(first["pages"] / first["seconds"])
            print(
                f"{day}: discovery {discovery:.1f}s, first pass (every page rendered once): "
                f"{rounds[-1]:.0f} pages/s ({first['pages']} of {len(pages)} listing pages "
                f"in {first['seconds']:.2f}s)"
            )
        first_rate = statistics.median(rounds)
        print(f"first pass, median of {len(rounds)} days: {first_rate:.0f} pages/s")
        warm = await _load(pages, args.clients, args.duration, once=False)
        warm_rate = warm["pages"] / warm["seconds"]
        print(
            f"cached pages: {warm_rate:.0f} pages/s, "
            f"{warm['bytes'] / warm['seconds'] / 1e6:.0f} MB/s"
        )
        with tempfile.TemporaryDirectory() as tmp:
            names = await _sample_bodies(pages, Path(tmp), 200)
            base_cmd = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                        "--directory", tmp]  # fmt: skip
            baseline_server, line = _start(base_cmd, "Serving HTTP")
            try:
                port = line.split(" port ")[1].split()[0]
                static = [("GET", f"http://127.0.0.1:{port}/{n}", None) for n in names]
                base = await _load(static, args.clients, min(args.duration, 5), once=False)
            finally:
                baseline_server.terminate()
                baseline_server.wait(timeout=10)
                if baseline_server.stdout is not None:
                    baseline_server.stdout.close()
        base_rate = base["pages"] / base["seconds"]
        print(f"baseline http.server (static sample): {base_rate:.0f} pages/s")
    finally:
        sim.terminate()
        sim.wait(timeout=20)
        if sim.stdout is not None:
            sim.stdout.close()
    return {
        "bench": "sim",
        "scale": args.scale,
        "clients": args.clients,
        "listing_pages": len(pages),
        "pages_per_s": round(first_rate),
        "goal_pages_per_s": GOAL_PAGES_PER_S,
        "cached_pages_per_s": round(warm_rate),
        "first_pass_rounds": [round(r) for r in rounds],
        "failures": warm["failures"] + failures,
        "mb_per_s": round(warm["bytes"] / warm["seconds"] / 1e6, 1),
        "baseline_pages_per_s": round(base_rate),
        "ratio": round(first_rate / base_rate, 2) if base_rate else None,
        "cached_ratio": round(warm_rate / base_rate, 2) if base_rate else None,
        "startup_s": round(startup, 2),
        "discovery_s": round(discovery, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=30_000, help="products per retailer")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds of the cached-pages phase"
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="first passes (simulated days)")
    args = parser.parse_args()
    figures = asyncio.run(_run(args))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
