"""XML and SOAP bodies: namespace prefixes, attribute order and blank whitespace never matter.

1. Identical bytes are equal.
2. Each tree becomes its preorder *records*: (tag, child count, text, tail, attributes) per
   element, tags as `{uri}local`. Equal records mean equal documents whatever their prefixes
   and indentation: the common case between legacy and spine2. (No serialisation: re-declaring
   prefixes and pretty-printing both trees cost more than a parse.)
3. Same shape (the same tag and child count at every position, no tail differing): only the
   elements whose own records differ are compared, in preorder.
4. Otherwise the element-by-element walk of `xmlwalk` (missing, extra and reordered children);
   with `unordered` rules both trees are first moved onto canonical prefixes (`unify_prefixes`),
   as unordered children are matched by their C14N bytes.
Text is compared stripped; paths are local names with `[n]` and `@attr`.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from harness.core.canonical.base import ContentTypes, unparsed_body, unparsed_difference
from harness.core.canonical.xmlwalk import (
    Element,
    ElementWalk,
    describe,
    diff_details,
    element_children,
    local_name,
    step_of,
)
from harness.core.difference import Difference, DiffKind
from harness.core.rules import RuleNode, effect_of, step_xml

Record = tuple[Any, int, str | None, str | None, list[tuple[str, str]]]

_PARSER = etree.XMLParser(
    remove_blank_text=True,
    remove_comments=True,
    remove_pis=True,
    resolve_entities="internal",  # type: ignore[arg-type]  # lxml>=5; stubs say bool
    no_network=True,
)
# Declared up front so documents declaring them deeper (or as the default) take the fast path.
KNOWN_NAMESPACES = frozenset(
    {
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
        "http://schemas.xmlsoap.org/ws/2004/08/addressing",
        "http://www.w3.org/2005/08/addressing",
        "http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd",
        "http://www.w3.org/1999/xlink",
        "http://www.w3.org/2001/XMLSchema-instance",
        "urn:hl7-org:v3",
    }
)


def parse(body: bytes) -> Element | None:
    try:
        return etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _same_declarations(a: Element, b: Element, legacy: bytes, candidate: bytes) -> bool:
    """Both documents declare the same prefixes, all on the root element (a cheap check)."""
    nsmap = a.nsmap
    return (
        nsmap == b.nsmap
        and legacy.count(b"xmlns") == len(nsmap)
        and candidate.count(b"xmlns") == len(nsmap)
    )


def unify_prefixes(first: Element, second: Element) -> None:
    """Rewrite both trees onto the same canonical prefixes, in place (each gets a wrapper)."""
    uris = set(KNOWN_NAMESPACES)
    uris.update(first.nsmap.values())
    uris.update(second.nsmap.values())
    nsmap = {f"n{index}": uri for index, uri in enumerate(sorted(uris))}
    for root in (first, second):
        wrapper = etree.Element("canonical", nsmap=nsmap)
        wrapper.append(root)
        etree.cleanup_namespaces(wrapper, top_nsmap=nsmap)


class XmlComparator:
    name = "xml"

    def diff(
        self,
        legacy: bytes,
        candidate: bytes,
        states: tuple[RuleNode, ...],
        out: list[Difference],
        content_types: ContentTypes = (None, None),
    ) -> bool:
        if legacy == candidate:
            return True
        a, b = parse(legacy), parse(candidate)
        if a is None and b is None:
            return False
        ignored = bool(states) and effect_of(states).ignore
        if a is None or b is None:
            if not ignored:
                out.append(_unparsed_difference(legacy, a, candidate, b))
            return True
        elements_a, records_a = records(a)
        elements_b, records_b = records(b)
        if records_a == records_b or ignored:
            return True
        name = local_name(a.tag)
        if a.tag != b.tag:
            out.append(Difference("/", DiffKind.CHANGED, a.tag, b.tag))
            return True
        unordered = _has_unordered(states)
        if not unordered and _diff_same_shape(
            a, elements_a, elements_b, records_a, records_b, states, out
        ):
            return True
        if unordered and not _same_declarations(a, b, legacy, candidate):
            unify_prefixes(a, b)  # unordered children are matched by their C14N bytes
        root_states = step_xml(states, name, name) if states else ()
        ElementWalk(a, b, out).elements(a, b, f"/{name}", root_states)
        return True


XML = XmlComparator()


def _has_unordered(states: tuple[RuleNode, ...]) -> bool:
    return any(node.unordered_below for node in states)


def _unparsed_difference(
    legacy: bytes, a: Element | None, candidate: bytes, b: Element | None
) -> Difference:
    return unparsed_difference(
        legacy,
        unparsed_body(legacy) if a is None else describe(a),
        candidate,
        unparsed_body(candidate) if b is None else describe(b),
    )


def records(root: Element) -> tuple[list[Element], list[Record]]:
    """The elements of a tree in preorder, and what each holds itself: (tag, child count, text,
    tail, attributes). Tags are `{uri}local`, so equal lists mean equal documents whatever their
    prefixes (the parser already dropped comments, PIs and blank text)."""
    elements = list(root.iter())  # entity nodes too, so child counts match
    return elements, [(e.tag, len(e), e.text, e.tail, e.items()) for e in elements]


def _diff_same_shape(
    a: Element,
    elements_a: list[Element],
    elements_b: list[Element],
    records_a: list[Record],
    records_b: list[Record],
    states: tuple[RuleNode, ...],
    out: list[Difference],
) -> bool:
    """Compare only the elements whose own records differ, when both trees have one shape.

    Returns False (appending nothing) when the shapes differ (a tag or a child count at some
    preorder position) or a tail differs (mixed content): the caller then walks.
    """
    if len(records_a) != len(records_b):
        return False
    differing = [
        index for index, (x, y) in enumerate(zip(records_a, records_b, strict=True)) if x != y
    ]
    for index in differing:
        x, y = records_a[index], records_b[index]
        if x[0] != y[0] or x[1] != y[1] or x[3] != y[3] or not isinstance(x[0], str):
            return False  # another shape, a tail (mixed content) or an entity node
    located = _Located(a, states)
    for index in differing:
        element_a, element_b = elements_a[index], elements_b[index]
        path, element_states, ignored = located.find(element_a)
        if not ignored:
            children_a, children_b = element_children(element_a), element_children(element_b)
            diff_details(element_a, element_b, path, element_states, out, children_a, children_b)
    return True


class _Located:
    """Paths and rule states of elements, memoised per ancestor (differences share ancestors)."""

    __slots__ = ("known",)

    def __init__(self, root: Element, states: tuple[RuleNode, ...]) -> None:
        name = local_name(root.tag)
        root_states = step_xml(states, name, name) if states else ()
        self.known: dict[Element, tuple[str, tuple[RuleNode, ...], bool]] = {
            root: (f"/{name}", root_states, bool(root_states) and effect_of(root_states).ignore)
        }

    def find(self, element: Element) -> tuple[str, tuple[RuleNode, ...], bool]:
        """(path, rule states, ignored) for an element of the tree."""
        found = self.known.get(element)
        if found is None:
            parent = element.getparent()
            path, states, ignored = self.find(parent)
            step, name = step_of(element, parent)
            if states and not ignored:
                states = step_xml(states, step, name)
                ignored = bool(states) and effect_of(states).ignore
            found = self.known[element] = (f"{path}/{step}", states, ignored)
        return found
