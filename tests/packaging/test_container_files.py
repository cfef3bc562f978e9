"""The Dockerfile, compose.yaml and the Kubernetes example, checked without Docker or a
cluster: they parse, agree with each other and with bot/settings.py, and keep to the rules
(non-root, built from the wheel, probes on /healthz). The image itself is not built here."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import tomllib
from typing import Any

import kubernetes_validate
import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.settings import Settings
from tests.packaging.deployfiles import (
    KUBERNETES,
    ROOT,
    compose,
    dockerfile,
    env_example,
    env_example_names,
    exec_form,
    image_env,
    manifests,
    setting_names,
)

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
IMAGE = f"registry.example.com/procurebot:{VERSION}"
PORT = Settings.model_fields["port"].default
# compose's own variable for the postgres service, not one the bot reads.
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}
KUBERNETES_VERSION = "1.30"


def _by_kind(kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests() if m["kind"] == kind]


def _pod(kind: str) -> dict[str, Any]:
    [found] = _by_kind(kind)
    spec: dict[str, Any] = found["spec"]["template"]["spec"]
    return spec


def test_the_image_is_built_from_the_wheel_in_two_stages() -> None:
    build, final = dockerfile()
    assert build.name == "build" and build.base == final.base
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", final.base)
    assert any(a.startswith("pip wheel") for a in build.args("RUN"))
    assert "libicu-dev" in " ".join(build.args("RUN")) and "g++" in " ".join(build.args("RUN"))
    runs = " ".join(final.args("RUN"))
    assert re.search(r"\blibicu\d+\b", runs) and "libicu-dev" not in runs
    assert "--no-index" in runs and "procurebot" in runs
    assert any(a.startswith("--from=build") for a in final.args("COPY"))
    assert not any(key == "COPY" and "--from" not in value for key, value in final.steps)
    everything = " ".join(value for stage in (build, final) for _, value in stage.steps)
    assert not re.search(r"pip install[^&]*(\s-e\s|--editable)", everything)


def test_the_image_runs_serve_as_a_user_that_is_not_root() -> None:
    final = dockerfile()[-1]
    user = final.args("USER")[-1].split(":")[0]
    assert user not in ("root", "0") and (not user.isdigit() or int(user) > 0)
    assert exec_form(final.args("CMD")[-1]) == ["procurebot", "serve"]
    assert final.args("EXPOSE") == [str(PORT)]
    assert image_env(final)["PORT"] == str(PORT)
    options, _, command = final.args("HEALTHCHECK")[-1].partition("CMD ")
    assert "--interval" in options
    argv = exec_form(command)
    assert argv[:2] == ["python", "-c"] and "/healthz" in argv[2]


def test_dockerignore_keeps_secrets_and_the_venv_out_but_not_the_sources() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", ".git"} <= ignored
    copied = {"pyproject.toml", "README.md", "bot", "adapters", "storage", "workspace"}
    assert not copied & ignored


def test_compose_starts_postgres_then_migrates_then_serves() -> None:
    services = compose()["services"]
    postgres, migrate, bot = services["postgres"], services["migrate"], services["bot"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert migrate["command"] == ["procurebot", "db", "upgrade"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"
    assert bot["command"] == exec_form(dockerfile()[-1].args("CMD")[-1])
    assert bot["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert bot["ports"] == [f"{PORT}:{PORT}"]
    assert migrate["image"] == bot["image"] == IMAGE and bot["build"] == "."
    assert migrate["env_file"] == bot["env_file"] == ".env"


def test_compose_reaches_its_postgres_with_the_password_from_env() -> None:
    services = compose()["services"]
    postgres = services["postgres"]["environment"]
    url = services["bot"]["environment"]["DATABASE_URL"]
    password = env_example()["POSTGRES_PASSWORD"]
    resolved = make_url(re.sub(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", password, url))
    assert (resolved.drivername, resolved.host, resolved.port) == (
        "postgresql+psycopg",
        "postgres",
        5432,
    )
    assert (resolved.username, resolved.database) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_DB"],
    )
    assert "${POSTGRES_PASSWORD:?" in postgres["POSTGRES_PASSWORD"]


def test_every_variable_named_is_one_the_bot_reads() -> None:
    known = setting_names()
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "LOG_FORMAT"} <= set(env_example())
    assert env_example_names() - COMPOSE_ONLY <= known, env_example_names() - known
    for name in ("migrate", "bot"):
        assert set(compose()["services"][name]["environment"]) <= known
    for kind in ("Deployment", "Job"):
        container = _pod(kind)["containers"][0]
        assert {e["name"] for e in container.get("env", [])} <= known
    for secret in _by_kind("Secret"):
        assert set(secret["stringData"]) <= known, secret["metadata"]["name"]


def test_kubernetes_objects_are_valid_and_reference_one_image() -> None:
    objects = manifests()
    assert sorted(m["kind"] for m in objects) == [
        "Deployment",
        "Job",
        "Secret",
        "Secret",
        "Service",
    ]
    for manifest in objects:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    images = {c["image"] for kind in ("Deployment", "Job") for c in _pod(kind)["containers"]}
    assert images == {IMAGE}


def test_the_validation_would_catch_a_mistake() -> None:
    [deployment] = _by_kind("Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_three_replicas_probed_on_healthz_as_non_root() -> None:
    [deployment] = _by_kind("Deployment")
    assert deployment["spec"]["replicas"] == 3
    pod = _pod("Deployment")
    [container] = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": PORT}
    for probe in ("readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == "/healthz" and ports[get["port"]] == PORT
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    for spec in (pod, _pod("Job")):
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] > 0
        for c in spec["containers"]:
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["PORT"] == str(PORT)
    secrets = {s["metadata"]["name"] for s in _by_kind("Secret")}
    assert {ref["secretRef"]["name"] for ref in container["envFrom"]} <= secrets
    [service] = _by_kind("Service")
    assert (
        service["spec"]["selector"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
    )
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_the_migration_job_upgrades_as_the_owner() -> None:
    [container] = _pod("Job")["containers"]
    assert container["command"][:3] == ["procurebot", "db", "upgrade"]
    assert _pod("Job")["restartPolicy"] == "Never"
    [ref] = container["envFrom"]
    assert ref["secretRef"]["name"] == "procurebot-migrate"


def test_kustomize_renders_the_example_without_the_example_secret() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (the schema checks above still ran)")
    done = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rendered = [d for d in yaml.safe_load_all(done.stdout) if d]
    assert sorted(d["kind"] for d in rendered) == ["Deployment", "Job", "Service"]
