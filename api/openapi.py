"""The OpenAPI 3.1 document of the open API, built from the blueprint's own routes: the path list is the
app's URL map (every rule of the blueprint, nothing else), each operation's words and parameters are declared
on its view function with :func:`operation`. A route without a declaration makes :func:`spec` raise."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask

F = TypeVar("F", bound=Callable[..., Any])
ATTR = "openapi_operation"
_ERROR = {"$ref": "#/components/schemas/Error"}
_VAR = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def param(name: str, description: str, *, where: str = "query", required: bool = False,
          schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path", "description": description,
            "schema": schema or {"type": "string"}}


def operation(summary: str, *, params: list[dict[str, Any]] | None = None, responses: dict[str, str],
              request_body: dict[str, Any] | None = None) -> Callable[[F], F]:
    """Declare a view's OpenAPI operation (``responses``: status → description; errors use the Error schema)."""
    def mark(fn: F) -> F:
        op: dict[str, Any] = {"summary": summary, "parameters": params or [], "security": [{"token": []}],
                              "responses": {code: ({"description": d} if code.startswith("2") else
                                                   {"description": d,
                                                    "content": {"application/json": {"schema": _ERROR}}})
                                            for code, d in responses.items()}}
        if request_body is not None:
            op["requestBody"] = request_body
        setattr(fn, ATTR, op)
        return fn
    return mark


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/sites/<code>`` → ``/sites/{code}``."""
    return _VAR.sub(r"{\1}", rule)


def spec(server: Flask, blueprint_name: str, title: str, version: str) -> dict[str, Any]:
    """The document for every route of ``blueprint_name`` on ``server``; raises LookupError naming a route
    whose view declares no operation."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(server.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(blueprint_name + "."):
            continue
        view = server.view_functions[rule.endpoint]
        op = getattr(view, ATTR, None)
        if op is None:
            raise LookupError(f"route {rule.rule} ({rule.endpoint}) declares no OpenAPI operation")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = {**op, "operationId": rule.endpoint}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization",
                                          "description": "Authorization: Token <token> (or Bearer <token>)"}},
            "schemas": {"Error": {"type": "object", "required": ["code", "message"],
                                  "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
        },
    }
