"""Small text helpers shared by the writers: values shown to people, XML-safe strings."""

from __future__ import annotations

import json
import re

# Characters XML 1.0 forbids even when escaped (C0 controls except tab, newline, carriage return).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Replace characters that cannot appear in an XML document by U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def show_value(value: object, limit: int = 2_000) -> str:
    """A difference value as a person reads it: strings as they are, the rest as JSON."""
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)
    return text if len(text) <= limit else text[:limit] + " …"


def percent(value: object) -> str:
    """A parity percentage for display ('-' when unknown); 99.999 never rounds up to 100."""
    if not isinstance(value, (int, float)):
        return "-"
    if value >= 100:
        return "100%"
    shown = f"{value:.2f}".rstrip("0").rstrip(".")
    return "99.99%" if shown == "100" else f"{shown}%"


def milliseconds(value: object) -> str:
    if not isinstance(value, (int, float)):
        return "-"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
