"""Body comparators, one module per media family, behind one Protocol chosen by media type.

Each comparator parses both bodies, walks them together and appends `Difference`s whose paths
are body paths (`/...`), consulting the rule trie states for the node it is at.
"""

from __future__ import annotations

from harness.core.canonical.base import BodyComparator

__all__ = ["BodyComparator", "comparator_named", "family_of"]


def family_of(media_type: str) -> str:
    """`json`, `xml` or `text` for a bare, lower-case media type."""
    if media_type == "application/json" or media_type.endswith("+json"):
        return "json"
    if media_type in ("text/xml", "application/xml") or media_type.endswith("+xml"):
        return "xml"
    return "text"


_BY_FAMILY: dict[str, BodyComparator] = {}


def comparator_named(family: str) -> BodyComparator:
    """The comparator for `json`, `xml` or `text` (anything else is text)."""
    found = _BY_FAMILY.get(family)
    if found is None:
        from harness.core.canonical.json import JSON
        from harness.core.canonical.text import TEXT
        from harness.core.canonical.xml import XML

        _BY_FAMILY.update(json=JSON, xml=XML, text=TEXT)
        found = _BY_FAMILY.get(family, TEXT)
    return found
