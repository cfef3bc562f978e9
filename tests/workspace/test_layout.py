"""The fake workspace is its own package of small composed parts, apart from the real adapter."""

from __future__ import annotations

from pathlib import Path

import workspace
from tests.unit.test_layers import imports
from workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(workspace.__file__).resolve().parent
MAX_LINES = 320  # "about 300": no module may grow into a god module again


def test_the_workspace_is_a_top_level_package_outside_the_slack_adapter() -> None:
    assert PACKAGE == ROOT / "workspace"
    assert not (ROOT / "adapters" / "slack" / "workspace").exists()


def test_production_code_never_imports_the_fake() -> None:
    # Only the demo (demo.py, and demo_history.py, which stamps its seeded messages with their
    # own times) runs the bot beside the fake workspace.
    demo = {"demo.py", "demo_history.py"}
    production = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "adapters").rglob("*.py")]
    offenders = [
        str(path.relative_to(ROOT))
        for path in production
        if path.name not in demo and any(m.split(".")[0] == "workspace" for m in imports(path))
    ]
    assert offenders == []


def test_the_workspace_is_composed_of_small_parts() -> None:
    assert Workspace.__mro__ == (Workspace, object)
    ws = Workspace.seed(users=[{"name": "alice"}])
    parts = [ws.directory, ws.messages, ws.views, ws.uploads, ws.interactions, ws.call_log]
    assert len({type(part) for part in parts}) == len(parts)
    # The parts share one clock and one change feed: a message bumps the workspace's version.
    version = ws.feed.version
    alice = ws.get_user("alice").id
    ws.messages.post(ws.open_im(alice).id, user=alice, text="hi")
    assert ws.feed.version > version and ws.last_message("alice").text == "hi"


def test_no_module_is_over_about_300_lines() -> None:
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}
