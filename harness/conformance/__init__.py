"""Schema conformance of the candidate's answers: each held to its operation's document.

`DocumentConformance` is a `harness.core.conformance.ConformanceCheck` over the contracts'
interface documents (one per service). Per answer it checks what schemathesis's response
checks check (`status_code_conformance`, `content_type_conformance`,
`response_headers_conformance`, `response_schema_conformance`), with schemathesis's own parse of
the document and its own compiled JSON Schema validators, built once per operation, status and
media type; an answer whose bytes were judged already is not validated again.
"""

from __future__ import annotations

from harness.conformance.checker import DocumentConformance

__all__ = ["DocumentConformance"]
