"""The rapid review as the national Panel receives it: one list of sections, used for both the
Word and the PDF version, so the two never differ.

Only the pseudonym and pseudonymised case fields are used. The restricted `CaseSubject` is
never read here.

`signed_sections(case)` is the part the safeguarding partners sign (everything but the sign-off
and the date sent); signoffs.py fingerprints it. Before the rapid review goes to the Panel the
document prints the record as it is now, with the sign-offs that match it; once it has gone, it
prints the content exactly as the partners signed it (the snapshot kept on their sign-offs)."""

from __future__ import annotations

from django.conf import settings

from sightline.core.templatetags.govuk import govuk_date, govuk_datetime
from sightline.reviews.models import Case, PartnerSignOff, RapidReview
from sightline.reviews.signoffs import from_stored, signoff_state

NOT_RECORDED = "Not recorded."

# Regulation 11 of SI 2018/789: what the partners must consider when deciding on a local review.
REGULATION_11_CRITERIA = (
    (
        "criterion_improvements",
        "(a) The case highlights improvements needed to safeguard and promote the welfare of "
        "children, including improvements identified before",
    ),
    (
        "criterion_recurrent_themes",
        "(b) The case highlights recurrent themes in safeguarding and promoting the welfare of "
        "children",
    ),
    (
        "criterion_agencies_working_together",
        "(c) The case highlights concerns about two or more organisations or agencies working "
        "together effectively",
    ),
    (
        "criterion_panel_suggested",
        "(d) The Panel has considered the case and concluded a local review may be more "
        "appropriate",
    ),
)


class Subheading(str):
    """A paragraph that reads as a heading in the PDF (Word shows it as its own paragraph)."""


