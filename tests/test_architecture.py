"""The house's shape (issue 14): plugins import only `thidua.api`, and no module of thidua imports
itself back through others. Read from the source with `ast`, so a new file is checked too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"thidua": ROOT / "core", "thidua.cli": ROOT / "cli", "thidua.plugins": ROOT / "plugins"}


def module_name(path: Path) -> str:
    for package, folder in sorted(FOLDERS.items(), key=lambda item: -len(str(item[1]))):
        if folder in path.parents or path.parent == folder:
            parts = path.relative_to(folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            return ".".join((package, *parts))
    raise ValueError(path)


def imports(source: str) -> set[str]:
    """Every `thidua…` module a source imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("thidua")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("thidua"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from thidua.log import chain`
    return found


def sources() -> dict[str, Path]:
    return {module_name(p): p for folder in FOLDERS.values() for p in folder.rglob("*.py")}


PLUGIN_FILES = sorted(
    [*(ROOT / "plugins").rglob("*.py"), *(ROOT / "tests" / "testland").rglob("*.py")], key=lambda p: str(p)
)


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_plugin_imports_only_the_public_api(path: Path) -> None:
    own = f"thidua.plugins.{path.relative_to(ROOT / 'plugins').parts[0]}" if ROOT / "plugins" in path.parents else ""
    for name in imports(path.read_text(encoding="utf-8")):
        if name in ("thidua", "thidua.plugins"):
            continue
        assert name.startswith(("thidua.api", own or "\0")), f"{path.name} imports {name}: plugins use thidua.api"


def test_the_scaffold_writes_plugins_that_import_only_the_public_api() -> None:
    for template in (ROOT / "core" / "kit" / "templates").glob("*.py.tmpl"):
        for line in re.findall(r"^\s*(?:from|import) (thidua[\w.]*)", template.read_text(encoding="utf-8"), re.M):
            # the scaffold's own test module runs the CLI and the conformance kit, as a user's tests do
            allowed = (
                ("thidua.api", "thidua.testing", "thidua.cli.main") if "test_" in template.name else ("thidua.api",)
            )
            assert line.startswith(allowed), f"{template.name} imports {line}"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph (a -> b -> a), or None."""
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        if name in trail:
            return trail[trail.index(name) :] + [name]
        if name in done:
            return None
        for target in sorted(graph.get(name, ())):
            if cycle := visit(target, [*trail, name]):
                return cycle
        done.add(name)
        return None

    return next((cycle for name in sorted(graph) if (cycle := visit(name, []))), None)


def test_the_import_graph_has_no_cycle() -> None:
    modules = sources()
    graph = {
        name: {m for m in imports(path.read_text(encoding="utf-8")) if m in modules and m != name}
        for name, path in modules.items()
    }
    assert "thidua.cli.records" in graph["thidua.cli.main"]  # the graph is really read
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_noticed() -> None:
    # What cli/main.py and its commands did before: main imported them, they imported main.
    graph = {"thidua.cli.main": {"thidua.cli.audit"}, "thidua.cli.audit": {"thidua.cli.main"}}
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == set(graph)


def _with_value(rules, name: str, value):
    """A copy of a rule set in which one value of the document changed (a new rule version)."""
    import dataclasses
    from decimal import Decimal

    changed = dataclasses.replace(rules.values[name], value=Decimal(value))
    return dataclasses.replace(rules, values={**rules.values, name: changed})


def test_plugin_messages_take_their_numbers_from_the_rule_set() -> None:
    """A number of the document is never typed again into a message: change the value in the rule
    set and the message follows (it would go stale with a new rule version otherwise)."""
    from thidua.plugins.hcm_q1.validate import delegate_limit
    from thidua.plugins.laocai.validate import validate as laocai_validate
    from thidua.registry import load_plugins
    from thidua.replay.facts import Fact, Facts

    plugins = load_plugins()
    laocai = _with_value(plugins.ruleset("laocai", "2021"), "content_points", 90)
    sheet = Fact(1, "sheet.defined", {"block": "*", "criteria": [{"id": "C1", "max": 10}], "sections": {"I": 10}})
    (problem,) = laocai_validate(sheet, Facts("laocai", "2021"), laocai)
    assert "splits its 90 points" in problem.reason and "95" not in problem.reason

    hcm = _with_value(plugins.ruleset("hcm_q1", "2015-2019"), "large_union_workers", 700)
    facts = Facts("hcm_q1", "2015-2019")
    facts.add(Fact(1, "unit.registered", {"unit": "U", "name": "U", "workers": 800}))
    _, why = delegate_limit(facts, hcm, Fact(2, "conference.held", {"unit": "U", "kind": "grassroots"}))
    assert "more than 700" in why and "500" not in why
