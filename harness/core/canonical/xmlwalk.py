"""The element-by-element XML walk, for documents whose shapes differ (or `unordered` rules).

Children are paired by local name and occurrence; a pair whose subtrees hold the same records
(tag, child count, text, tail, attributes) is skipped without descending. Paths are local names
with `[n]` (1-based) when same-name siblings repeat, and `@attr` for attributes.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from harness.core.canonical.base import snippet
from harness.core.difference import Difference, DiffKind
from harness.core.rules import NO_EFFECT, RuleNode, effect_of, step_xml

_CHANGED, _MISSING, _EXTRA, _ORDER = (
    DiffKind.CHANGED,
    DiffKind.MISSING,
    DiffKind.EXTRA,
    DiffKind.ORDER,
)
Element = Any  # an lxml element (the walk only reads tag, text, tail, attrib and children)


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


class Subtrees:
    """Preorder records of one tree, so equal subtrees are found by comparing list slices."""

    __slots__ = ("ends", "position", "records")

    def __init__(self, root: Element) -> None:
        elements = list(root.iter())  # entity nodes too, so counts match len()
        self.records = [(e.tag, len(e), e.text, e.tail, e.items()) for e in elements]
        self.position = {element: index for index, element in enumerate(elements)}
        ends = [0] * len(elements)
        stack: list[int] = []
        for index in range(len(elements) - 1, -1, -1):
            # Reverse preorder: an element's subtree ends where its last descendant's does.
            count = self.records[index][1]
            end = index + 1
            for _ in range(count):
                end = stack.pop()
            ends[index] = end if count else index + 1
            stack.append(ends[index])
        self.ends = ends

    def slice(self, element: Element) -> list[tuple[Any, ...]]:
        start = self.position[element]
        return self.records[start : self.ends[start]]


def text_of(element: Element, children: list[Element]) -> str:
    """The element's own text, stripped, plus non-blank tails of its children (mixed content)."""
    text = (element.text or "").strip()
    for child in children:
        tail = child.tail
        if tail and not tail.isspace():
            text = f"{text} {tail.strip()}" if text else tail.strip()
    return text


def element_children(element: Element) -> list[Element]:
    return [child for child in element if isinstance(child.tag, str)]


def diff_details(
    a: Element,
    b: Element,
    path: str,
    states: tuple[RuleNode, ...],
    out: list[Difference],
    children_a: list[Element],
    children_b: list[Element],
) -> None:
    """Text (stripped, typed rules applied) and attributes of two same-name elements."""
    check = None
    if states:
        effect = effect_of(states)
        if effect.ignore:
            return
        check = effect.value
    text_a, text_b = text_of(a, children_a), text_of(b, children_b)
    if text_a != text_b and not (check is not None and check.accepts(text_a, text_b)):
        out.append(Difference(path, _CHANGED, text_a, text_b))
    attributes_a, attributes_b = a.attrib, b.attrib
    if (attributes_a or attributes_b) and dict(attributes_a) != dict(attributes_b):
        _diff_attributes(dict(attributes_a), dict(attributes_b), path, states, out)


def _diff_attributes(
    a: dict[str, str],
    b: dict[str, str],
    path: str,
    states: tuple[RuleNode, ...],
    out: list[Difference],
) -> None:
    for name, value_a in a.items():
        value_b = b.get(name)
        if value_b == value_a:
            continue
        step = "@" + local_name(name)
        effect = effect_of(step_xml(states, step, step)) if states else NO_EFFECT
        if effect.ignore:
            continue
        if value_b is None:
            out.append(Difference(f"{path}/{step}", _MISSING, value_a, None))
        elif effect.value is None or not effect.value.accepts(value_a, value_b):
            out.append(Difference(f"{path}/{step}", _CHANGED, value_a, value_b))
    for name, value_b in b.items():
        if name not in a:
            step = "@" + local_name(name)
            if not (states and effect_of(step_xml(states, step, step)).ignore):
                out.append(Difference(f"{path}/{step}", _EXTRA, None, value_b))


def _steps(children: list[Element]) -> tuple[list[str], list[str]]:
    """Each child's local name and its occurrence key `name#n` (1-based)."""
    names: list[str] = []
    keys: list[str] = []
    seen: dict[str, int] = {}
    for child in children:
        name = local_name(child.tag)
        count = seen.get(name, 0) + 1
        seen[name] = count
        names.append(name)
        keys.append(f"{name}#{count}")
    return names, keys


def _repeated(*name_lists: list[str]) -> set[str]:
    repeated: set[str] = set()
    for names in name_lists:
        seen: set[str] = set()
        for name in names:
            if name in seen:
                repeated.add(name)
            seen.add(name)
    return repeated


def _step_of(key: str, repeated: set[str]) -> str:
    name, _, count = key.rpartition("#")
    return f"{name}[{count}]" if name in repeated else name


