"""The dependency rules of the layout, checked on the source.

bot/domain imports no platform, storage, scheduler or chart library and nothing of bot/app
or bot/cli; bot/app imports no adapter and no storage; the two chat adapters never import
each other. A folder that a rule scans must exist and hold modules, so that moving it
cannot silently switch the rule off.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

# The observers (bot/app/observe.py) are hooks; adapters/metrics.py does the counting.
PLATFORMS = ("slack_bolt", "slack_sdk", "botbuilder", "aiohttp", "sqlalchemy", "prometheus_client")
# (folder, what no module below it may import: a top-level package or a dotted prefix)
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "bot/domain",
        (
            *PLATFORMS,
            "apscheduler",
            "matplotlib",
            "adapters",
            "storage",
            "workspace",
            "bot.app",
            "bot.cli",
            "bot.bootstrap",
            "bot.settings",
        ),
    ),
    ("bot/app", (*PLATFORMS, "adapters", "storage", "workspace", "bot.cli", "bot.bootstrap")),
    ("adapters/slack", ("adapters.teams",)),
    ("adapters/teams", ("adapters.slack",)),
)


def module_name(path: Path, root: Path) -> str:
    """'bot.domain.cards' for root/bot/domain/cards.py; a package's __init__ is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = ROOT) -> set[str]:
    """Every module the file imports, relative imports resolved, `from a import b` also as
    a.b (b may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def violations(root: Path, folder: str, forbidden: tuple[str, ...]) -> list[str]:
    """'path imports name' for each forbidden import below root/folder; fails when the
    folder is missing or holds no module."""
    where = root / folder
    modules = sorted(where.rglob("*.py"))
    if not where.is_dir() or not modules:
        pytest.fail(f"{folder}/ is missing or empty: the layering rule for it checks nothing")
    found = []
    for path in modules:
        for name in sorted(imports(path, root)):
            if any(name == f or name.startswith(f"{f}.") for f in forbidden):
                found.append(f"{path.relative_to(root)} imports {name}")
    return found


@pytest.mark.parametrize(("folder", "forbidden"), RULES, ids=[r[0] for r in RULES])
def test_each_layer_imports_only_what_it_may(folder: str, forbidden: tuple[str, ...]) -> None:
    assert violations(ROOT, folder, forbidden) == []


def test_only_the_lookalikes_module_uses_icu() -> None:
    users = {
        str(p.relative_to(ROOT))
        for tree in ("bot", "adapters", "storage")
        for p in (ROOT / tree).rglob("*.py")
        if any(m.split(".")[0] == "icu" for m in imports(p, ROOT))
    }
    assert users == {"bot/domain/lookalikes.py"}


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checker_finds_a_violation_in_every_import_form(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/domain/__init__.py": "",
            "bot/domain/ok.py": "from bot.domain import model\nimport decimal\n",
            "bot/domain/direct.py": "import sqlalchemy.orm\n",
            "bot/domain/attribute.py": "from bot import app\n",
            "bot/domain/relative.py": "from ..app.ports import Clock\n",
            "bot/domain/nested.py": "def f():\n    from apscheduler.triggers import cron\n",
        },
    )
    found = violations(root, "bot/domain", RULES[0][1])
    assert found == [
        "bot/domain/attribute.py imports bot.app",
        "bot/domain/direct.py imports sqlalchemy.orm",
        "bot/domain/nested.py imports apscheduler.triggers",
        "bot/domain/nested.py imports apscheduler.triggers.cron",
        "bot/domain/relative.py imports bot.app.ports",
        "bot/domain/relative.py imports bot.app.ports.Clock",
    ]


def test_the_checker_fails_on_a_missing_or_empty_folder(tmp_path: Path) -> None:
    root = _package(tmp_path, {"bot/app/__init__.py": "", "bot/domain/README.md": "moved"})
    with pytest.raises(pytest.fail.Exception, match="bot/cli/ is missing"):
        violations(root, "bot/cli", ())
    with pytest.raises(pytest.fail.Exception, match="bot/domain/ is missing or empty"):
        violations(root, "bot/domain", ())
    assert violations(root, "bot/app", ("storage",)) == []
