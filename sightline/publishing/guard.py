"""The publication guard: nothing becomes public while it still identifies the child or family.

`scan(plan)` checks the plan's title, summary and text, and its file, against:

- the restricted identities of the case the plan comes from (`CaseSubject`): the child's full
  name, each part of it (3 letters or more, and not a common word), other names, family members'
  names, dates of birth (in the usual written forms), the postcode (any case or spacing), the NHS
  number (with or without spaces or dashes), address lines and the school;
- generic identifiers in any plan: NHS numbers (10 digits with a valid check digit) and UK
  postcodes (the official pattern).

For a file it reads the stored bytes, not only the text extracted at upload:

- Word and Excel: the text of every XML part, so comments, tracked changes (`w:del`, `w:ins`),
  headers, footers, text boxes, shared strings, document properties and link targets are
  covered; comments and tracked changes left in the file are findings in themselves;
- PDF: the text of every page (text under a black box still extracts), document information,
  XMP metadata, annotations and bookmarks;
- the file's name.

A finding says where the match is and what kind it is, with an excerpt in which every match is
masked; the identity itself is never shown. A file that cannot be opened is a finding too, so
the guard fails closed.

`fingerprint(plan)` is a hash of exactly what would be published. Approvals and guard results
are bound to it: any change to the title, summary, text or file makes them stale.

The terms and the text scanning are in guard_terms.py and the reading of files in
guard_sources.py; every public name of both is re-exported here, so the rest of the code uses
`guard.<name>` only.
"""

from __future__ import annotations

import hashlib
import json

from sightline.publishing.guard_sources import OFFICE_PART_LIMIT, scan_bytes, scan_document
from sightline.publishing.guard_terms import (
    COMMON_WORDS,
    EXCERPT_WIDTH,
    GENERIC_PLACES,
    GENERIC_TERMS,
    KIND_ADDRESS,
    KIND_CHILD,
    KIND_COMMENTS,
    KIND_DOB,
    KIND_FAMILY,
    KIND_NHS,
    KIND_NHS_PATTERN,
    KIND_POSTCODE,
    KIND_POSTCODE_PATTERN,
    KIND_SCHOOL,
    KIND_TRACKED,
    KIND_UNREADABLE,
    MASK,
    MAX_FINDINGS_PER_PLACE,
    MONTHS,
    SCHOOL_SUFFIXES,
    WHERE_FILE_METADATA,
    WHERE_FILE_TEXT,
    WHERE_SUMMARY,
    WHERE_TEXT,
    WHERE_TITLE,
    Finding,
    Term,
    dates_in,
    identity_terms,
    nhs_check_digit_ok,
    normalise,
    redact,
    scan_text,
)

__all__ = [
    "COMMON_WORDS",
    "EXCERPT_WIDTH",
    "GENERIC_PLACES",
    "GENERIC_TERMS",
    "KIND_ADDRESS",
    "KIND_CHILD",
    "KIND_COMMENTS",
    "KIND_DOB",
    "KIND_FAMILY",
    "KIND_NHS",
    "KIND_NHS_PATTERN",
    "KIND_POSTCODE",
    "KIND_POSTCODE_PATTERN",
    "KIND_SCHOOL",
    "KIND_TRACKED",
    "KIND_UNREADABLE",
    "MASK",
    "MAX_FINDINGS_PER_PLACE",
    "MONTHS",
    "OFFICE_PART_LIMIT",
    "SCHOOL_SUFFIXES",
    "WHERE_FILE_METADATA",
    "WHERE_FILE_TEXT",
    "WHERE_SUMMARY",
    "WHERE_TEXT",
    "WHERE_TITLE",
    "Finding",
    "Term",
    "dates_in",
    "fingerprint",
    "identity_terms",
    "nhs_check_digit_ok",
    "normalise",
    "plan_terms",
    "redact",
    "scan",
    "scan_bytes",
    "scan_document",
    "scan_text",
    "source_case",
    "subject_for",
]


def source_case(plan):
    """The case a plan's identities come from: its own case, or its briefing's source case."""
    if plan.case_id:
        return plan.case
    briefing = plan.briefing if plan.briefing_id else None
    return briefing.source_case if briefing is not None and briefing.source_case_id else None


def subject_for(plan):
    from sightline.reviews.models import CaseSubject

    case = source_case(plan)
    if case is None:
        return None
    return CaseSubject.objects.filter(case=case).first()


def plan_terms(plan) -> list[Term]:
    return [*identity_terms(subject_for(plan)), *GENERIC_TERMS]


def scan(plan) -> list[Finding]:
    """Every finding in what the plan would publish: title, summary, text and file."""
    terms = plan_terms(plan)
    findings = [
        *scan_text(plan.title, WHERE_TITLE, terms),
        *scan_text(plan.summary, WHERE_SUMMARY, terms),
        *scan_text(plan.body, WHERE_TEXT, terms),
    ]
    if plan.document_id:
        findings.extend(scan_document(plan.document, terms))
    return findings


def fingerprint(plan) -> str:
    """A hash of exactly what would be published: title, summary, text and the file's hash."""
    document_hash = plan.document.sha256 if plan.document_id else ""
    payload = json.dumps(
        [plan.title or "", plan.summary or "", plan.body or "", document_hash],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()
