"""`procurebot report spend` against a database the services filled, on both databases."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.facade import Procurement
from bot.cli.main import app
from bot.domain.errors import DomainError
from bot.domain.model import Channel, RequestStatus
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.dbs import database_url, kind_params
from tests.fakes import (
    CIO,
    EXAMPLE_POLICY,
    FINANCE,
    IT,
    PROCUREMENT,
    REQUESTER,
    SECURITY,
    clock,
    draft,
    example_policy,
)
from tests.typed import present

runner = CliRunner()
NOVEMBER = ["--since", "2026-11-01", "--until", "2026-11-30"]


def _approve(service: Procurement, uow: SqlUnitOfWorkFactory, request_id: int) -> None:
    for actor in (*IT, SECURITY, PROCUREMENT, *FINANCE, CIO):
        with contextlib.suppress(DomainError):  # not this person's step, or not any more
            service.approve(request_id=request_id, actor=actor, channel=Channel.SLACK)
    with uow() as work:
        assert present(work.requests.get(request_id)).status is RequestStatus.APPROVED


@pytest.fixture(params=kind_params())
def filled(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    with database_url(str(request.param), tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))
        upgrade(url)
        engine = make_engine(url)
        uow = SqlUnitOfWorkFactory(engine)
        service = Procurement(uow=uow, policy=example_policy(), clock=clock())

        def submit(**fields: object) -> int:
            submitted = service.submit(
                requester=REQUESTER, draft=draft(**fields), channel=Channel.SLACK
            )
            return present(submitted.id)

        _approve(service, uow, submit())  # PR-1001 Figma, Design: 3 × $45 a month = $1,620 a year
        _approve(service, uow, submit(cost_centre="Marketing", quantity=2))  # PR-1002: $1,080
        _approve(
            service, uow, submit(vendor="Miro", unit_price=Decimal("8.00"), quantity=10)
        )  # $960
        submit(vendor="Notion")  # PR-1004: still waiting, not spent
        rejected = submit(vendor="Canva")  # PR-1005: rejected, not spent
        service.reject(
            request_id=rejected, actor=IT[0], reason="We have Figma.", channel=Channel.SLACK
        )
        try:
            yield url
        finally:
            engine.dispose()


def _rows(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_spend_by_every_dimension_names_the_requests_behind_each_figure(filled: str) -> None:
    result = runner.invoke(app, ["report", "spend", *NOVEMBER])
    assert result.exit_code == 0, result.output
    lines = [
        (r["dimension"], r["label"], r["requests"], r["amount"], r["request_numbers"])
        for r in _rows(result.output)
    ]
    assert lines == [
        ("vendor", "Figma", "2", "2700.00", "PR-1001 PR-1002"),
        ("vendor", "Miro", "1", "960.00", "PR-1003"),
        ("category", "SaaS subscription", "3", "3660.00", "PR-1001 PR-1002 PR-1003"),
        ("cost_centre", "Design", "2", "2580.00", "PR-1001 PR-1003"),
        ("cost_centre", "Marketing", "1", "1080.00", "PR-1002"),
    ]
    assert {r["currency"] for r in _rows(result.output)} == {"USD"}


def test_one_dimension_to_a_file_with_a_chart(filled: str, tmp_path: Path) -> None:
    out, chart = tmp_path / "spend.csv", tmp_path / "spend.png"
    args = [
        "report",
        "spend",
        *NOVEMBER,
        "--by",
        "cost_centre",
        "--out",
        str(out),
        "--chart",
        str(chart),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [r["label"] for r in _rows(out.read_text())] == ["Design", "Marketing"]
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "Chart of 2 cost centre line(s), $3,660.00 in all" in result.output


def test_a_period_with_nothing_approved_is_just_the_header(filled: str) -> None:
    result = runner.invoke(app, ["report", "spend", "--since", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert _rows(result.output) == []
    assert result.output.startswith("dimension,label,requests,amount,currency,request_numbers")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "--since 'last week' is not a date like 2026-01-31."),
        (["--until", "2026-13-01"], "--until '2026-13-01' is not a date like 2026-01-31."),
        (
            ["--since", "2026-11-30", "--until", "2026-11-01"],
            "--until 2026-11-01 is before --since 2026-11-30.",
        ),
        (["--by", "department"], "--by 'department': choose one of vendor, category, cost_centre."),
    ],
)
def test_bad_options_say_what_to_type(filled: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["report", "spend", *args])
    assert result.exit_code == 1
    assert message in result.output
