"""Noise learning: what varies between two identical calls is found; what is stable is not."""

from __future__ import annotations

import uuid

import orjson

from harness.core.exchange import Response
from harness.record.noise import Pair, learn_noise

JSON = (("content-type", "application/fhir+json"),)


def answer(body: object, headers: tuple[tuple[str, str], ...] = (), status: int = 200) -> Response:
    return Response(status, JSON + headers, orjson.dumps(body))


def bundle(stamp: str, ids: list[str], scores: list[float]) -> dict[str, object]:
    return {
        "resourceType": "Bundle",
        "timestamp": stamp,
        "total": len(ids),
        "entry": [
            {"fullUrl": f"urn:uuid:{i}", "resource": {"id": "9000000009"}, "search": {"score": s}}
            for i, s in zip(ids, scores, strict=True)
        ],
    }


def ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


def test_varying_fields_are_found_and_stable_ones_are_not() -> None:
    pairs = [
        Pair(
            "searchPatients",
            answer(
                bundle("2026-01-01T10:00:00+00:00", ids(2), [1.0, 0.9]),
                (("x-request-id", str(uuid.uuid4())),),
            ),
            answer(
                bundle("2026-01-01T10:00:02+00:00", ids(2), [1.0, 0.9]),
                (("x-request-id", str(uuid.uuid4())),),
            ),
        ),
        Pair(
            "searchPatients",
            answer(bundle("2026-01-01T10:00:01+00:00", ids(3), [1.0, 0.8, 0.7])),
            answer(bundle("2026-01-01T10:00:03+00:00", ids(3), [1.0, 0.8, 0.7])),
        ),
    ]
    learned = learn_noise(pairs)
    rules = {(e.operation, e.path): e.kind for e in learned.entries}
    assert rules == {
        ("searchPatients", "/timestamp"): "timestamp",
        ("searchPatients", "/entry/*/fullUrl"): "uuid",  # generalised: varied in every element
        ("searchPatients", "header:x-request-id"): "uuid",
    }
    assert all(e.learned for e in learned.entries)
    assert not learned.warnings


def test_a_field_that_varies_in_only_one_element_stays_precise() -> None:
    first = {"items": [{"v": "a"}, {"v": "b"}, {"v": "c"}]}
    second = {"items": [{"v": "a"}, {"v": "CHANGED"}, {"v": "c"}]}
    learned = learn_noise([Pair("op", answer(first), answer(second))])
    assert [(e.path, e.kind) for e in learned.entries] == [("/items/1/v", "ignore")]


def test_identical_answers_teach_nothing() -> None:
    body = bundle("2026-01-01T10:00:00+00:00", ["a", "b"], [1.0, 1.0])
    assert learn_noise([Pair("op", answer(body), answer(body))]).entries == ()


def test_xml_nodes_are_learned_without_prefixes_or_indices() -> None:
    def soap(message_id: str, created: str) -> Response:
        body = (
            f'<?xml version="1.0"?><S:Envelope xmlns:S="urn:s" xmlns:a="urn:a"><S:Header>'
            f"<a:MessageID>uuid:{message_id}</a:MessageID><a:T><a:Created>{created}</a:Created>"
            f"</a:T></S:Header><S:Body><a:r>same</a:r></S:Body></S:Envelope>"
        ).encode()
        return Response(200, (("content-type", "text/xml"),), body)

    learned = learn_noise(
        [
            Pair(
                "getNHSNumber",
                soap(str(uuid.uuid4()), "2026-01-01T10:00:00Z"),
                soap(str(uuid.uuid4()), "2026-01-01T10:00:01Z"),
            )
        ]
    )
    assert {(e.path, e.kind) for e in learned.entries} == {
        ("/Envelope/Header/MessageID", "uuid"),
        ("/Envelope/Header/T/Created", "timestamp"),
    }


def test_status_differences_are_reported_not_learned() -> None:
    learned = learn_noise([Pair("op", answer({}), answer({}, status=503), label="s/0")])
    assert learned.entries == ()
    assert "status differed" in learned.warnings[0]


def test_without_a_twin_untyped_state_changes_are_not_learned() -> None:
    first = answer({"meta": {"versionId": "1"}, "lastUpdated": "2026-01-01T00:00:00Z"})
    second = answer({"meta": {"versionId": "2"}, "lastUpdated": "2026-01-01T00:00:05Z"})
    learned = learn_noise([Pair("getPatient", first, second, typed_only=True, label="p/0")])
    assert [(e.path, e.kind) for e in learned.entries] == [("/lastUpdated", "timestamp")]
    assert "/meta/versionId" in learned.warnings[0]


def test_values_each_pass_was_sent_are_not_noise() -> None:
    """Two passes that bound (or captured) different values see them echoed: the same meaning,
    so nothing is learned about the echo, while real noise next to it still is."""
    first_id, second_id = "A1B2C3-A83008-10001B", "D4E5F6-A83008-20002G"
    pair = Pair(
        "processMessage",
        answer({"groupIdentifier": {"value": first_id}, "id": str(uuid.uuid4())}),
        answer({"groupIdentifier": {"value": second_id}, "id": str(uuid.uuid4())}),
        label="eps-life-cycle/1",
        first_bound={"rx1": first_id},
        second_bound={"rx1": second_id},
    )
    learned = {(e.path, e.kind) for e in learn_noise([pair]).entries}
    assert learned == {("/id", "uuid")}
    unbound = Pair(pair.operation, pair.first, pair.second, label=pair.label)
    assert ("/groupIdentifier/value", "ignore") in {
        (e.path, e.kind) for e in learn_noise([unbound]).entries
    }
