"""Showing a refused stale edit: what the record holds now beside what the user typed."""

from __future__ import annotations

from django import forms
from django.db import models


def _display(value) -> str:
    if value is None or value == "":
        return "Not set"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return ", ".join(str(v) for v in items) or "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def stale_edit_context(form: forms.Form, current: models.Model) -> dict:
    """Rows of (label, now saved, what you entered) for fields that differ; the form's hidden
    version moves to the current one, so saving again is a deliberate overwrite."""
    rows = []
    cleaned = getattr(form, "cleaned_data", {}) or {}
    for name, field in form.fields.items():
        if name == "version" or not hasattr(current, name):
            continue
        now = getattr(current, name)
        mine = cleaned.get(name)
        if _display(now) != _display(mine):
            rows.append(
                {"label": field.label or name, "current": _display(now), "yours": _display(mine)}
            )
    data = form.data.copy()
    data["version"] = str(current.version)
    form.data = data
    return {
        "stale_rows": rows,
        "stale_by": getattr(current, "updated_by", None),
        "stale_at": getattr(current, "updated_at", None),
    }
