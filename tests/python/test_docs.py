"""The reference docs keep up with the header: every public function has a
section in docs/api.md, every status a section in docs/errors.md with the
header's value, and the docs' relative links point at files that exist."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = (ROOT / "include" / "fastclip.h").read_text()
DOCS = ROOT / "docs"


def public_functions():
    return sorted(set(re.findall(r"FC_API\s+[^;(]*?\b(fc_\w+)\s*\(", HEADER, re.S)))


def statuses():
    body = re.search(r"typedef enum fc_status \{(.*?)\} fc_status;", HEADER, re.S).group(1)
    return [(name, int(value)) for name, value in re.findall(r"\b(FC_\w+)\s*=\s*(\d+)", body)]


def test_every_public_function_has_a_section_in_api_md():
    text = (DOCS / "api.md").read_text()
    headings = "\n".join(re.findall(r"^### (.*)$", text, re.M))
    documented = set(re.findall(r"`(fc_\w+)`", headings))
    missing = [f for f in public_functions() if f not in documented]
    assert not missing, "docs/api.md has no '### `name`' section for: %s" % ", ".join(missing)
    extra = documented - set(public_functions())
    assert not extra, "docs/api.md documents functions the header lacks: %s" % sorted(extra)
    # Each section says since which version.
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        assert re.search(r"\*\*Since \d+\.\d+\.\d+\.\*\*", section), section.splitlines()[0]


def test_every_status_has_a_section_in_errors_md():
    text = (DOCS / "errors.md").read_text()
    for name, value in statuses():
        if name == "FC_OK":
            continue
        assert re.search(r"^### `%s` \(%d\)$" % (name, value), text, re.M), name
        assert re.search(r"^\| %d \| `%s` \|" % (value, name), text, re.M), name


@pytest.mark.parametrize("doc", sorted(p.name for p in DOCS.glob("*.md")) + ["../README.md"])
def test_relative_links_resolve(doc):
    path = (DOCS / doc).resolve()
    text = path.read_text()
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        assert (path.parent / target).exists(), "%s links to missing %s" % (doc, target)


def test_readme_links_the_reference_docs():
    readme = (ROOT / "README.md").read_text()
    for doc in ("api.md", "errors.md", "threading.md", "abi.md"):
        assert "(docs/%s)" % doc in readme, doc
