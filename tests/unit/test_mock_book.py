from __future__ import annotations

import pytest

from harness.core.exchange import Exchange, Request, Response
from harness.mock.book import ResponseBook, UnmatchedRequest

BASE = "/personal-demographics/FHIR/R4"


def exchange(ident: str, request: Request, status: int, body: bytes = b"{}") -> Exchange:
    return Exchange(ident, "pds", "getPatient", request, Response(status, (), body))


def test_identical_requests_are_answered_in_recorded_order_then_the_last_repeats() -> None:
    read = Request("GET", f"{BASE}/Patient/9000000009", headers=(("X-Request-ID", "a"),))
    book = ResponseBook(
        [exchange("first", read, 200, b'{"v":1}'), exchange("second", read, 200, b'{"v":2}')]
    )
    other_headers = Request("GET", read.path, headers=(("X-Request-ID", "b"),))
    assert book.answer(other_headers).body == b'{"v":1}'
    assert book.answer(read).body == b'{"v":2}'
    assert book.answer(read).body == b'{"v":2}'
    book.reset()
    assert book.answer(read).body == b'{"v":1}'


def test_query_order_and_json_key_order_do_not_matter_but_values_do() -> None:
    search = Request("GET", f"{BASE}/Patient", query=(("family", "Smith"), ("gender", "female")))
    patch = Request(
        "PATCH",
        f"{BASE}/Patient/9000000009",
        headers=(("Content-Type", "application/json-patch+json"),),
        body=b'[{"op": "replace", "path": "/gender", "value": "male"}]',
    )
    book = ResponseBook([exchange("search", search, 200), exchange("patch", patch, 200)])
    assert book.lookup(Request("GET", search.path, query=tuple(reversed(search.query)))).id == (
        "search"
    )
    reordered = Request(
        "PATCH",
        patch.path,
        headers=patch.headers,
        body=b'[{"value":"male","path":"/gender","op":"replace"}]',
    )
    assert book.lookup(reordered).id == "patch"
    with pytest.raises(UnmatchedRequest):
        book.lookup(Request("GET", search.path, query=(("family", "Smyth"), ("gender", "female"))))


def test_a_miss_names_the_closest_recorded_exchange_and_what_differs() -> None:
    search = Request("GET", f"{BASE}/Patient", query=(("family", "Smith"), ("gender", "female")))
    read = Request("GET", f"{BASE}/Patient/9000000009")
    book = ResponseBook([exchange("pds-search-1", search, 200), exchange("pds-read-1", read, 200)])
    with pytest.raises(UnmatchedRequest) as miss:
        book.lookup(Request("GET", search.path, query=(("family", "Smyth"), ("gender", "female"))))
    message = str(miss.value)
    assert "closest is pds-search-1" in message
    assert "family=Smyth" in message and "family=Smith" in message
    assert "path" not in message.split("differs in", 1)[1]


def test_empty_book_says_so() -> None:
    with pytest.raises(UnmatchedRequest, match="contracts are empty"):
        ResponseBook([]).lookup(Request("GET", "/x"))