def _paragraphs(text: str) -> list[str]:
    """Free text as paragraphs: one per non-blank line, or 'Not recorded.'."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    return lines or [NOT_RECORDED]


def _date(value, empty: str = "Not recorded") -> str:
    return govuk_date(value) if value else empty


def _yes_no(value) -> str:
    if value is None:
        return "Not recorded"
    return "Yes" if value else "No"


def title_for(case: Case) -> str:
    return f"Rapid review — {case.reference} {case.pseudonym}"


def subtitle_for(case: Case) -> str:
    return (
        f"{settings.SIGHTLINE_PARTNERSHIP_NAME}. Rapid review for the Child Safeguarding "
        "Practice Review Panel. Pseudonymised: it does not identify the child or family."
    )


def _case_summary(case: Case, rr: RapidReview) -> list[str]:
    notification = getattr(case, "notification", None)
    lines = [
        f"Age band: {case.get_age_band_display()}",
        f"Harm: {case.get_harm_display()}",
        f"Incident date: {_date(case.incident_date)}",
        f"Date the local authority became aware: {_date(case.aware_date)}",
        f"Notification date: {_date(notification.sent_date if notification else None)}",
        "Panel reference: "
        + ((notification.panel_reference if notification else "") or "Not recorded"),
        f"Looked after: {_yes_no(case.looked_after)}",
        f"Rapid review started: {_date(rr.start_date)}",
        f"Review meeting: {_date(rr.meeting_date, 'Not yet held')}",
        Subheading("What happened"),
        *_paragraphs(case.summary),
    ]
    return lines


def _agency_returns(rr: RapidReview) -> list[str]:
    lines: list[str] = []
    if rr.facts.strip():
        lines += [Subheading("Facts agreed at the review meeting"), *_paragraphs(rr.facts)]
    returns = list(rr.returns.select_related("agency").order_by("agency__name"))
    if not returns:
        lines.append("No agency returns were requested.")
    for ret in returns:
        lines.append(Subheading(ret.agency.name))
        if ret.status != ret.Status.SUBMITTED:
            lines.append("This agency's return has not been submitted.")
            continue
        for label, text in (
            ("Involvement", ret.involvement),
            ("Key practice episodes", ret.key_practice_episodes),
            ("Immediate safety actions", ret.immediate_safety_actions),
            ("Early learning", ret.early_learning),
        ):
            paragraphs = _paragraphs(text)
            lines.append(f"{label}: {paragraphs[0]}")
            lines.extend(paragraphs[1:])
    return lines


def _recommendation(rr: RapidReview) -> list[str]:
    recommendation = rr.get_recommendation_display() if rr.recommendation else "Not yet made"
    lines = [
        f"Recommendation: {recommendation}",
        "Regulation 11 criteria considered (SI 2018/789):",
    ]
    lines += [f"{text}: {_yes_no(getattr(rr, name))}" for name, text in REGULATION_11_CRITERIA]
    return lines


def _sign_off(case: Case, state) -> list[str]:
    """Who signed, when, and exactly what: each current sign-off with its person, date and time
    and the fingerprint of the content signed. Withdrawn sign-offs are listed as withdrawn."""
    lines: list[str] = []
    for s in state.current:
        what = (
            f"Content as signed: SHA-256 {s.fingerprint}"
            if s.fingerprint
            else "Signed before sign-offs were bound to the content signed"
        )
        lines.append(
            f"{s.agency.name}: signed off by {s.signed_by.full_name} on "
            f"{govuk_datetime(s.signed_at)}. {what}"
        )
    if state.current and not state.missing and all(s.fingerprint for s in state.current):
        lines.append(
            "All the safeguarding partners signed the content printed above "
            f"(SHA-256 {state.current[0].fingerprint})."
        )
    if state.missing:
        lines.append(f"Not yet signed off by: {', '.join(state.missing)}")
    if state.withdrawal is not None:
        w = state.withdrawal
        lines.append(Subheading(f"Sign-offs withdrawn on {govuk_date(w.at)} because {w.reason}"))
        lines += [
            f"{s.agency.name}: signed by {s.signed_by.full_name} on "
            f"{govuk_datetime(s.signed_at)}; withdrawn, it no longer counts"
            for s in w.signoffs
        ]
    return lines or ["No safeguarding partner has signed off yet."]


def signed_sections(case: Case) -> list[tuple[str, list[str]]]:
    """What the safeguarding partners sign: every section the Panel document prints from the
    record and the returns, in the document's order."""
    rr = case.rapid_review
    agencies = sorted(a.name for a in case.involved_agencies.all())
    return [
        ("Case summary", _case_summary(case, rr)),
        ("Agencies involved", agencies or ["None recorded."]),
        ("Agency involvement and key practice episodes", _agency_returns(rr)),
        ("Immediate safety actions", _paragraphs(rr.immediate_actions)),
        ("Learning already shared", _paragraphs(rr.learning_shared)),
        ("Potential improvements", _paragraphs(rr.improvements)),
        ("Family context, race and inequalities", _paragraphs(rr.family_context)),
        ("Recommendation and the regulation 11 criteria considered", _recommendation(rr)),
        ("Reasons", _paragraphs(rr.recommendation_reasons)),
        ("Alternative learning", _paragraphs(rr.alternative_learning)),
    ]


def _as_signed(state) -> list[tuple[str, list[str]]] | None:
    """Once the rapid review has gone to the Panel: the content as its partners signed it."""
    if not (state.closed and state.current):
        return None
    prints = {s.fingerprint for s in state.current}
    if len(prints) != 1:
        return None
    return from_stored(state.current[-1].content) or None


def rapid_review_sections(case: Case) -> list[tuple[str, list[str]]]:
    """The rapid review, section by section, for the Word and PDF versions."""
    rr = case.rapid_review
    state = signoff_state(case, PartnerSignOff.Stage.RAPID_REVIEW)
    content = _as_signed(state) or signed_sections(case)
    return [
        *content,
        ("Safeguarding partner sign-off", _sign_off(case, state)),
        ("Date sent to the Panel", [_date(rr.sent_to_panel_date, "Not yet sent")]),
    ]


def sections_for_pdf(sections) -> list[dict]:
    """The same sections with each paragraph marked as a subheading or not, for the template."""
    return [
        {
            "heading": heading,
            "items": [{"text": p, "subheading": isinstance(p, Subheading)} for p in paragraphs],
        }
        for heading, paragraphs in sections
    ]
