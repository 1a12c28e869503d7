"""Every relative link in README.md and docs/*.md points at a file that exists (and a link into a
page at a heading that exists), and every repository path the pages name exists."""

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# docs/traits.md is written separately; until it exists, links to it are skipped.
PENDING = {ROOT / "docs" / "traits.md"}
# Named by the deployment guide, made by the operator or by Terraform: never in the checkout.
GENERATED = {
    "terraform/terraform.tfvars",
    "terraform/.terraform",
    "terraform/backend.tf",
    "terraform/terraform.tfstate",
}

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
PATH = re.compile(
    r"(?<![\w./-])((?:functions|devstack|tests|terraform|docs)/[\w./-]*|main\.py)(?![\w./<{*-])"
)


def prose(page: Path) -> str:
    """The page without its fenced code blocks."""
    return FENCE.sub("", page.read_text())


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats -1."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in re.findall(r"^#+ (.+)$", prose(page), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return found


def links(page: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(page))
        if not re.match(r"[a-z][a-z0-9+.-]*:", target)  # https:, mailto:
    ]


def test_the_pages_have_relative_links() -> None:
    assert sum(len(links(page)) for page in PAGES) >= 10


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if file in PENDING and not file.exists():
            continue
        if not file.exists() or anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_named_path_exists(page: Path) -> None:
    named = {match.rstrip(".") for match in PATH.findall(page.read_text())}
    missing = [
        path
        for path in sorted(named - GENERATED)
        if not (ROOT / path).exists() and ROOT / path not in PENDING
    ]
    assert missing == []
