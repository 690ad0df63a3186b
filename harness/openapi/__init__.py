"""The interface document through schemathesis: its operations, requests and answers as
schemathesis sees them, and the links between operations.

One `Interface` per document (parsing it is the slow part): operations by key with their
service, tags and raw definition (`operations`), our requests and answers as schemathesis
`Case` and `Response` values (`adapters`), and the links an answer gives to a later request
(`links`: the document's own, schemathesis's inferred ones, and an ETag sent back in If-Match).
Generation, conformance checking and recording share it.
"""

from __future__ import annotations

from harness.openapi.adapters import case_of, response_of
from harness.openapi.links import Link, links_of
from harness.openapi.operations import DocumentOperation, Interface, operation_key

__all__ = [
    "DocumentOperation",
    "Interface",
    "Link",
    "case_of",
    "links_of",
    "operation_key",
    "response_of",
]
