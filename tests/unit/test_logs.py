"""LOG_FORMAT=json: one JSON object per record, extras and tracebacks included."""

from __future__ import annotations

import io
import json
import logging
import sys
from datetime import datetime
from decimal import Decimal

import pytest

from bot.logs import JsonFormatter, configure_logging
from bot.settings import Settings


def _line(record: logging.LogRecord) -> dict[str, object]:
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert isinstance(parsed, dict)
    return parsed


def test_a_record_with_extras_and_a_traceback_is_one_line_of_json() -> None:
    try:
        raise ValueError("no such vendor\nsecond line")
    except ValueError:
        record = logging.makeLogRecord(
            {
                "name": "bot.app.outbox",
                "levelno": logging.ERROR,
                "levelname": "ERROR",
                "msg": "outbox %s: gave up",
                "args": (42,),
                "exc_info": sys.exc_info(),
                "outbox_id": 42,
                "amount": Decimal("1620.00"),
            }
        )
    line = _line(record)
    assert line["message"] == "outbox 42: gave up"
    assert (line["level"], line["logger"]) == ("ERROR", "bot.app.outbox")
    assert line["outbox_id"] == 42 and line["amount"] == "1620.00"
    assert isinstance(line["exc_info"], str) and "ValueError: no such vendor" in line["exc_info"]
    moment = datetime.fromisoformat(str(line["time"]))
    assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert "args" not in line and "msg" not in line  # the record's plumbing stays out


def test_configure_writes_json_or_text_to_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        for log_format in ("json", "text"):
            root.handlers.clear()  # as in a fresh `procurebot serve`
            configure_logging(log_format=log_format)
            logging.getLogger("tests.logs").info(
                "hello %s", log_format, extra={"request_id": "r-1"}
            )
        # A root logger that already has a handler is left alone.
        configure_logging(log_format="json")
        logging.getLogger("tests.logs").info("still %s", "text")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    first, second, third = stream.getvalue().splitlines()
    assert json.loads(first)["request_id"] == "r-1"
    assert json.loads(first)["message"] == "hello json"
    assert second.endswith("INFO tests.logs: hello text")
    assert third.endswith("INFO tests.logs: still text")


def test_log_format_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert Settings().log_format == "json"
    monkeypatch.delenv("LOG_FORMAT")
    assert Settings().log_format == "text"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Settings()