class ElementWalk:
    """Walks two trees together, appending differences to `out`."""

    __slots__ = ("out", "trees")

    def __init__(self, root_a: Element, root_b: Element, out: list[Difference]) -> None:
        self.trees = (Subtrees(root_a), Subtrees(root_b))
        self.out = out

    def elements(self, a: Element, b: Element, path: str, states: tuple[RuleNode, ...]) -> None:
        """The differences between two elements with the same name."""
        unordered = False
        if states:
            effect = effect_of(states)
            if effect is not NO_EFFECT:
                if effect.ignore:
                    return
                unordered = effect.unordered
        children_a, children_b = element_children(a), element_children(b)
        diff_details(a, b, path, states, self.out, children_a, children_b)
        if not (children_a or children_b):
            return
        if unordered:
            self._unordered(children_a, children_b, path, states)
        else:
            self._children(children_a, children_b, path, states)

    def _children(
        self,
        children_a: list[Element],
        children_b: list[Element],
        path: str,
        states: tuple[RuleNode, ...],
    ) -> None:
        names_a, keys_a = _steps(children_a)
        names_b, keys_b = _steps(children_b)
        repeated = _repeated(names_a, names_b)
        position_b = {key: index for index, key in enumerate(keys_b)}
        paired_a: list[str] = []
        for index, child_a in enumerate(children_a):
            key = keys_a[index]
            other = position_b.get(key)
            if other is None:
                self._alone(child_a, key, repeated, _MISSING, path, states)
            else:
                paired_a.append(key)
                self._pair(child_a, children_b[other], key, repeated, path, states)
        keys_in_a = set(keys_a)
        for index, key in enumerate(keys_b):
            if key not in keys_in_a:
                self._alone(children_b[index], key, repeated, _EXTRA, path, states)
        paired_b = [key for key in keys_b if key in keys_in_a]
        if paired_a != paired_b and not (states and effect_of(states).ignore):
            self.out.append(
                Difference(
                    path,
                    _ORDER,
                    [_step_of(key, repeated) for key in paired_a],
                    [_step_of(key, repeated) for key in paired_b],
                )
            )

    def _pair(
        self,
        child_a: Element,
        child_b: Element,
        key: str,
        repeated: set[str],
        path: str,
        states: tuple[RuleNode, ...],
    ) -> None:
        first, second = self.trees
        if first.slice(child_a) == second.slice(child_b):
            return
        step = _step_of(key, repeated)
        child_path = f"{path}/{step}"
        child_states = step_xml(states, step, key.rpartition("#")[0]) if states else ()
        if child_a.tag != child_b.tag:
            if not (child_states and effect_of(child_states).ignore):
                self.out.append(Difference(child_path, _CHANGED, child_a.tag, child_b.tag))
            return
        self.elements(child_a, child_b, child_path, child_states)

    def _alone(
        self,
        child: Element,
        key: str,
        repeated: set[str],
        kind: DiffKind,
        path: str,
        states: tuple[RuleNode, ...],
    ) -> None:
        step = _step_of(key, repeated)
        if states and effect_of(step_xml(states, step, key.rpartition("#")[0])).ignore:
            return
        shown = describe(child)
        legacy, candidate = (shown, None) if kind is _MISSING else (None, shown)
        self.out.append(Difference(f"{path}/{step}", kind, legacy, candidate))

    def _unordered(
        self,
        children_a: list[Element],
        children_b: list[Element],
        path: str,
        states: tuple[RuleNode, ...],
    ) -> None:
        """Children compared as a multiset of subtrees; unmatched ones are missing / extra."""
        names_a, keys_a = _steps(children_a)
        names_b, keys_b = _steps(children_b)
        repeated = _repeated(names_a, names_b)
        pool: dict[bytes, list[int]] = {}
        for index, child in enumerate(children_b):
            pool.setdefault(canonical_subtree(child), []).append(index)
        for index, child in enumerate(children_a):
            matches = pool.get(canonical_subtree(child))
            if matches:
                matches.pop(0)
            else:
                self._alone(child, keys_a[index], repeated, _MISSING, path, states)
        for index in sorted(i for indexes in pool.values() for i in indexes):
            self._alone(children_b[index], keys_b[index], repeated, _EXTRA, path, states)


def canonical_subtree(element: Element) -> bytes:
    """C14N of a subtree (attributes sorted; the parser already dropped blank text)."""
    return etree.tostring(element, method="c14n", with_tail=False)


def describe(element: Element, limit: int = 200) -> str:
    """A short, prefix-free serialisation of a subtree for reports."""
    parts: list[str] = []
    _describe(element, parts, [limit])
    return snippet("".join(parts), limit)


def _describe(element: Element, parts: list[str], budget: list[int]) -> None:
    if budget[0] <= 0:
        return
    name = local_name(element.tag)
    attributes = "".join(f' {local_name(k)}="{v}"' for k, v in element.attrib.items())
    text = (element.text or "").strip()
    children = element_children(element)
    if not text and not children:
        piece = f"<{name}{attributes}/>"
        parts.append(piece)
        budget[0] -= len(piece)
        return
    opening = f"<{name}{attributes}>{text}"
    parts.append(opening)
    budget[0] -= len(opening)
    for child in children:
        _describe(child, parts, budget)
    parts.append(f"</{name}>")


def step_of(element: Element, parent: Element) -> tuple[str, str]:
    """(step, local name) of a child: `name`, or `name[n]` when same-name siblings repeat."""
    name = local_name(element.tag)
    same = list(parent.iterchildren("{*}" + name))
    if len(same) > 1:
        return f"{name}[{same.index(element) + 1}]", name
    return name, name
