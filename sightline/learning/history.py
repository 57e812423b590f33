"""How a briefing's events read in its history (sightline.core.history), and which events make
up that history: the briefing's own and its agencies' acknowledgements.

Changed tiles are named by the partnership's headings, read when the history is shown, so they
follow a change to `SIGHTLINE_BRIEFING_HEADINGS`. People who may see every agency's
acknowledgement (the dissemination pages) see them all in the history; an agency's own people
see their agency's."""

from __future__ import annotations

from django.conf import settings

from sightline.accounts.access import principal_for
from sightline.core.forms import lower_first
from sightline.core.history import (
    HistoryScope,
    Label,
    changed_fields,
    register_history_labels,
    register_workflow_history,
)
from sightline.learning import access
from sightline.learning.models import Briefing, Dissemination
from sightline.learning.workflow import BRIEFING_WORKFLOW

FIELD_LABELS = {
    "title": "title",
    "source": "source",
    "source_case": "review",
    "topic": "topic or source details",
    "reflective_questions": "reflective questions",
    "themes": "themes",
    "is_public": "public library",
    "teams": "teams",
    "cascade_date": "date shared",
    "staff_reached": "staff reached",
    "changes": "what will change",
}

DONE = {
    "submit": "Sent the briefing for review",
    "return": "Returned the briefing to its author",
    "approve": "Approved the briefing",
    "publish": "Published the briefing",
    "withdraw": "Withdrew the briefing",
}


def _edited(view) -> str:
    headings = {
        f"section_{i + 1}": f"{lower_first(h)} (tile {i + 1})"
        for i, h in enumerate(settings.SIGHTLINE_BRIEFING_HEADINGS)
    }
    return changed_fields({**FIELD_LABELS, **headings})(view)


def _sent(view) -> str:
    count = len(view.new("agencies") or [])
    return f"Sent the briefing to {count} agenc{'y' if count == 1 else 'ies'}"


def _sent_detail(view) -> str:
    due = view.words("acknowledge_by")
    agencies = view.words("agencies")
    return f"{agencies}; acknowledge by {due}" if due else agencies


def _agency(view) -> str:
    d = view.obj
    return d.agency.name if isinstance(d, Dissemination) else "an agency"


def _acknowledged(view) -> str:
    parts = []
    shared = view.words("cascade_date")
    if shared:
        parts.append(f"Shared with its teams on {shared}")
    staff = view.new("staff_reached")
    if staff is not None:
        parts.append(f"{staff} staff reached")
    return "; ".join(parts)


def register_history() -> None:
    register_workflow_history(BRIEFING_WORKFLOW, DONE)
    register_history_labels(
        {
            "briefing.create": "Created the briefing",
            "briefing.update": Label(text="Changed the briefing", detail=_edited),
            "briefing.send": Label(text=_sent, detail=_sent_detail),
            "dissemination.acknowledge": Label(
                text=lambda v: f"Acknowledged the briefing for {_agency(v)}",
                detail=_acknowledged,
            ),
            "dissemination.update": Label(
                text=lambda v: f"Changed the acknowledgement for {_agency(v)}",
                detail=changed_fields(FIELD_LABELS),
            ),
        }
    )


def briefing_scope(briefing: Briefing, user) -> HistoryScope:
    """The briefing and the acknowledgements this user may see: one query for those."""
    disseminations = Dissemination.objects.filter(briefing=briefing).select_related("agency")
    if not access.can_see_dissemination(user):
        agencies = principal_for(user).agencies_with_role(*access.AGENCY_ROLES)
        disseminations = disseminations.filter(agency_id__in=agencies)
    return HistoryScope().add(briefing).add_all(disseminations, keep=True)
