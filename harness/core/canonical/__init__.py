"""Body comparators, one module per media family, behind one Protocol chosen by media type.

Each comparator parses both bodies, walks them together and appends `Difference`s whose paths
are body paths (`/...`), consulting the rule trie states for the node it is at.
"""

from __future__ import annotations

from harness.core.canonical.base import BodyComparator, family_of

__all__ = ["BodyComparator", "comparator_named", "family_of"]


_BY_FAMILY: dict[str, BodyComparator] = {}


def comparator_named(family: str) -> BodyComparator:
    """The comparator for `json`, `xml`, `multipart` or `text` (anything else is text)."""
    found = _BY_FAMILY.get(family)
    if found is None:
        from harness.core.canonical.json import JSON
        from harness.core.canonical.multipart import MultipartComparator
        from harness.core.canonical.text import TEXT
        from harness.core.canonical.xml import XML

        # Each part of a multipart body is compared by its own family's comparator.
        multipart = MultipartComparator(comparator_named)
        _BY_FAMILY.update(json=JSON, xml=XML, multipart=multipart, text=TEXT)
        found = _BY_FAMILY.get(family, TEXT)
    return found
