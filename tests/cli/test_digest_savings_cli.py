"""The savings section of `procurebot digest --print | --send`, over a seeded database plus
purchases that make each kind of savings line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.domain.model import format_number
from tests.cli.digest_runs import digest_sent, seeded_database
from tests.seed import END
from tests.storage.purchases import bought

runner = CliRunner()


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, int], int]:
    """The digest seed (Figma for Design at $45 a seat a month), and Figma for Marketing at
    $60 approved this week: an outlier and a consolidation candidate."""
    factory, ids = seeded_database(tmp_path, monkeypatch)
    marketing = bought(
        factory,
        cost_centre="Marketing",
        unit="60",
        quantity=3,
        approved_at=END - timedelta(days=2),
    )
    factory.engine.dispose()
    return ids, marketing


def test_print_shows_the_savings(seeded: tuple[dict[str, int], int]) -> None:
    ids, marketing = seeded
    result = runner.invoke(app, ["digest", "--print", "--end", END.isoformat()])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "\nSavings\n" in out
    design = f"{format_number(ids['figma2'])} and {format_number(ids['figma1'])}"
    assert (
        "Figma bought separately by 2 cost centres, $9,180.00/yr combined: Design $7,020.00 "
        f"({design}) and Marketing $2,160.00 ({format_number(marketing)})." in out
    )
    assert (
        f"{format_number(marketing)} Figma seats (Marketing) pays $60.00/unit/mo, 33 % above "
        "the Figma median of $45.00 over 3 purchases" in out
    )
    assert "Renewals in the next 60 days:" in out
    assert "Overlapping tools" in out


async def test_send_posts_the_savings_to_slack(seeded: tuple[dict[str, int], int]) -> None:
    _, marketing = seeded
    async with digest_sent() as (workspace, _):
        channel = workspace.resolve_channel("#it-leadership")
        top = [m for m in workspace.messages_in(channel.id) if m.thread_ts in (None, m.ts)]
        blocks = str(top[0].blocks)
        assert "*Consolidation candidates*" in blocks
        assert "Figma bought separately by 2 cost centres, $9,180.00/yr combined" in blocks
        assert f"• {format_number(marketing)} Figma seats (Marketing) pays $60.00/unit/mo" in blocks
