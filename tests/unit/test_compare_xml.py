"""XML/SOAP comparison: prefixes, attribute order and whitespace never matter."""

from __future__ import annotations

import random
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from harness.core.compare import compare
from harness.core.exchange import Response
from harness.core.rules import Rule
from tests.unit.pds_documents import SOAP_RESPONSE

SOAP = (("Content-Type", "text/xml; charset=utf-8"),)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
HL7 = "urn:hl7-org:v3"


def diff(legacy: bytes, candidate: bytes, *rules: Rule) -> list[tuple[str, str, Any, Any]]:
    found = compare(Response(200, SOAP, legacy), Response(200, SOAP, candidate), rules)
    return [(d.path, d.kind.value, d.legacy, d.candidate) for d in found]


def write(
    root: Any,
    prefixes: dict[str, str],
    rng: random.Random,
    indent: str = "",
    declaration: bool = True,
    shuffle: bool = True,
) -> bytes:
    """Serialise a tree by hand with the given prefix per namespace URI ('' = default
    namespace), attributes in a shuffled order, and `indent` per level ('' = one line)."""
    lines: list[str] = []
    declared = " ".join(
        f'xmlns="{uri}"' if prefix == "" else f'xmlns:{prefix}="{uri}"'
        for uri, prefix in prefixes.items()
    )

    def name_of(tag: str, attribute: bool = False) -> str:
        if not tag.startswith("{"):
            return tag
        uri, local = tag[1:].split("}")
        prefix = prefixes[uri]
        if prefix == "" and not attribute:
            return local
        return f"{prefix}:{local}"

    def emit(element: Any, depth: int) -> None:
        items = list(element.attrib.items())
        if shuffle:
            rng.shuffle(items)
        attributes = "".join(f" {name_of(k, True)}={quoteattr(v)}" for k, v in items)
        if depth == 0:
            attributes = f" {declared}{attributes}"
        pad = "\n" + indent * depth if indent else ""
        name = name_of(element.tag)
        text = escape(element.text or "")
        children = [child for child in element if isinstance(child.tag, str)]
        if not children and not text:
            lines.append(f"{pad}<{name}{attributes}/>")
            return
        lines.append(f"{pad}<{name}{attributes}>{text}")
        for child in children:
            emit(child, depth + 1)
        closing = ("\n" + indent * depth) if indent and children else ""
        lines.append(f"{closing}</{name}>")

    emit(root, 0)
    head = '<?xml version="1.0" encoding="UTF-8"?>' if declaration else ""
    return (head + "".join(lines)).encode()


TREE = etree.fromstring(SOAP_RESPONSE, etree.XMLParser(remove_blank_text=True))
URIS = sorted({uri for element in TREE.iter() for uri in (element.nsmap or {}).values()})
ATTRIBUTE_URIS = {
    key[1:].split("}")[0] for element in TREE.iter() for key in element.attrib if key[0] == "{"
}


def legacy_prefixes() -> dict[str, str]:
    return {uri: prefix for prefix, uri in TREE.nsmap.items() if prefix}


PREFIX_NAMES = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True).filter(
    lambda p: not p.startswith("xml")
)


@st.composite
def prefix_maps(draw: st.DrawFn) -> dict[str, str]:
    names = draw(st.lists(PREFIX_NAMES, min_size=len(URIS), max_size=len(URIS), unique=True))
    mapping = dict(zip(URIS, names, strict=True))
    default = draw(st.sampled_from([None, *[u for u in URIS if u not in ATTRIBUTE_URIS]]))
    if default is not None:
        mapping[default] = ""
    return mapping


def xml_paths(root: Any) -> list[tuple[Any, str]]:
    """Every element with its expected path, computed independently of the comparator."""
    found: list[tuple[Any, str]] = []

    def visit(element: Any, path: str) -> None:
        found.append((element, path))
        children = [child for child in element if isinstance(child.tag, str)]
        names = [etree.QName(child).localname for child in children]
        seen: dict[str, int] = {}
        for child, name in zip(children, names, strict=True):
            seen[name] = seen.get(name, 0) + 1
            step = f"{name}[{seen[name]}]" if names.count(name) > 1 else name
            visit(child, f"{path}/{step}")

    visit(root, "/" + etree.QName(root).localname)
    return found


def test_identical_and_legacy_vs_spine2_presentation_are_equal() -> None:
    assert diff(SOAP_RESPONSE, SOAP_RESPONSE) == []
    rng = random.Random(7)
    spine2 = {uri: f"ns{index}" for index, uri in enumerate(URIS)} | {HL7: ""}
    assert diff(SOAP_RESPONSE, write(TREE, spine2, rng, indent="    ")) == []


