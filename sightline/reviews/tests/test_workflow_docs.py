"""The workflow diagrams in docs/workflows/reviews.md are exactly what the workflows produce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sightline.reviews.workflow import (
    LOCAL_REVIEW_WORKFLOW,
    NOTIFICATION_WORKFLOW,
    RAPID_REVIEW_WORKFLOW,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "reviews.md"
MERMAID_BLOCK = re.compile(r"^```mermaid\n(.*?)^```$", re.DOTALL | re.MULTILINE)
WORKFLOWS = {
    "NOTIFICATION_WORKFLOW": NOTIFICATION_WORKFLOW,
    "RAPID_REVIEW_WORKFLOW": RAPID_REVIEW_WORKFLOW,
    "LOCAL_REVIEW_WORKFLOW": LOCAL_REVIEW_WORKFLOW,
}


def _sections() -> dict[str, str]:
    """Each level-2 section of the doc, keyed by the workflow name in its heading."""
    text = DOC.read_text(encoding="utf-8")
    sections = {}
    for part in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        heading = part.splitlines()[0]
        for name in WORKFLOWS:
            if f"`{name}`" in heading:
                sections[name] = part
    return sections


def test_every_workflow_has_a_section():
    assert set(_sections()) == set(WORKFLOWS)


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_mermaid_block_matches_the_workflow(name):
    blocks = MERMAID_BLOCK.findall(_sections()[name])
    assert len(blocks) == 1, f"{name}: expected one mermaid block"
    assert blocks[0] == WORKFLOWS[name].mermaid()


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_transitions_table_lists_every_transition(name):
    section = _sections()[name]
    for t in WORKFLOWS[name].transitions:
        assert f"| {t.label} |" in section, f"{name}: {t.name} is missing from the table"


def test_no_other_mermaid_blocks():
    assert len(MERMAID_BLOCK.findall(DOC.read_text(encoding="utf-8"))) == len(WORKFLOWS)


def test_clocks_are_documented():
    text = DOC.read_text(encoding="utf-8")
    for code in ("sin-notification", "rapid-review", "lcspr"):
        assert f"`{code}`" in text
    assert "SIGHTLINE_RAPID_REVIEW_CLOCK_FROM=awareness" in text
