"""Read the Dockerfile, compose.yaml, .env.example and the Kubernetes manifests as their tools
would, for the container tests (no Docker engine or cluster needed)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"


@dataclass
class Stage:
    """One FROM ... stage: its base image, name and instructions (keyword, arguments)."""

    base: str
    name: str = ""
    steps: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        """The arguments of every instruction of that keyword, in order."""
        return [value for key, value in self.steps if key == keyword]


def dockerfile(path: Path = ROOT / "Dockerfile") -> list[Stage]:
    """The Dockerfile's stages, with continuation lines joined and ARG defaults applied to
    FROM (as `docker build` does with no --build-arg)."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    defaults: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ARG" and not stages:
            name, _, value = rest.partition("=")
            defaults[name] = value
        elif keyword == "FROM":
            words = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], rest).split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else ""
            stages.append(Stage(base=words[0], name=name))
        else:
            assert stages, f"{keyword} before FROM"
            stages[-1].steps.append((keyword, rest))
    return stages


def exec_form(argument: str) -> list[str]:
    """A CMD/HEALTHCHECK argument in exec (JSON) form as argv; the shell form is refused."""
    parsed = json.loads(argument)
    assert isinstance(parsed, list) and all(isinstance(word, str) for word in parsed), argument
    return parsed


def image_env(stage: Stage) -> dict[str, str]:
    """The ENV the final image sets (KEY=value pairs)."""
    env: dict[str, str] = {}
    for argument in stage.args("ENV"):
        for pair in shlex.split(argument):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def compose() -> dict[str, Any]:
    """compose.yaml, YAML merge keys (<<) resolved."""
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def env_example() -> dict[str, str]:
    """The settings .env.example sets (comments skipped)."""
    pairs: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def env_example_names() -> set[str]:
    """Every variable .env.example mentions, commented out or not."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def manifests() -> list[dict[str, Any]]:
    """Every Kubernetes object under deploy/kubernetes (the Kustomization left out)."""
    objects = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document and document.get("kind") != "Kustomization":
                objects.append(document)
    return objects


def setting_names() -> set[str]:
    """The environment variables bot/settings.py reads."""
    return {str(info.alias) for info in Settings.model_fields.values() if info.alias}
