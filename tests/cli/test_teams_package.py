"""`procurebot teams package`: the zip an admin uploads to Teams, opened and checked."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.teams.package import APP_DIR
from bot.cli.main import app

runner = CliRunner()
APP_ID = "3f2b8c1e-9a4d-4e57-b1c2-0d9e8f7a6b5c"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_package_holds_the_manifest_with_the_app_id_and_both_icons(tmp_path: Path) -> None:
    out = tmp_path / "dist" / "procurebot.zip"
    result = runner.invoke(
        app,
        ["teams", "package", "--app-id", APP_ID, "--domain", "bot.acme.example", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color, outline = package.read("color.png"), package.read("outline.png")
    assert manifest["id"] == APP_ID
    assert manifest["manifestVersion"] >= "1.16"
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team"]
    commands = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert commands == ["buy", "status", "list", "help"]
    assert manifest["validDomains"] == ["bot.acme.example"]
    assert "{{" not in json.dumps(manifest)
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert png_size(color) == (192, 192) and png_size(outline) == (32, 32)
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["name"]["short"]) <= 30


def test_app_id_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["teams", "package"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "procurebot-teams.zip") as package:
        assert json.loads(package.read("manifest.json"))["id"] == APP_ID


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "No app id: pass --app-id or set MICROSOFT_APP_ID"),
        (["--app-id", "procurebot"], "is not a Microsoft App ID"),
        (["--app-id", APP_ID, "--domain", "https://bot.acme.example/"], "is not a host name"),
    ],
)
def test_refuses_what_teams_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "")
    out = tmp_path / "p.zip"
    result = runner.invoke(app, ["teams", "package", *args, "--out", str(out)])
    assert result.exit_code == 1 and message in result.output
    assert not out.exists()


def test_committed_icons_are_what_the_script_draws() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_icons", APP_DIR / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (APP_DIR / "color.png").read_bytes() == module.color_icon()
    assert (APP_DIR / "outline.png").read_bytes() == module.outline_icon()
    # Teams wants the outline icon white on transparent: decode our unfiltered RGBA rows.
    outline = (APP_DIR / "outline.png").read_bytes()
    idat = outline.index(b"IDAT")
    length = struct.unpack(">I", outline[idat - 4 : idat])[0]
    raw = zlib.decompress(outline[idat + 4 : idat + 4 + length])
    rows = [raw[r * 129 + 1 : (r + 1) * 129] for r in range(32)]
    pixels = [row[i : i + 4] for row in rows for i in range(0, 128, 4)]
    assert all(p[:3] == b"\xff\xff\xff" for p in pixels)
    assert {p[3] for p in pixels} >= {0, 255}


def test_says_where_the_manifest_should_be(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("adapters.teams.package.APP_DIR", tmp_path / "nowhere")
    result = runner.invoke(
        app, ["teams", "package", "--app-id", APP_ID, "--out", str(tmp_path / "p.zip")]
    )
    assert result.exit_code == 1
    assert "manifest.json, color.png, outline.png not found" in result.output
