"""Benchmark: one benchmark run on an earlier commit and on this tree, in alternating pairs.

A change's effect on a figure is smaller than one run's noise on this machine (10-20%), so
the same benchmark runs ``--pairs`` times on each side, alternating (old, new, old, new, ...),
and each figure is judged by the median of its paired new/old ratios.  The earlier commit is
checked out in a temporary ``git worktree`` and imported through ``PYTHONPATH`` (check the
``grocer`` line printed: it names the tree each side imported).

    python bench/compare.py --base HEAD~3 [--new HEAD] --pairs 5 --keys items_per_s \
        -- bench/ingest.py ...

Without ``--new`` the new side is this tree as it is, uncommitted edits included; with it, a
second worktree of that commit.

Each side runs ``python <script> <args>`` in its own tree; the benchmark's last output line
must be its JSON figures.  Ends with one JSON line: the figures of every run, and per key the
medians and the median ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(tree: Path, command: list[str]) -> dict[str, Any]:
    """Run a benchmark in ``tree`` (its own ``grocer`` first on the path); its JSON figures."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    which = subprocess.run(
        [sys.executable, "-c", "import grocer; print(grocer.__file__)"],
        cwd=tree, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not Path(which).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"{tree} imports grocer from {which}")
    done = subprocess.run(
        [sys.executable, *command], cwd=tree, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{command} failed in {tree}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the earlier commit")
    parser.add_argument("--new", help="the later commit (default: this tree as it is)")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--keys", required=True, help="figures to compare, comma separated")
    parser.add_argument("command", nargs="+", help="the benchmark script and its arguments")
    args = parser.parse_args()
    keys = [k.strip() for k in args.keys.split(",") if k.strip()]
    with tempfile.TemporaryDirectory(prefix="grocer-compare-") as tmp:
        trees = {"old": (Path(tmp) / "old", args.base)}
        if args.new:
            trees["new"] = (Path(tmp) / "new", args.new)
        for tree, commit in trees.values():
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(tree), commit],
                cwd=ROOT, check=True, capture_output=True,
            )  # fmt: skip
        old_tree = trees["old"][0]
        new_tree = trees["new"][0] if args.new else ROOT
        try:
            old, new = [], []
            for pair in range(args.pairs):
                old.append(run(old_tree, args.command))
                new.append(run(new_tree, args.command))
                shown = ", ".join(
                    f"{k} {o[k]} -> {n[k]}" for k in keys for o, n in [(old[-1], new[-1])]
                )
                print(f"pair {pair + 1}/{args.pairs}: {shown}", file=sys.stderr)
        finally:
            for tree, _ in trees.values():
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False
                )
    result: dict[str, Any] = {
        "bench": "compare", "base": args.base, "new": args.new or "worktree",
        "command": args.command,
    }  # fmt: skip
    for key in keys:
        ratios = [n[key] / o[key] for o, n in zip(old, new, strict=True)]
        result[key] = {
            "old": [o[key] for o in old],
            "new": [n[key] for n in new],
            "median_old": statistics.median(o[key] for o in old),
            "median_new": statistics.median(n[key] for n in new),
            "median_ratio": round(statistics.median(ratios), 3),
        }
        print(
            f"{key}: median old {result[key]['median_old']}, new {result[key]['median_new']}, "
            f"median of paired new/old {result[key]['median_ratio']}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
