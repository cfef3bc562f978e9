"""Checks an API answer against the served OpenAPI document: its status must be documented for
the operation, and its body must match the documented schema (JSON Schema 2020-12)."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:procurebot-openapi"


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


class OpenApiCheck:
    """Validate answers against one OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(BASE, resource)
        self._templates = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), path)
            for path in document["paths"]
        ]

    def template(self, path: str) -> str | None:
        """The documented path (e.g. /requests/{id}) that a concrete path matches, if any."""
        path = path.removeprefix("/api/v1").split("?")[0]
        found = [template for pattern, template in self._templates if pattern.match(path)]
        return found[0] if found else None

    def validate(self, *, method: str, path: str, status: int, body: Any) -> None:
        """AssertionError when the answer is not what the document says it can be."""
        template = self.template(path)
        if template is None:  # an endpoint that does not exist: a documented error
            assert status in (401, 404), f"{method} {path} answered {status}"
            self._check(body, "#/components/schemas/Error", f"{method} {path} {status}")
            return
        responses = self.document["paths"][template][method.lower()]["responses"]
        assert str(status) in responses, f"{method} {template} answered undocumented {status}"
        pointer = _pointer(
            "paths",
            template,
            method.lower(),
            "responses",
            str(status),
            "content",
            "application/json",
            "schema",
        )
        self._check(body, f"#/{pointer}", f"{method} {path} {status}")

    def _check(self, body: Any, ref: str, what: str) -> None:
        validator = Draft202012Validator(
            {"$ref": f"{BASE}{ref}"}, registry=self._registry, format_checker=FormatChecker()
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"{what}: {[e.message for e in errors]}"
