from harness.core.difference import Difference, DiffKind
from harness.core.exchange import Request, Response, bare_media_type, make_headers


def test_header_lookup_is_case_insensitive() -> None:
    response = Response(200, make_headers({"Content-Type": "application/fhir+json; charset=utf-8"}))
    assert response.header("content-type") == "application/fhir+json; charset=utf-8"
    assert response.media_type == "application/fhir+json"
    assert bare_media_type(" Text/XML ; charset=UTF-8") == "text/xml"
    assert bare_media_type(None) == ""
    assert response.header("etag") is None


def test_request_target_keeps_query_order_and_repeats() -> None:
    request = Request(
        "GET",
        "/Patient",
        query=(("family", "Smith"), ("birthdate", "ge2010-01-01"), ("birthdate", "le2011-01-01")),
    )
    assert request.target == "/Patient?family=Smith&birthdate=ge2010-01-01&birthdate=le2011-01-01"


def test_difference_round_trips_through_dict() -> None:
    difference = Difference("/name/0/family", DiffKind.CHANGED, "Smith", "Smyth")
    assert Difference.from_dict(difference.to_dict()) == difference
