"""Partner sign-offs bound to exactly the content they sign.

What a partner signs (`signed_content(case, stage)`), as a list of headed sections:

- the rapid review: everything the Panel document prints from the pseudonymised record and the
  agencies' returns — the case summary, the agencies, the returns, the immediate safety
  actions, the learning, the family context, the recommendation and the regulation 11 criteria,
  the reasons and the alternative learning (`signed_sections()` in documents.py, the same
  builders the document uses). Not the sign-offs themselves, nor the date it was sent.
- the final report (quality assurance): the final draft (its label, the date it was received,
  the file's name and the SHA-256 of its bytes) and the report's terms of reference and
  methodology.

`fingerprint(content)` is a SHA-256 over that content, as publication approvals are bound to
`guard.fingerprint()`. Each `PartnerSignOff` stores the fingerprint and the content as signed.

A sign-off counts (is current) while it is not withdrawn and its fingerprint is the current
content's. Once the stage has closed — the rapid review sent to the Panel, the final report
agreed — what was signed is the record: the services refuse changes to the stage's own
content, and a sign-off counts while it is not withdrawn.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sightline.accounts.models import Agency
from sightline.core.templatetags.govuk import govuk_date
from sightline.reviews.models import Case, LocalReview, PartnerSignOff, RapidReview

Stage = PartnerSignOff.Stage

# Once a stage is in one of these statuses, what was signed is the record.
CLOSED = {
    Stage.RAPID_REVIEW: (
        RapidReview.Status.SENT_TO_PANEL,
        RapidReview.Status.PANEL_RESPONDED,
        RapidReview.Status.DECIDED,
    ),
    Stage.FINAL_REPORT: (
        LocalReview.Status.FINAL_AGREED,
        LocalReview.Status.READY_FOR_PUBLICATION,
        LocalReview.Status.CLOSED,
    ),
}

# How a changed section is named in "withdrawn because the recommendation changed".
CHANGE_NAMES = {
    "Case summary": "the case summary",
    "Agencies involved": "the agencies involved",
    "Agency involvement and key practice episodes": "the agencies' returns",
    "Immediate safety actions": "the immediate safety actions",
    "Learning already shared": "the learning already shared",
    "Potential improvements": "the potential improvements",
    "Family context, race and inequalities": "the family context",
    "Recommendation and the regulation 11 criteria considered": "the recommendation",
    "Reasons": "the reasons for the recommendation",
    "Alternative learning": "the alternative learning",
    "Final draft": "the final draft",
    "Terms of reference": "the terms of reference",
    "Methodology": "the methodology",
}


# --------------------------------------------------------------------------- the content


def _stage_record(case: Case, stage: str):
    model = RapidReview if stage == Stage.RAPID_REVIEW else LocalReview
    return model.objects.filter(case=case).first()


def is_closed(case: Case, stage: str) -> bool:
    """Whether the stage has moved past signing: what was signed is now the record."""
    record = _stage_record(case, stage)
    return record is not None and record.status in CLOSED[stage]


def _final_report_content(case: Case) -> list[tuple[str, list[str]]]:
    review = LocalReview.objects.filter(case=case).first()
    if review is None:
        return []
    draft = review.drafts.select_related("document").first()  # the latest received
    if draft is None:
        final = ["No draft has been uploaded."]
    else:
        final = [
            draft.label,
            f"Received on {govuk_date(draft.received_on)}",
            f"File: {draft.document.original_name}",
            f"SHA-256 of the file: {draft.document.sha256}",
        ]
    return [
        ("Final draft", final),
        ("Terms of reference", _lines(review.terms_of_reference)),
        ("Methodology", _lines(review.methodology)),
    ]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()] or [
        "Not recorded."
    ]


def signed_content(case: Case, stage: str) -> list[tuple[str, list[str]]]:
    """Exactly what a partner signs for this stage: headed sections of paragraphs."""
    if stage == Stage.RAPID_REVIEW:
        # The document's own builders, so what is signed is what the Panel document prints.
        from sightline.reviews.documents import signed_sections

        if not RapidReview.objects.filter(case=case).exists():
            return []
        return signed_sections(Case.objects.get(pk=case.pk))
    return _final_report_content(case)


def to_stored(content) -> list:
    """The content as JSON: [heading, [[text, is_subheading], ...]] for each section."""
    from sightline.reviews.documents import Subheading

    return [
        [heading, [[str(p), isinstance(p, Subheading)] for p in paragraphs]]
        for heading, paragraphs in content
    ]


def from_stored(stored) -> list[tuple[str, list[str]]]:
    """Stored content back as sections, subheadings marked as the document builders mark them."""
    from sightline.reviews.documents import Subheading

    return [
        (heading, [Subheading(text) if sub else text for text, sub in paragraphs])
        for heading, paragraphs in stored or []
    ]


def fingerprint(content) -> str:
    """SHA-256 over the content, canonical JSON (the stored form, so it can be checked later)."""
    stored = content if _is_stored(content) else to_stored(content)
    payload = json.dumps(stored, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _is_stored(content) -> bool:
    return isinstance(content, list) and all(isinstance(section, list) for section in content)


def content_fingerprint(case: Case, stage: str) -> str:
    return fingerprint(signed_content(case, stage))


def _texts(paragraphs) -> list[str]:
    return [str(p) for p in paragraphs]


def changed_parts(signed, current) -> str:
    """In words, what differs between content as signed and content now: 'the recommendation',
    'the case summary and the recommendation'."""
    before = dict(from_stored(signed) if _is_stored(signed) else signed)
    after = dict(current)
    headings = [h for h in after if _texts(before.get(h, [])) != _texts(after[h])]
    headings += [h for h in before if h not in after]
    names = list(dict.fromkeys(CHANGE_NAMES.get(h, f"the {h.lower()}") for h in headings))
    if not names:
        return "the content changed"
    if len(names) == 1:
        listed = names[0]
    else:
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed} changed"


# --------------------------------------------------------------------------- who has signed


def partner_agencies() -> list[Agency]:
    return list(Agency.objects.filter(kind=Agency.Kind.SAFEGUARDING_PARTNER, active=True))


@dataclass
class Withdrawal:
    """The latest time the sign-offs of a stage were withdrawn, and why."""

    at: datetime
    reason: str
    signoffs: list[PartnerSignOff] = field(default_factory=list)


@dataclass
class SignOffState:
    """Where a stage's sign-off stands: the sign-offs that count, what they signed, who is
    still to sign, and the latest withdrawal still waiting for new sign-offs."""

    stage: str
    fingerprint: str
    closed: bool
    current: list[PartnerSignOff]
    missing: list[str]
    withdrawal: Withdrawal | None

    @property
    def complete(self) -> bool:
        return not self.missing

    def current_for(self, agency_id: int) -> PartnerSignOff | None:
        return next((s for s in self.current if s.agency_id == agency_id), None)


def is_current(signoff: PartnerSignOff, current_fingerprint: str, *, closed: bool) -> bool:
    if signoff.withdrawn_at is not None:
        return False
    return closed or signoff.fingerprint == current_fingerprint


def signoff_state(case: Case, stage: str) -> SignOffState:
    closed = is_closed(case, stage)
    current_fp = content_fingerprint(case, stage)
    signoffs = list(
        PartnerSignOff.objects.filter(case=case, stage=stage).select_related("agency", "signed_by")
    )
    current = [s for s in signoffs if is_current(s, current_fp, closed=closed)]
    signed = {s.agency_id for s in current}
    missing = [a.name for a in partner_agencies() if a.pk not in signed]
    withdrawal = None
    withdrawn = [s for s in signoffs if s.withdrawn_at is not None]
    if withdrawn and missing:
        latest = max(s.withdrawn_at for s in withdrawn)
        batch = [s for s in withdrawn if s.withdrawn_at == latest]
        withdrawal = Withdrawal(at=latest, reason=batch[0].withdrawn_reason, signoffs=batch)
    return SignOffState(
        stage=stage,
        fingerprint=current_fp,
        closed=closed,
        current=current,
        missing=missing,
        withdrawal=withdrawal,
    )


def partners_missing(case: Case, stage: str) -> list[str]:
    """Names of the safeguarding partners without a current sign-off of this stage."""
    return signoff_state(case, stage).missing
