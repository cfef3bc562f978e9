"""`procurebot vendors ...` and `procurebot budgets ...` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.facade import Procurement
from bot.cli.main import app
from bot.domain.model import Channel
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.repository import SqlUnitOfWorkFactory
from tests.fakes import (
    EXAMPLE_POLICY,
    IT,
    PROCUREMENT,
    REQUESTER,
    SECURITY,
    clock,
    draft,
    example_policy,
)

runner = CliRunner()

VENDORS_CSV = """\
Name,Status,Category,Website,Owner,Notes,Reviewed at,Reviewed by,Review outcome
"Miro, Inc.",approved,saas,miro.com,Dana@acme.example,DPA,2026-06-01,sam.sec@acme.example,SOC 2
Sketchy Ltd,rejected,saas,,,,2026-01-10,sam.sec@acme.example,No SOC 2 report

Zoom,new,,,,,,,
"""


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Procurement:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))
    upgrade(url)
    return Procurement(
        uow=SqlUnitOfWorkFactory(make_engine(url)), policy=example_policy(), clock=clock()
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")  # as Excel saves CSV
    return str(path)


def test_vendors_import_is_idempotent_and_list_shows_them(
    service: Procurement, tmp_path: Path
) -> None:
    path = write(tmp_path, "vendors.csv", VENDORS_CSV)
    first = runner.invoke(app, ["vendors", "import", path])
    assert first.exit_code == 0, first.output
    assert first.output.strip().endswith("3 added, 0 updated, 0 unchanged.")
    again = runner.invoke(app, ["vendors", "import", path])
    assert again.output.strip().endswith("0 added, 0 updated, 3 unchanged.")
    renamed = write(tmp_path, "more.csv", "name,owner\nMIRO INC,lee.cio@acme.example\n")
    assert (
        runner.invoke(app, ["vendors", "import", renamed])
        .output.strip()
        .endswith("0 added, 1 updated, 0 unchanged.")
    )
    listed = runner.invoke(app, ["vendors", "list", "--json"])
    data = {v["name"]: v for v in json.loads(listed.output)}
    assert set(data) == {"Miro, Inc.", "Sketchy Ltd", "Zoom"}
    assert data["Miro, Inc."]["owner"] == "lee.cio@acme.example"
    assert data["Miro, Inc."]["website"] == "https://miro.com"
    assert data["Miro, Inc."]["status_text"] == "approved until 2027-06-01"
    assert data["Sketchy Ltd"]["review_outcome"] == "No SOC 2 report"
    text = runner.invoke(app, ["vendors", "list"]).output
    assert "Miro, Inc." in text and "approved until 2027-06-01" in text


def test_vendors_import_reports_every_wrong_line_and_imports_nothing(
    service: Procurement, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "bad.csv",
        "name,status,category\nFigma,aproved,saas\n,new,\nfigma inc,new,furniture\n",
    )
    result = runner.invoke(app, ["vendors", "import", path])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: 4 problems; nothing was imported:",
        "  line 2: status 'aproved' is not one of new, under_review, approved, rejected",
        "  line 3: the name is empty",
        "  line 4: category 'furniture' is not one of hardware, software, saas, services, other",
        "  line 4: 'figma inc' is the same vendor as line 2",
    ]
    assert service.registry.vendors() == []
    missing = runner.invoke(app, ["vendors", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "cannot read it" in missing.output


def test_vendors_show_has_the_review_requests_and_spend(service: Procurement) -> None:
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    for actor in (IT[0], SECURITY, PROCUREMENT):
        service.approve(request_id=request.id, actor=actor, channel=Channel.SLACK)
    shown = runner.invoke(app, ["vendors", "show", "figma, inc"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "Figma: approved until 2027-11-23"
    assert f"  owner      {REQUESTER}" in lines
    assert "  spend      $1,620.00 a year approved" in lines
    assert any("PR-1001" in line and "Approved" in line for line in lines)
    data = json.loads(runner.invoke(app, ["vendors", "show", "FIGMA", "--json"]).output)
    assert data["reviewed_by"] == PROCUREMENT
    assert data["requests"][0]["number"] == "PR-1001"
    assert data["approved_spend_per_year"] == "1620.00"
    unknown = runner.invoke(app, ["vendors", "show", "Fig"])
    assert unknown.exit_code == 1
    assert "No vendor called 'Fig' in the registry. Did you mean Figma?" in unknown.output


def test_budgets_import_overrides_the_policy_and_list_shows_spend(
    service: Procurement, tmp_path: Path
) -> None:
    service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)  # 1,620 USD
    path = write(
        tmp_path,
        "budgets.csv",
        'Cost centre,Period,Amount,Currency\ndesign,2026,"10,000",EUR\nDesign,2026-Q4,3000,\n',
    )
    result = runner.invoke(app, ["budgets", "import", path])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("2 added, 0 replaced.")
    assert (
        runner.invoke(app, ["budgets", "import", path])
        .output.strip()
        .endswith("0 added, 2 replaced.")
    )
    data = json.loads(runner.invoke(app, ["budgets", "list", "--json"]).output)
    design = {b["period"]: b for b in data if b["cost_centre"].casefold() == "design"}
    assert design["2026"] == {
        "cost_centre": "design",
        "period": "2026",
        "amount": "10000.00",
        "currency": "EUR",
        "source": "import",
        "base_currency": "USD",
        "limit": "10800.00",
        "spent": "1620.00",
        "remaining": "9180.00",
    }
    assert design["2026-Q4"]["remaining"] == "1380.00"
    assert design["2027"]["source"] == "policy"
    text = runner.invoke(app, ["budgets", "list"]).output
    assert "2026-Q4" in text and "left" in text


def test_budgets_import_reports_every_wrong_line(service: Procurement, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "cost_centre,period,amount\nDesign,2026-13,abc\n")
    result = runner.invoke(app, ["budgets", "import", path])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: 2 problems; nothing was imported:",
        "  line 2: period '2026-13' is not a year or a quarter; write 2026 or 2026-Q4",
        "  line 2: amount 'abc' is not a number. Enter e.g. 1299.99",
    ]
    assert [c for c in service.registry.budgets() if c.budget.source == "import"] == []
