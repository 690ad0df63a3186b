"""Each side's own address, as same-meaning variables."""

from __future__ import annotations

from harness.core.difference import Difference, DiffKind, same_meaning_removed
from harness.core.origins import Origins, address_swaps


def test_base_url_origin_and_authority_of_each_side_where_they_differ() -> None:
    ours, theirs = address_swaps(
        "https://legacy.example/spine", "https://spine2.example:8443/spine"
    )
    assert ours == {
        "$base": "https://legacy.example/spine",
        "$origin": "https://legacy.example",
        "$authority": "legacy.example",
    }
    assert theirs["$authority"] == "spine2.example:8443"


def test_what_is_not_an_http_address_swaps_nothing() -> None:
    assert address_swaps("har:capture.har", "http://127.0.0.1:1") == ({}, {})
    assert address_swaps(None, "http://127.0.0.1:1") == ({}, {})
    assert address_swaps("http://a.example", "http://a.example") == ({}, {})


def test_links_under_each_sides_base_mean_the_same_and_other_changes_stay() -> None:
    origins = Origins(candidate="http://127.0.0.1:9002", recorded={"pds": "http://127.0.0.1:9001"})
    ours, theirs = origins.swaps("pds", live_legacy=False)
    link = Difference(
        "/link/0/url",
        DiffKind.CHANGED,
        "http://127.0.0.1:9001/Patient?family=Smith",
        "http://127.0.0.1:9002/Patient?family=Smith",
    )
    other = Difference(
        "/link/1/url",
        DiffKind.CHANGED,
        "http://127.0.0.1:9001/Patient?page=2",
        "http://127.0.0.1:9002/Patient?page=3",
    )
    assert same_meaning_removed([link, other], ours, theirs) == [other]
    assert origins.swaps("sds", live_legacy=False) == ({}, {})  # recorded from nowhere known
