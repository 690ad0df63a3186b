"""Patient search: the spec's rules for valid criteria, matching (plain, wildcard, history,
fuzzy) and the match score. Face-independent: the FHIR query and the SOAP request both build a
SearchCriteria.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from harness.simulator.pds.model import Access, PdsError, search_view
from harness.simulator.population import PatientRecord, Population

GENDERS = ("male", "female", "other", "unknown")
_DATE_VALUE = re.compile(r"^(eq|ge|le)?(\d{4}-\d{2}-\d{2})$")
MAX_NAME_LENGTH = 35

# Score deductions (scores are rounded to 4 places, like the platform's).
WILDCARD_PENALTY = 0.035
HISTORY_PENALTY = 0.05
SOUNDEX_PENALTY = 0.1173
TRANSPOSED_PENALTY = 0.0683
IGNORED_MISMATCH_PENALTY = 0.0741


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """What to look for. Dates are `[eq|ge|le]yyyy-mm-dd` (at most two: a ge/le range)."""

    family: str | None = None
    given: tuple[str, ...] = ()
    gender: str | None = None
    birthdate: tuple[str, ...] = ()
    death_date: tuple[str, ...] = ()
    postcode: str | None = None
    general_practitioner: str | None = None
    email: str | None = None
    phone: str | None = None
    fuzzy: bool = False
    exact: bool = False
    history: bool = False
    max_results: int | None = None


def invalid(diagnostics: str, code: str = "INVALID_SEARCH_DATA", status: int = 400) -> PdsError:
    return PdsError(code, status, diagnostics=diagnostics)


@dataclass(frozen=True, slots=True)
class DateRange:
    first: str
    last: str

    def contains(self, value: str) -> bool:
        return self.first <= value <= self.last


def date_range(values: tuple[str, ...], field: str) -> DateRange | None:
    """`eq`, `ge`, `le` or a ge+le pair -> an inclusive range of yyyy-mm-dd strings."""
    if not values:
        return None
    if len(values) > 2:
        raise invalid(f"Invalid value - too many values in field '{field}'")
    first, last = "0000-01-01", "9999-12-31"
    prefixes = []
    for value in values:
        match = _DATE_VALUE.match(value)
        if match is None:
            raise invalid(f"Invalid value - '{value}' in field '{field}'")
        prefix, text = match.group(1) or "eq", match.group(2)
        try:
            date.fromisoformat(text)
        except ValueError:
            raise invalid(f"Invalid value - '{value}' in field '{field}'") from None
        prefixes.append(prefix)
        if prefix in ("eq", "ge"):
            first = max(first, text)
        if prefix in ("eq", "le"):
            last = min(last, text)
    if len(values) == 2 and sorted(prefixes) != ["ge", "le"]:
        raise invalid(f"Invalid value - a range in field '{field}' needs one ge and one le")
    return DateRange(first, last)


def _pattern(value: str, field: str, fuzzy: bool, spaces: bool = True) -> re.Pattern[str] | str:
    """A lower-cased literal, or a compiled regex when the value has `*` wildcards."""
    text = value.strip().lower()
    if not spaces:
        text = text.replace(" ", "")
    if "*" not in text:
        return text
    if fuzzy:
        raise invalid(f"Invalid value - wildcards are not allowed in a fuzzy search ('{field}')")
    if "*" in text[:2]:
        raise invalid(
            f"Invalid value - '{value}' in field '{field}': a wildcard cannot be in the first "
            "two characters"
        )
    return re.compile(".*".join(re.escape(part) for part in text.split("*")) + r"\Z")


def _matches(pattern: re.Pattern[str] | str, value: str) -> bool:
    if isinstance(pattern, str):
        return pattern == value
    return pattern.match(value) is not None


_SOUNDEX_CODES = {
    **dict.fromkeys("BFPV", "1"),
    **dict.fromkeys("CGJKQSXZ", "2"),
    **dict.fromkeys("DT", "3"),
    "L": "4",
    **dict.fromkeys("MN", "5"),
    "R": "6",
}


def soundex(word: str) -> str:
    """American Soundex, as the platform uses for homophones (Smith = Smyth = Smythe)."""
    letters = [ch for ch in word.upper() if "A" <= ch <= "Z"]
    if not letters:
        return ""
    codes = _SOUNDEX_CODES
    result = letters[0]
    previous = codes.get(letters[0], "")
    for ch in letters[1:]:
        code = codes.get(ch, "")
        if code and code != previous:
            result += code
        if ch not in "HW":
            previous = code
    return (result + "000")[:4]


class _Matcher:
    """Compiled criteria: decides whether a record matches, and with which score."""

    def __init__(self, criteria: SearchCriteria) -> None:
        fuzzy = criteria.fuzzy
        self.criteria = criteria
        self.fuzzy = fuzzy
        self.history = criteria.history or fuzzy
        self.family = (
            _pattern(criteria.family, "family", fuzzy) if criteria.family is not None else None
        )
        self.given = tuple(_pattern(g, "given", fuzzy) for g in criteria.given)
        self.postcode = (
            _pattern(criteria.postcode, "address-postalcode", fuzzy, spaces=False)
            if criteria.postcode is not None
            else None
        )
        self.birth = date_range(criteria.birthdate, "birthdate")
        self.death = date_range(criteria.death_date, "death-date")
        self.gp = (
            criteria.general_practitioner.strip().upper() if criteria.general_practitioner else None
        )
        self.email = criteria.email.strip().lower() if criteria.email else None
        self.phone = criteria.phone.replace(" ", "") if criteria.phone else None

    def score(self, record: PatientRecord) -> float | None:
        resource = record.resource
        penalty = 0.0
        if self.criteria.gender is not None and resource.get("gender") != self.criteria.gender:
            return None
        if self.birth is not None and not self.birth.contains(str(resource.get("birthDate", ""))):
            return None
        names = self._name_penalty(resource.get("name", []))
        if names is None:
            return None
        penalty += names
        if self.postcode is not None:
            found = self._postcode_penalty(record)
            if found is None:
                return None
            penalty += found
        gp = _practice(resource)
        if self.death is not None:
            died = str(resource.get("deceasedDateTime", ""))[:10]
            if not (died and self.death.contains(died)):
                if not self.fuzzy:
                    return None
                penalty += IGNORED_MISMATCH_PENALTY
        if self.gp is not None and gp != self.gp:
            if not self.fuzzy:
                return None
            penalty += IGNORED_MISMATCH_PENALTY
        if self.email is not None or self.phone is not None:
            telecoms = {str(t.get("value", "")).lower() for t in resource.get("telecom", [])}
            if self.email is not None and self.email not in telecoms:
                return None
            if self.phone is not None and self.phone.lower() not in telecoms:
                return None
        return round(max(0.0, 1.0 - penalty), 4)

    def _name_penalty(self, names: list[dict[str, Any]]) -> float | None:
        if self.family is None and not self.given:
            return 0.0
        best: float | None = None
        for name in names:
            use = name.get("use")
            historic = use in ("old", "maiden")
            if historic and not self.history:
                continue
            penalty = self._one_name(name)
            if penalty is None:
                continue
            penalty += HISTORY_PENALTY if historic else 0.0
            best = penalty if best is None else min(best, penalty)
        return best

    def _one_name(self, name: dict[str, Any]) -> float | None:
        family = str(name.get("family", "")).lower()
        given = [str(g).lower() for g in name.get("given", [])]
        if not self.fuzzy:
            penalty = 0.0
            if self.family is not None:
                if not _matches(self.family, family):
                    return None
                penalty += WILDCARD_PENALTY if not isinstance(self.family, str) else 0.0
            for position, wanted in enumerate(self.given):
                if position >= len(given) or not _matches(wanted, given[position]):
                    return None
                penalty += WILDCARD_PENALTY if not isinstance(wanted, str) else 0.0
            return penalty
        straight = self._fuzzy_pair(family, given)
        transposed = None
        if self.family is not None and self.given and given:
            swapped = self._fuzzy_pair(given[0], [family, *given[1:]])
            transposed = None if swapped is None else swapped + TRANSPOSED_PENALTY
        options = [p for p in (straight, transposed) if p is not None]
        return min(options) if options else None

    def _fuzzy_pair(self, family: str, given: list[str]) -> float | None:
        penalty = 0.0
        if self.family is not None:
            wanted = str(self.family)
            if wanted != family:
                if soundex(wanted) != soundex(family):
                    return None
                penalty += SOUNDEX_PENALTY
        if self.given:
            wanted = str(self.given[0])
            first = given[0] if given else ""
            if wanted != first and wanted != first.split(" ")[0]:
                if not first or soundex(wanted) != soundex(first):
                    return None
                penalty += SOUNDEX_PENALTY
        return penalty

    def _postcode_penalty(self, record: PatientRecord) -> float | None:
        assert self.postcode is not None
        wildcard = 0.0 if isinstance(self.postcode, str) else WILDCARD_PENALTY
        for address in record.resource.get("address", []):
            code = str(address.get("postalCode", "")).replace(" ", "").lower()
            if _matches(self.postcode, code):
                return wildcard
        if self.history:
            for code in record.previous_postcodes:
                if _matches(self.postcode, code.replace(" ", "").lower()):
                    return wildcard + HISTORY_PENALTY
        return None


def _practice(resource: dict[str, Any]) -> str | None:
    practices = resource.get("generalPractitioner") or [{}]
    value = practices[0].get("identifier", {}).get("value")
    return str(value).upper() if value else None


def check_criteria(criteria: SearchCriteria, access: Access) -> int:
    """Raise the spec's errors for invalid criteria; return the effective result limit."""
    limit = criteria.max_results
    if limit is None:
        limit = access.max_results
    elif access is Access.APPLICATION_RESTRICTED and limit != 1:
        raise invalid(
            "Invalid value - '_max-results' must be 1 for an application-restricted search",
            code="INVALID_VALUE",
            status=403,
        )
    elif not 1 <= limit <= 50:
        raise invalid(f"Invalid value - '{limit}' in field '_max-results'", code="INVALID_VALUE")
    if criteria.gender is not None and criteria.gender not in GENDERS:
        raise invalid(f"Invalid value - '{criteria.gender}' in field 'gender'", "INVALID_VALUE")
    for field, value in (("family", criteria.family), *(("given", g) for g in criteria.given)):
        if value is not None and not (0 < len(value.strip()) <= MAX_NAME_LENGTH):
            raise invalid(f"Invalid value - '{value}' in field '{field}'", "INVALID_VALUE")
    has = {
        "family": criteria.family is not None,
        "given": bool(criteria.given),
        "birthdate": bool(criteria.birthdate),
        "gender": criteria.gender is not None,
        "postcode": criteria.postcode is not None,
    }
    if criteria.fuzzy:
        combinations = (
            ("given", "family", "birthdate"),
            ("family", "birthdate", "gender", "postcode"),
            ("given", "birthdate", "gender", "postcode"),
        )
        if not any(all(has[f] for f in combination) for combination in combinations):
            raise invalid(
                "Not enough search parameters were provided to be able to make a fuzzy search: "
                "give given, family and birthdate; or family (or given), birthdate, gender "
                "and address-postalcode"
            )
    elif not (has["family"] and has["birthdate"]):
        raise invalid(
            "Not enough search parameters were provided to be able to make a search: "
            "family and birthdate are required"
        )
    return limit


def _candidates(population: Population, matcher: _Matcher) -> Iterator[PatientRecord]:
    if matcher.birth is not None:
        return population.born_between(matcher.birth.first, matcher.birth.last)
    return iter(population)


def search_patients(
    population: Population, criteria: SearchCriteria, access: Access
) -> list[tuple[dict[str, Any], float]]:
    """Matching patients (search view) with scores, best first; raises PdsError.

    More matches than the limit (1 for application-restricted access, `_max-results` or 50
    for healthcare workers) raise TOO_MANY_MATCHES (status 200, as on the platform).
    """
    limit = check_criteria(criteria, access)
    matcher = _Matcher(criteria)
    location_search = criteria.postcode is not None or criteria.general_practitioner is not None
    found = []
    for record in _candidates(population, matcher):
        if record.status != "active" or (location_search and record.restricted):
            continue
        score = matcher.score(record)
        if score is None or (criteria.exact and score < 1.0):
            continue
        found.append((record, score))
    if len(found) > limit:
        raise PdsError("TOO_MANY_MATCHES", 200)
    found.sort(key=lambda pair: (-pair[1], pair[0].nhs_number))
    return [(search_view(record), score) for record, score in found]
