"""How a publication plan's events read in its history (sightline.core.history), and which
events make up that history: the plan's own and its public library entry's."""

from __future__ import annotations

from sightline.core.history import (
    HistoryScope,
    Label,
    changed_fields,
    register_history_labels,
    register_workflow_history,
    status_change,
)
from sightline.publishing.models import LibraryItem, PublicationPlan
from sightline.publishing.workflow import PUBLICATION_WORKFLOW

FIELD_LABELS = {
    "title": "title",
    "summary": "summary",
    "body": "text",
    "version_kind": "version",
    "review_type": "type of review",
    "anonymisation_checked": "anonymisation check",
    "legal_check_done": "legal check",
    "family_informed_date": "date the family was told",
    "practitioners_briefed_date": "date practitioners were briefed",
    "communications_plan": "communications plan",
    "advance_copy_panel_date": "date of the Panel's advance copy",
    "advance_copy_sos_date": "date of the Secretary of State's advance copy",
    "themes": "themes",
}

DONE = {
    "submit": "Submitted the plan for approval",
    "return_for_changes": "Returned the plan for changes",
    "schedule": Label(
        text=lambda v: (
            "Scheduled publication"
            + (f" for {v.words('scheduled_for')}" if v.new("scheduled_for") else "")
        ),
        detail=lambda v: status_change(PUBLICATION_WORKFLOW, v),
    ),
    "unschedule": "Cancelled the scheduled publication",
    "publish": "Published it in the public library",
    "remove": "Removed it from the public library",
    "withhold": "Recorded the decision not to publish",
}


def _found(view) -> str:
    found = view.new("findings") or 0
    if not found:
        return "Found nothing that could identify the child or family"
    return f"Found {found} possible identifier{'s' if found != 1 else ''} of the child or family"


def _withdrawn(view) -> str:
    count = view.new("withdrawn") or 0
    return f"{count} approval{'s' if count != 1 else ''} withdrawn because the content changed"


def register_history() -> None:
    register_workflow_history(PUBLICATION_WORKFLOW, DONE)
    register_history_labels(
        {
            "publication.create": Label(
                text=lambda v: (
                    f"Created the publication plan ({v.choice('kind', PublicationPlan.Kind)})"
                )
            ),
            "publication.update": Label(
                text="Changed the plan", detail=changed_fields(FIELD_LABELS)
            ),
            "publication.document": "Uploaded the file to publish",
            "publication.guard": Label(text="Ran the publication guard", detail=_found),
            "publication.approve": Label(
                text=lambda v: f"Approved publication for {v.agency()}",
                agencies=("agency",),
            ),
            "publication.approvals_withdrawn": Label(
                text="The approvals were withdrawn", detail=_withdrawn
            ),
            "publication.decision_not_to_publish": Label(
                text="Recorded the decision not to publish",
                detail=lambda v: (
                    f"Decided by {v.words('decision_makers')}" if v.new("decision_makers") else ""
                ),
            ),
            "publication.improvements_instead": Label(
                text=lambda v: (
                    "Prepared the information about improvements to publish instead: "
                    f"{v.words('instead')}"
                )
            ),
            "publication.schedule_removal": Label(
                text=lambda v: f"Planned its removal for {v.words('removal_planned_for')}",
                detail=lambda v: (
                    f"Reason: {v.choice('kind', PublicationPlan.RemovalKind)}"
                    if v.new("kind")
                    else ""
                ),
            ),
            "publication.cancel_removal": "Cancelled the planned removal",
            "publication.nspcc": Label(
                text=lambda v: (
                    "Recorded its submission to the NSPCC repository on "
                    f"{v.words('nspcc_submitted_date')}"
                )
            ),
            "library_item.publish": Label(
                text="Its entry in the public library went live",
                detail=lambda v: f"/library/{v.words('slug')}/" if v.new("slug") else "",
            ),
            "library_item.remove": "Its entry in the public library was taken down",
            "library_item.offline": "Its entry in the public library was taken offline",
            "library_item.restore": "Its entry in the public library was put back",
            "publication.removal_request": Label(
                text=lambda v: (
                    f"Asked {v.user('approver')} to confirm its early removal "
                    f"({v.choice('removal_kind', PublicationPlan.RemovalKind)})"
                    + (", taking it offline at once" if v.new("offline") else "")
                ),
                users=("approver",),
            ),
            "publication.removal_confirm": "Confirmed its early removal",
            "publication.removal_refuse": "Did not confirm its early removal",
            "publication.removal_withdraw": "Withdrew the request to remove it early",
        }
    )


def plan_scope(plan: PublicationPlan) -> HistoryScope:
    """The plan and its public library entry: one query for that."""
    return HistoryScope().add(plan).add_all(LibraryItem.objects.filter(plan=plan).only("pk"))
