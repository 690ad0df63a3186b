"""GET /Patient query string -> SearchCriteria, with the spec's parameter-level errors."""

from __future__ import annotations

from collections.abc import Sequence

from harness.simulator.pds.model import PdsError
from harness.simulator.pds.search import SearchCriteria

SINGLE = {
    "family",
    "gender",
    "address-postalcode",
    "address-postcode",
    "general-practitioner",
    "email",
    "phone",
    "_fuzzy-match",
    "_exact-match",
    "_history",
    "_max-results",
}
REPEATABLE = {"given", "birthdate", "death-date"}
KNOWN = SINGLE | REPEATABLE


def _flag(values: dict[str, list[str]], name: str) -> bool:
    if name not in values:
        return False
    value = values[name][0].lower()
    if value not in ("true", "false"):
        raise PdsError(
            "INVALID_VALUE",
            400,
            diagnostics=f"Invalid value - '{values[name][0]}' in field '{name}'",
        )
    return value == "true"


def criteria_from_query(items: Sequence[tuple[str, str]]) -> SearchCriteria:
    if not items:
        raise PdsError("UNSUPPORTED_SERVICE", 400)
    values: dict[str, list[str]] = {}
    for name, value in items:
        if name not in KNOWN:
            raise PdsError(
                "ADDITIONAL_PROPERTIES",
                400,
                diagnostics=f"Invalid request with error - Additional properties are not allowed "
                f"('{name}' was unexpected)",
            )
        values.setdefault(name, []).append(value)
    for name in SINGLE:
        if len(values.get(name, ())) > 1:
            raise PdsError(
                "INVALID_SEARCH_DATA",
                400,
                diagnostics=f"Invalid search data - '{name}' may only be given once",
            )
    if "address-postcode" in values and "address-postalcode" in values:
        raise PdsError(
            "INVALID_SEARCH_DATA",
            400,
            diagnostics="Invalid search data - give address-postalcode or address-postcode, "
            "not both",
        )
    max_results = None
    if "_max-results" in values:
        text = values["_max-results"][0]
        if not (text.strip().isascii() and text.strip().isdigit()) or len(text.strip()) > 6:
            raise PdsError(
                "INVALID_VALUE",
                400,
                diagnostics=f"Invalid value - '{text}' in field '_max-results'",
            )
        max_results = int(text)
    for name in ("given", "birthdate", "death-date"):
        if len(values.get(name, ())) > (5 if name == "given" else 2):
            raise PdsError(
                "INVALID_SEARCH_DATA",
                400,
                diagnostics=f"Invalid search data - too many values for '{name}'",
            )

    def one(name: str) -> str | None:
        return values[name][0] if name in values else None

    return SearchCriteria(
        family=one("family"),
        given=tuple(values.get("given", ())),
        gender=one("gender"),
        birthdate=tuple(values.get("birthdate", ())),
        death_date=tuple(values.get("death-date", ())),
        postcode=one("address-postalcode") or one("address-postcode"),
        general_practitioner=one("general-practitioner"),
        email=one("email"),
        phone=one("phone"),
        fuzzy=_flag(values, "_fuzzy-match"),
        exact=_flag(values, "_exact-match"),
        history=_flag(values, "_history"),
        max_results=max_results,
    )