def test_text_attribute_and_element_differences_have_local_name_paths() -> None:
    candidate = (
        SOAP_RESPONSE.replace(b"<hl7:family>Smith<", b"<hl7:family>Smyth<")
        .replace(b'<hl7:birthTime value="20101022"/>', b'<hl7:birthTime value="20101023"/>')
        .replace(b"<hl7:given>Anne</hl7:given>", b"<hl7:given>Ann</hl7:given>")
    )
    person = "/Envelope/Body/getPatientDetailsResponse-v1-0/subject/patient/patientPerson"
    assert diff(SOAP_RESPONSE, candidate) == [
        (f"{person}/name/given[2]", "changed", "Anne", "Ann"),
        (f"{person}/name/family", "changed", "Smith", "Smyth"),
        (f"{person}/birthTime/@value", "changed", "20101022", "20101023"),
    ]


def test_missing_extra_and_reordered_elements() -> None:
    legacy = b'<r xmlns="urn:x"><a>1</a><b k="v">2</b><c/></r>'
    assert diff(legacy, b'<r xmlns="urn:x"><a>1</a><c/></r>') == [
        ("/r/b", "missing", '<b k="v">2</b>', None)
    ]
    assert diff(legacy, b'<r xmlns="urn:x"><a>1</a><b k="v">2</b><c/><d/></r>') == [
        ("/r/d", "extra", None, "<d/>")
    ]
    assert diff(legacy, b'<r xmlns="urn:x"><b k="v">2</b><a>1</a><c/></r>') == [
        ("/r", "order", ["a", "b", "c"], ["b", "a", "c"])
    ]


def test_attributes_missing_extra_and_namespace_changes() -> None:
    assert diff(b'<r a="1" b="2"/>', b'<r b="2" c="3"/>') == [
        ("/r/@a", "missing", "1", None),
        ("/r/@c", "extra", None, "3"),
    ]
    assert diff(b'<r xmlns="urn:x"><a/></r>', b'<r xmlns="urn:x"><a xmlns="urn:y"/></r>') == [
        ("/r/a", "changed", "{urn:x}a", "{urn:y}a")
    ]


def test_text_is_compared_stripped() -> None:
    assert diff(b"<r><a>  x </a></r>", b"<r><a>x</a></r>") == []
    assert diff(b"<r><a>x y</a></r>", b"<r><a>x  y</a></r>") == [("/r/a", "changed", "x y", "x  y")]


def test_repeated_siblings_get_indexes_when_counts_differ() -> None:
    legacy = b"<r><line>1</line><line>2</line></r>"
    assert diff(legacy, b"<r><line>1</line></r>") == [
        ("/r/line[2]", "missing", "<line>2</line>", None)
    ]
    assert diff(b"<r><line>1</line></r>", legacy) == [
        ("/r/line[2]", "extra", None, "<line>2</line>")
    ]


def test_rules_on_xml_paths() -> None:
    legacy = SOAP_RESPONSE
    candidate = legacy.replace(
        b"uuid:6B3B2A5E-9F61-4A1C-8E0B-3C2D1F0A9B87", b"uuid:0E2F4A6B-1C3D-4E5F-8A9B-0C1D2E3F4A5B"
    ).replace(b'effectiveTime value="20240115093012"', b'effectiveTime value="20240115093015"')
    assert len(diff(legacy, candidate)) == 2
    rules = (
        Rule("/Envelope/Header/MessageID", "uuid"),
        Rule("/Envelope/Body/*/effectiveTime/@value", "timestamp", tolerance_s=5),
    )
    assert diff(legacy, candidate, *rules) == []
    assert (
        diff(legacy, candidate, Rule("/Envelope/Header"), Rule("/Envelope/Body/*/effectiveTime"))
        == []
    )
    tight = Rule("/Envelope/Body/*/effectiveTime/@value", "timestamp", tolerance_s=1)
    assert [d[0] for d in diff(legacy, candidate, rules[0], tight)] == [
        "/Envelope/Body/getPatientDetailsResponse-v1-0/effectiveTime/@value"
    ]


def test_unordered_children() -> None:
    legacy = b"<r><i>1</i><i>2</i><j/></r>"
    assert diff(legacy, b"<r><j/><i>2</i><i>1</i></r>", Rule("/r", "unordered")) == []
    assert diff(legacy, b"<r><j/><i>2</i><i>3</i></r>", Rule("/r", "unordered")) == [
        ("/r/i[1]", "missing", "<i>1</i>", None),
        ("/r/i[2]", "extra", None, "<i>3</i>"),
    ]


def test_unparseable_xml_falls_back_to_text_or_is_a_type_difference() -> None:
    assert diff(b"<r>", b"<r>") == []
    assert diff(b"<r><", b"<r><x") == [("/1", "changed", "<r><", "<r><x")]
    assert diff(b"<r/>", b"oops") == [("/", "type", "<r/>", "oops")]


# -- properties ---------------------------------------------------------------------------


