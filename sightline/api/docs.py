"""The API's documentation page: a GOV.UK page made from the generated OpenAPI description, with
a form per operation that sends a real request, so the page cannot drift from the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.generators import SchemaGenerator

from sightline.publishing.views_public import public_cache


@dataclass
class Parameter:
    name: str
    type: str
    description: str = ""
    choices: list[str] = field(default_factory=list)
    default: str = ""
    repeatable: bool = False
    limits: str = ""


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    responses: list[tuple[str, str]]
    anchor: str


def _type_text(schema: dict) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return f"list of {_type_text(schema.get('items', {}))}"
    return {"integer": "whole number", "string": "text", "number": "number"}.get(kind, kind)


def _limits(schema: dict) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"{low} to {high}"
    if schema.get("maxLength"):
        return f"at most {schema['maxLength']} characters"
    return ""


def _parameter(raw: dict) -> Parameter:
    schema = raw.get("schema", {})
    items = schema.get("items", {}) if schema.get("type") == "array" else schema
    return Parameter(
        name=raw["name"],
        type=_type_text(schema),
        description=raw.get("description", ""),
        choices=[str(c) for c in items.get("enum", [])],
        default="" if schema.get("default") in (None, "") else str(schema["default"]),
        repeatable=schema.get("type") == "array",
        limits=_limits(items),
    )


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation in the schema, in path order. Made once per process."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, methods in sorted(schema["paths"].items()):
        for method, op in methods.items():
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    parameters=sorted(
                        (_parameter(p) for p in op.get("parameters", [])),
                        key=lambda p: (p.name != "q", p.name),
                    ),
                    responses=[
                        (code, r.get("description", "")) for code, r in op["responses"].items()
                    ],
                    anchor=op.get("operationId", path.strip("/").replace("/", "-")),
                )
            )
    return tuple(found)


@csrf_exempt  # it changes nothing: anything but GET or HEAD is refused below
def docs(request):
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse(
            {"error": "method_not_allowed", "message": f"{request.method} is not allowed"},
            status=405,
        )
        response["Allow"] = "GET, HEAD"
        return response
    response = render(request, "api/docs.html", {"operations": operations()})
    return public_cache(response, request, max_age=3600)
