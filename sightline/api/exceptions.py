"""Every API error is JSON of one shape: {"error": code, "message": text[, "parameter": name]}."""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

CODES = {
    status.HTTP_400_BAD_REQUEST: "bad_request",
    status.HTTP_401_UNAUTHORIZED: "not_signed_in",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_429_TOO_MANY_REQUESTS: "too_many_requests",
}


def _first_error(detail) -> tuple[str | None, str]:
    """The first (parameter, message) of a validation error's nested detail."""
    if isinstance(detail, dict):
        for name, value in detail.items():
            parameter, message = _first_error(value)
            if not isinstance(name, str) or name == "non_field_errors":
                # A list item's index, or an error of the whole request.
                return parameter, message
            return parameter or name, message
    if isinstance(detail, list) and detail:
        return _first_error(detail[0])
    return None, str(detail)


def handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    body = {"error": CODES.get(response.status_code, "error")}
    if isinstance(exc, exceptions.ValidationError):
        parameter, message = _first_error(exc.detail)
        body["message"] = message
        if parameter:
            body["parameter"] = parameter
    else:
        body["message"] = str(getattr(exc, "detail", exc))
    return Response(body, status=response.status_code, headers=dict(response.items()))
