"""The EPS short-form prescription id and its ISO/IEC 7064 MOD 37-2 check character.

A short-form id reads `XXXXXX-XXXXXX-XXXXXC`: six hex digits, the prescribing organisation's
ODS code left-padded with zeros to six characters, five hex digits, and a check character from
`0-9A-Z+`. The check character makes the MOD 37-2 sum of all characters equal 1.

Pure: the simulator validates ids with it and the scenario engine's `{{$prescription_id}}`
built-in makes fresh valid ones with it.
"""

from __future__ import annotations

import re

CHECK_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+"
SHORT_FORM = re.compile(r"[0-9A-F]{6}-[0-9A-Z]{6}-[0-9A-F]{5}[0-9A-Z+]")


def _running_total(body: str) -> int:
    total = 0
    for character in body.replace("-", ""):
        total = ((total + int(character, 36)) * 2) % 37
    return total


def check_character(body: str) -> str:
    """The check character for `body` (the short-form id without its last character)."""
    return CHECK_CHARACTERS[(38 - _running_total(body)) % 37]


def has_valid_check_character(short_form_id: str) -> bool:
    """True when the id is well formed and its last character is the right check character."""
    if not SHORT_FORM.fullmatch(short_form_id):
        return False
    body, check = short_form_id[:-1], short_form_id[-1]
    return (_running_total(body) + CHECK_CHARACTERS.index(check)) % 37 == 1


def short_form_id(first: str, ods_code: str, second: str) -> str:
    """Build a short-form id from six and five hex digits and the prescriber's ODS code."""
    body = f"{first.upper()}-{ods_code.upper().rjust(6, '0')}-{second.upper()}"
    return body + check_character(body)