@PROPERTY
@given(
    prefixes=prefix_maps(),
    seed=st.integers(0, 2**32),
    indent=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_prefix_renaming_attribute_order_and_indentation_never_matter(
    prefixes: dict[str, str], seed: int, indent: str
) -> None:
    candidate = write(TREE, prefixes, random.Random(seed), indent=indent, declaration=seed % 2 == 0)
    assert diff(SOAP_RESPONSE, candidate) == []


@PROPERTY
@given(prefixes=prefix_maps(), data=st.data())
def test_one_changed_leaf_is_reported_at_exactly_its_path(
    prefixes: dict[str, str], data: st.DataObject
) -> None:
    tree = etree.fromstring(SOAP_RESPONSE, etree.XMLParser(remove_blank_text=True))
    targets: list[tuple[str, Any, str | None]] = []
    for element, path in xml_paths(tree):
        if (element.text or "").strip():
            targets.append((path, element, None))
        targets.extend((f"{path}/@{etree.QName(k).localname}", element, k) for k in element.attrib)
    path, element, attribute = data.draw(st.sampled_from(targets))
    new = data.draw(
        st.from_regex(r"[A-Za-z0-9 .:-]{1,12}", fullmatch=True).map(str.strip).filter(bool)
    )
    old = element.get(attribute) if attribute else element.text.strip()
    if new == old:
        return
    if attribute:
        element.set(attribute, new)
    else:
        element.text = new
    candidate = write(
        tree, prefixes, random.Random(0), indent=data.draw(st.sampled_from(["", "  "]))
    )
    assert diff(SOAP_RESPONSE, candidate) == [(path, "changed", old, new)]


CHILD_NAMES = st.sampled_from(["a", "b", "given", "line"])


@st.composite
def small_trees(draw: st.DrawFn, depth: int = 0) -> Any:
    element = etree.Element(f"{{{HL7}}}{draw(CHILD_NAMES) if depth else 'root'}")
    for name in draw(st.lists(st.sampled_from(["code", "value", "use"]), max_size=2, unique=True)):
        element.set(name, draw(st.text(alphabet="xyz01", max_size=3)))
    if depth < 3 and draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            element.append(draw(small_trees(depth + 1)))
    else:
        element.text = draw(st.text(alphabet="pqr ", max_size=4))
    return element


@PROPERTY
@given(tree=small_trees(), seed=st.integers(0, 2**32))
def test_generated_trees_equal_themselves_under_any_presentation(tree: Any, seed: int) -> None:
    rng = random.Random(seed)
    legacy = write(tree, {HL7: "hl7"}, rng, indent="  ")
    assert diff(legacy, write(tree, {HL7: rng.choice(["", "x", "v3"])}, rng)) == []


def test_prefix_unification_makes_serialisations_equal_for_the_fast_path() -> None:
    from harness.core.canonical.xml import parse, unify_prefixes

    spine2 = {uri: f"ns{index}" for index, uri in enumerate(URIS)} | {HL7: ""}
    legacy = parse(SOAP_RESPONSE)
    candidate = parse(write(TREE, spine2, random.Random(3), indent="   ", shuffle=False))
    assert etree.tostring(legacy) != etree.tostring(candidate)
    unify_prefixes(legacy, candidate)
    assert etree.tostring(legacy) == etree.tostring(candidate)


def test_internal_entities_expand_and_external_ones_are_never_read() -> None:
    assert diff(b"<!DOCTYPE r [<!ENTITY e 'v'>]><r>&e;</r>", b"<r>v</r>") == []
    external = b"<!DOCTYPE r [<!ENTITY e SYSTEM 'file:///etc/hostname'>]><r>&e;</r>"
    assert [kind for _, kind, _, _ in diff(external, b"<r>v</r>")] == ["type"]


def test_root_wildcard_and_multi_line_text() -> None:
    legacy = b"<QUPA_IN000008UK05><creationTime value='20240101101010'/></QUPA_IN000008UK05>"
    candidate = legacy.replace(b"101010", b"101011")
    assert (
        diff(legacy, candidate, Rule("/*/creationTime/@value", "pattern", pattern=r"\d{14}")) == []
    )
    assert diff(b"<r><t>a\nb</t><u>1</u></r>", b"<r><t>a\nc</t><u>2</u></r>") == [
        ("/r/t", "changed", "a\nb", "a\nc"),
        ("/r/u", "changed", "1", "2"),
    ]
    assert diff(b"<r><p>x <b>y</b> z</p></r>", b"<r><p>x <b>y</b> w</p></r>") == [
        ("/r/p", "changed", "x z", "x w")
    ]


def test_records_path_under_renamed_prefixes_and_attribute_order() -> None:
    # Same shape, other prefixes and attribute order: only real differences, in document order;
    # an element moved to another namespace (same local name) is a changed tag, not equal.
    legacy = b'<a:r xmlns:a="urn:a"><a:x k="1" j="2">t</a:x><a:y>u</a:y></a:r>'
    assert diff(legacy, b'<r xmlns="urn:a"><x j="2" k="1">t</x><y>u</y></r>') == []
    candidate = b'<r xmlns="urn:a"><x j="2" k="3">t</x><y xmlns="urn:b">u</y></r>'
    assert diff(legacy, candidate) == [
        ("/r/x/@k", "changed", "1", "3"),
        ("/r/y", "changed", "{urn:a}y", "{urn:b}y"),
    ]
