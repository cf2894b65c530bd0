"""Simulator throughput: Woolworths and Aldi listing pages of a scaled store, 8 clients.

Starts ``python -m grocer.sim --scale N`` in a subprocess, discovers every listing page of one
Woolworths and one Aldi store, then fetches them from concurrent keep-alive clients (this
process, asyncio + aiohttp) for a bounded time with faults off.  Baseline: Python's naive
``http.server`` serving a sample of the same page bodies as static files, measured in the
same run.  The last line is a JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

WOOLWORTHS_STORE = "1147"
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


async def _discover(session: aiohttp.ClientSession, url: str) -> list[tuple[str, str, Any]]:
    """Every listing page of the two stores as (method, url, json body)."""
    pages: list[tuple[str, str, Any]] = []
    async with session.get(f"{url}/aldi/v2/product-category-tree") as r:
        aldi_tree = (await r.json())["data"]
    for key in _leaves(aldi_tree, "children", "key"):
        base = f"{url}/aldi/v3/product-search?categoryKey={key}&limit=30&servicePoint={ALDI_STORE}"
        async with session.get(f"{base}&offset=0") as r:
            total = (await r.json())["meta"]["pagination"]["totalCount"] if r.status == 200 else 0
        pages += [("GET", f"{base}&offset={o}", None) for o in range(0, total, 30)]
    async with session.get(f"{url}/woolworths/apis/ui/PiesCategoriesWithSpecials") as r:
        tree = (await r.json())["Categories"]
    browse = f"{url}/woolworths/apis/ui/browse/category"
    leaves = [n for n in _leaves(tree, "Children", "NodeId") if not n.endswith("_SPECIALS")]
    for leaf in leaves:
        body = {"categoryId": leaf, "pageNumber": 1, "pageSize": 36, "storeId": WOOLWORTHS_STORE}
        async with session.post(browse, json=body) as r:
            total = (await r.json())["TotalRecordCount"]
        for number in range(1, (total + 35) // 36 + 1):
            pages.append(("POST", browse, {**body, "pageNumber": number}))
    return pages


async def _load(
    pages: list[tuple[str, str, Any]], clients: int, seconds: float, max_pages: int | None
) -> dict[str, float]:
    """Fetch ``pages`` round-robin from ``clients`` keep-alive clients for ``seconds``."""
    done = 0
    failures = 0
    nbytes = 0
    deadline = time.perf_counter() + seconds
    cursor = 0

    async def worker() -> None:
        nonlocal done, failures, nbytes, cursor
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            while time.perf_counter() < deadline and (max_pages is None or done < max_pages):
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
        async with aiohttp.ClientSession() as session:
            pages = await _discover(session, url)
        print(f"simulator {url}: scale {args.scale}, startup {startup:.1f}s, {len(pages)} pages")
        cold = await _load(pages, args.clients, args.duration, len(pages))
        print(f"first pass (renders): {cold['pages'] / cold['seconds']:.0f} pages/s")
        warm = await _load(pages, args.clients, args.duration, None)
        rate = warm["pages"] / warm["seconds"]
        print(f"cached pages: {rate:.0f} pages/s, {warm['bytes'] / warm['seconds'] / 1e6:.0f} MB/s")
        with tempfile.TemporaryDirectory() as tmp:
            names = await _sample_bodies(pages, Path(tmp), 200)
            base_cmd = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                        "--directory", tmp]  # fmt: skip
            baseline_server, line = _start(base_cmd, "Serving HTTP")
            try:
                port = line.split(" port ")[1].split()[0]
                static = [("GET", f"http://127.0.0.1:{port}/{n}", None) for n in names]
                base = await _load(static, args.clients, min(args.duration, 5), None)
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
        "pages_per_s": round(rate),
        "first_pass_pages_per_s": round(cold["pages"] / cold["seconds"]),
        "failures": warm["failures"] + cold["failures"],
        "mb_per_s": round(warm["bytes"] / warm["seconds"] / 1e6, 1),
        "baseline_pages_per_s": round(base_rate),
        "ratio": round(rate / base_rate, 2) if base_rate else None,
        "startup_s": round(startup, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=30_000, help="products per retailer")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    figures = asyncio.run(_run(args))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
