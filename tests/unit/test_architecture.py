"""The shape of the house, checked: module sizes, who may touch spiders, crawl runs and crawls,
no import cycles, no Scrapy below the crawl layer (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.prerequisites import ROOT

PACKAGE = ROOT / "grocer"
MAX_LINES = 450
SCRAPY_FREE = ("grocer.ingest", "grocer.db", "grocer.normalize", "grocer.analysis", "grocer.api")
CRAWL_STARTERS = ("grocer/crawl/launch", "grocer/crawl/launch.py", "grocer/crawl/commands")
CRAWLER_CLASSES = {"CrawlerProcess", "CrawlerRunner", "AsyncCrawlerProcess", "AsyncCrawlerRunner"}
WRITES = {"insert", "update", "delete", "insert_rows", "insert_returning_ids"}


def sources() -> list[Path]:
    """Every module of the package but the Alembic migrations."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes below ``node`` that run, leaving out ``if TYPE_CHECKING:`` blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            for other in child.orelse:
                yield other
                yield from runtime_nodes(other)
            continue
        yield child
        yield from runtime_nodes(child)


def callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def test_no_module_is_over_the_limit() -> None:
    over = {
        relative(p): n
        for p in sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert over == {}, f"modules over {MAX_LINES} lines: {over}"


def test_pipelines_set_no_spider_state() -> None:
    found = []
    for path in (PACKAGE / "pipelines").glob("*.py"):
        for node in ast.walk(tree(path)):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "spider"
                ):
                    found.append(f"{relative(path)}:{node.lineno}")
            if isinstance(node, ast.Call) and callee(node) == "setattr" and node.args:
                if isinstance(node.args[0], ast.Name) and node.args[0].id == "spider":
                    found.append(f"{relative(path)}:{node.lineno}")
    assert found == []


def test_no_code_asks_which_class_a_spider_is() -> None:
    found = [
        f"{relative(path)}:{node.lineno}"
        for path in sources()
        for node in ast.walk(tree(path))
        if isinstance(node, ast.Call)
        and callee(node) == "isinstance"
        and node.args
        and "spider" in ast.unparse(node.args[0])
    ]
    assert found == [], "pipelines and extensions apply by configuration (NotConfigured)"


def import_graph() -> dict[str, set[str]]:
    """Module -> the grocer modules it imports when it runs (function bodies included)."""
    modules = {module_of(p): p for p in sources()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in runtime_nodes(tree(path)):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_runtime_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_import_graph_sees_imports_in_function_bodies_but_not_type_checking() -> None:
    graph = import_graph()
    assert "grocer.crawl.launch.local" in graph["grocer.commands.crawl"]  # inside crawl()
    assert "grocer.sim.planted" not in graph["grocer.sim.pricing"]  # under TYPE_CHECKING


def test_crawl_runs_are_written_only_in_db_runs() -> None:
    """Statically: no insert/update/delete naming ``CrawlRun`` outside grocer/db/runs.py
    (a crawl and an ingest are watched statement by statement in the e2e lifecycle test)."""
    found = []
    for path in sources():
        if relative(path) == "grocer/db/runs.py":
            continue
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.Call) and callee(node) in WRITES:
                if "CrawlRun" in ast.unparse(node) or "crawl_runs" in ast.unparse(node):
                    found.append(f"{relative(path)}:{node.lineno}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lower()
                if "crawl_runs" in text and ("insert into" in text or "update " in text):
                    found.append(f"{relative(path)}:{node.lineno}")
    assert found == []


def crawl_starts(path: Path) -> list[str]:
    """Where a module starts crawls: Scrapy's crawler processes and runners, or a
    ``scrapy crawl`` command line."""
    found = []
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Name | ast.alias | ast.Attribute):
            name = getattr(node, "id", None) or getattr(node, "name", None) or node.attr
            if name.rpartition(".")[2] in CRAWLER_CLASSES:
                found.append(f"{relative(path)}:{getattr(node, 'lineno', '?')}")
        if isinstance(node, ast.List | ast.Tuple):
            words = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if any(words[i : i + 2] == ["scrapy", "crawl"] for i in range(len(words))):
                found.append(f"{relative(path)}:{node.lineno}")
    return found


def test_crawls_are_started_only_by_the_launcher_and_the_crawl_command() -> None:
    found = [
        place
        for path in sources()
        if not relative(path).startswith(CRAWL_STARTERS)
        for place in crawl_starts(path)
    ]
    assert found == []
    launcher = PACKAGE / "crawl" / "launch"
    assert crawl_starts(launcher / "local.py") and crawl_starts(launcher / "in_process.py")


def scrapy_modules_after(code: str) -> str:
    """The Scrapy modules a fresh interpreter holds after running ``code`` (``[]``: none)."""
    code += "\nprint(sorted(m for m in sys.modules if m == 'scrapy' or m.startswith('scrapy.')))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.parametrize("package", SCRAPY_FREE)
def test_the_lower_layers_import_no_scrapy(package: str) -> None:
    found = scrapy_modules_after(
        "import importlib, pkgutil, sys\n"
        f"import {package} as package\n"
        "for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "    if '.migrations' not in info.name:\n"
        "        importlib.import_module(info.name)\n"
    )
    assert found == "[]", f"{package} imports Scrapy: {found[:300]}"


def test_the_serving_process_imports_no_scrapy() -> None:
    """``grocer serve``: the CLI with every command registered, the API and uvicorn."""
    found = scrapy_modules_after(
        "import sys, uvicorn, grocer.api.app, grocer.commands.serve, grocer.cli\n"
        "import grocer.commands as commands\n"
        "commands.command_modules()\n"
    )
    assert found == "[]", f"grocer serve imports Scrapy: {found[:300]}"
