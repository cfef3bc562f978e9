"""The dependency rules of DESIGN.md, checked on the source: the domain imports no platform
or storage code, and the two chat adapters never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# The wiring and the command line (cli*.py) may reach every layer; nothing else in bot/ may.
WIRING = {"bootstrap.py"}
FORBIDDEN_IN_DOMAIN = ("adapters", "storage", "slack_bolt", "slack_sdk", "botbuilder", "sqlalchemy")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for p in (ROOT / "bot").rglob("*.py")
        if p.name not in WIRING and not p.name.startswith("cli")
    ),
    ids=str,
)
def test_the_domain_imports_no_platform_and_no_storage(path: Path) -> None:
    bad = {m for m in imports(path) if m.split(".")[0] in FORBIDDEN_IN_DOMAIN}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize(("adapter", "other"), [("slack", "teams"), ("teams", "slack")])
def test_chat_adapters_never_import_each_other(adapter: str, other: str) -> None:
    for path in (ROOT / "adapters" / adapter).rglob("*.py"):
        bad = {m for m in imports(path) if m.startswith(f"adapters.{other}")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_only_the_lookalikes_module_uses_icu() -> None:
    users = {
        str(p.relative_to(ROOT))
        for tree in ("bot", "adapters", "storage")
        for p in (ROOT / tree).rglob("*.py")
        if any(m.split(".")[0] == "icu" for m in imports(p))
    }
    assert users == {"bot/domain/lookalikes.py"}
