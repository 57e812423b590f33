"""The docs name only files that exist.

Every inline code span (`like/this.py`) in the README, docs/ARCHITECTURE.md and the decision
records that looks like a repository path must exist in the checkout: a span with a `/` that
ends in .py, .md, .html, .sh or .mjs, or any span that starts with `sightline/` (a folder or
file in the apps). Spans with spaces, wildcards or placeholders (`sightline/<app>/`) are
examples, not paths, and are skipped. Relative links and images in those files must exist too.

The README's tables keep up with the code: every environment variable `config/settings.py` reads
has a row in "Every variable", and every management command under `sightline/*/management/`
has a row in "Commands".
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [
    ROOT / "README.md",
    ROOT / "docs" / "ARCHITECTURE.md",
    *sorted((ROOT / "docs" / "decisions").glob("*.md")),
]

FENCED_BLOCK = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FILE_SUFFIXES = (".py", ".md", ".html", ".sh", ".mjs")
NOT_A_PATH = re.compile(r"[\s<>*{}?|$]|://|\.\.\.|…|NNNN")


def _without_fenced_blocks(text: str) -> str:
    return FENCED_BLOCK.sub("", text)


def looks_like_repository_path(span: str) -> bool:
    """A span names a repository path if it has a `/` and a file suffix we check, or starts
    with `sightline/`. URL paths (`/app/`), commands and placeholders do not count."""
    if not span or NOT_A_PATH.search(span) or span.startswith(("/", "-", "~")):
        return False
    if span.startswith("sightline/"):
        return True
    return "/" in span and span.endswith(FILE_SUFFIXES)


def repository_paths(text: str) -> list[str]:
    spans = (match.group(2).strip() for match in CODE_SPAN.finditer(_without_fenced_blocks(text)))
    return sorted({span for span in spans if looks_like_repository_path(span)})


def local_links(text: str) -> list[str]:
    targets = []
    for match in LINK.finditer(_without_fenced_blocks(text)):
        target = match.group(1).split("#", 1)[0]
        if target and not re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.IGNORECASE):
            targets.append(target)
    return sorted(set(targets))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_path_named_in_the_doc_exists(doc):
    paths = repository_paths(doc.read_text(encoding="utf-8"))
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"{_name(doc)} names paths that do not exist: {', '.join(missing)}"


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_local_link_in_the_doc_exists(doc):
    text = doc.read_text(encoding="utf-8")
    missing = [t for t in local_links(text) if not (doc.parent / t).exists()]
    assert not missing, f"{_name(doc)} links to files that do not exist: {', '.join(missing)}"


def test_the_docs_are_there():
    assert (ROOT / "README.md").is_file()
    assert (ROOT / "docs" / "ARCHITECTURE.md").is_file()
    assert len(DOCS) > 2, "docs/decisions/ holds no decision records"


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("sightline/core/workflow.py", True),
        ("sightline/core/", True),
        ("docs/ARCHITECTURE.md", True),
        ("templates/includes/stale_edit.html", True),
        ("tests/e2e/", False),  # a folder outside sightline/: not checked
        ("/app/reviews/", False),  # a URL path
        ("sightline/<app>/", False),  # a placeholder
        ("docs/screenshots/*.png", False),  # a wildcard
        ("manage.py", False),  # no folder
        ("sqlite3 var/sightline.sqlite3 \".backup 'x'\"", False),  # a command
        ("https://example.org/page.html", False),  # a web address
    ],
)
def test_what_counts_as_a_repository_path(span, expected):
    assert looks_like_repository_path(span) is expected


def test_fenced_blocks_and_double_backtick_spans_are_read_correctly():
    text = "See ``sightline/core/models.py`` and `docs/x.md`.\n```\n`not/checked.py`\n```\n"
    assert repository_paths(text) == ["docs/x.md", "sightline/core/models.py"]


# --------------------------------------------------------------------------- configuration


SETTINGS = ROOT / "config" / "settings.py"
ENV_READERS = {"env_bool", "env_list", "env_positive_int", "env_networks"}


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def variables_read_by_settings(source: str) -> set[str]:
    """Every environment variable `config/settings.py` reads: `os.environ.get("X", ...)`,
    `os.environ["X"]`, and its helpers (`ENV_READERS`) such as `env_bool("X", ...)`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        key = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and _is_os_environ(func.value)
            ) or (isinstance(func, ast.Name) and func.id in ENV_READERS):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    return names


def readme_table_rows(heading: str) -> set[str]:
    """The first code span of each row of the table under `## heading` or `### heading`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^#{{2,3}} {re.escape(heading)}\n(.*?)(?=^#{{2,3}} |\Z)", text, re.M | re.S)
    assert match, f"README.md has no section {heading!r}"
    return set(re.findall(r"^\| `([^`]+)`", match.group(1), flags=re.M))


def test_every_setting_read_from_the_environment_is_in_the_readme():
    documented = readme_table_rows("Every variable")
    missing = sorted(variables_read_by_settings(SETTINGS.read_text(encoding="utf-8")) - documented)
    assert not missing, f"README.md 'Every variable' lacks: {', '.join(missing)}"


def test_every_management_command_is_in_the_readme():
    documented = {row.split()[0] for row in readme_table_rows("Commands")}
    commands = {
        path.stem
        for path in (ROOT / "sightline").glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    }
    missing = sorted(commands - documented)
    assert not missing, f"README.md 'Commands' lacks: {', '.join(missing)}"


def test_settings_variables_are_found_in_every_form():
    source = (
        'import os\nA = os.environ.get("A", "x")\nB = os.environ["B"]\n'
        'C = env_bool("C", False)\nD = env_list(\n    "D", "a,b"\n)\nE = other("E")\n'
        'F = env_positive_int("F", 5)\nG = env_networks("G")\n'
    )
    assert variables_read_by_settings(source) == {"A", "B", "C", "D", "F", "G"}
