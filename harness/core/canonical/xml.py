"""XML and SOAP bodies: namespace prefixes, attribute order and blank whitespace never matter.

1. Identical bytes are equal.
2. Both trees are re-rooted under a wrapper declaring every namespace URI in use with a
   canonical prefix (`n0`, `n1`... by sorted URI); `lxml.etree.cleanup_namespaces` moves each
   element onto those declarations, in C. Equal pretty-printed serialisations mean equal
   documents: the common case between legacy and spine2, whose prefixes and indentation differ.
3. Same shape (the serialisations differ only on lines whose element has the same name, depth
   and child count): only the elements on differing lines are compared, in preorder.
4. Otherwise the element-by-element walk of `xmlwalk` (missing, extra and reordered children).
Text is compared stripped; paths are local names with `[n]` and `@attr`.
"""

from __future__ import annotations

from itertools import islice

from lxml import etree

from harness.core.canonical import snippet
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
        if not _same_declarations(a, b, legacy, candidate):
            unify_prefixes(a, b)
        text_a = etree.tostring(a, pretty_print=True)
        text_b = etree.tostring(b, pretty_print=True)
        if text_a == text_b or ignored:
            return True
        name = local_name(a.tag)
        if a.tag != b.tag:
            out.append(Difference("/", DiffKind.CHANGED, a.tag, b.tag))
            return True
        if not _has_unordered(states) and _diff_same_shape(a, b, text_a, text_b, states, out):
            return True
        root_states = step_xml(states, name, name) if states else ()
        ElementWalk(a, b, out).elements(a, b, f"/{name}", root_states)
        return True


XML = XmlComparator()


def _has_unordered(states: tuple[RuleNode, ...]) -> bool:
    pending = list(states)
    while pending:
        node = pending.pop()
        if node.unordered:
            return True
        pending.extend(node.children.values())
    return False


def _unparsed_difference(
    legacy: bytes, a: Element | None, candidate: bytes, b: Element | None
) -> Difference:
    def shown(body: bytes, element: Element | None) -> str | None:
        if element is not None:
            return describe(element)
        return snippet(body.decode("utf-8", "replace")) if body.strip() else None

    if not legacy.strip():
        return Difference("/", DiffKind.EXTRA, None, shown(candidate, b))
    if not candidate.strip():
        return Difference("/", DiffKind.MISSING, shown(legacy, a), None)
    return Difference("/", DiffKind.TYPE, shown(legacy, a), shown(candidate, b))


def _diff_same_shape(
    a: Element,
    b: Element,
    text_a: bytes,
    text_b: bytes,
    states: tuple[RuleNode, ...],
    out: list[Difference],
) -> bool:
    """Compare only the elements on differing lines when both trees have one shape.

    Returns False (appending nothing) when the shapes may differ; the caller then walks.
    """
    lines_a, lines_b = text_a.split(b"\n"), text_b.split(b"\n")
    if len(lines_a) != len(lines_b):
        return False
    differing = [index for index, (x, y) in enumerate(zip(lines_a, lines_b, strict=True)) if x != y]
    positions: list[int] = []  # preorder index of the element on each differing line
    offset = started = previous = 0
    for index in differing:
        line_a, line_b = lines_a[index], lines_b[index]
        starts = line_a.count(b"<") - line_a.count(b"</")
        if (
            starts != 1
            or line_b.count(b"<") - line_b.count(b"</") != 1
            or line_a.count(b"</") != line_b.count(b"</")
            or len(line_a) - len(line_a.lstrip()) != len(line_b) - len(line_b.lstrip())
        ):
            return False  # several elements on one line, text over lines, or another depth
        end = offset + sum(map(len, lines_a[previous:index])) + index - previous
        started += text_a.count(b"<", offset, end) - text_a.count(b"</", offset, end)
        offset, previous = end, index
        positions.append(started)
    if not positions:
        return False
    elements_a = list(islice(a.iter(etree.Element), positions[-1] + 1))
    elements_b = list(islice(b.iter(etree.Element), positions[-1] + 1))
    if min(len(elements_a), len(elements_b)) <= positions[-1]:
        return False
    pairs = [(elements_a[position], elements_b[position]) for position in positions]
    if any(x.tag != y.tag or len(x) != len(y) for x, y in pairs):
        return False
    located = _Located(a, states)
    for element_a, element_b in pairs:
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
