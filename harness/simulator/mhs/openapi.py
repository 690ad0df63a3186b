"""The MHS's part of the simulator's OpenAPI document (tag `mhs`).

One POST per address of the Spine's MHS (the paths of the SDS records' addresses), its
interactions named by SOAPAction in `x-soap-actions`, as the harness matches SOAP operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.simulator.mhs.interactions import Interaction, Pattern

TAG = "mhs"
MULTIPART = "multipart/related"
SOAP_XML = "text/xml"
XML_TEXT = {"schema": {"type": "string"}}
BINARY = {"schema": {"type": "string", "format": "binary"}}


def _responses(patterns: set[Pattern]) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "500": {
            "description": (
                "SOAP fault (code 201: not well formed; 300: not supported) or, for ebXML, a "
                "MessageError (the negative acknowledgement) naming the message"
            ),
            "content": {SOAP_XML: XML_TEXT},
        }
    }
    if Pattern.SYNC in patterns:
        responses["200"] = {
            "description": "the answer, RelatesTo the request's MessageID",
            "content": {SOAP_XML: XML_TEXT},
        }
    if patterns & {Pattern.ASYNC_EXPRESS, Pattern.ASYNC_RELIABLE}:
        responses["202"] = {
            "description": (
                "accepted; the answer follows to the consumer's endpoint. For a reliable "
                "message with SyncReply, the body is its ebXML Acknowledgment"
            ),
            "content": {SOAP_XML: XML_TEXT},
        }
    return responses


def openapi_paths(addresses: Iterable[tuple[str, list[Interaction]]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, interactions in addresses:
        patterns = {i.pattern for i in interactions}
        sync = patterns == {Pattern.SYNC}
        actions = {i.soap_action: i.operation_id for i in interactions}
        content = {SOAP_XML: XML_TEXT} if sync else {MULTIPART: BINARY}
        paths[path] = {
            "post": {
                "operationId": "mhs"
                + "".join(p.title() for p in path.replace("-", "/").split("/")),
                "summary": "; ".join(i.summary for i in interactions),
                "description": (
                    "SOAP 1.1 with WS-Addressing, answered on the same call"
                    if sync
                    else "ebXML 2.0 over multipart/related: the ebXML envelope, then the HL7"
                ),
                "tags": [TAG],
                "x-soap-actions": actions,
                "parameters": [
                    {
                        "name": "SOAPAction",
                        "in": "header",
                        "required": True,
                        "description": "service/action of the interaction",
                        "schema": {"type": "string", "enum": list(actions)},
                    }
                ],
                "requestBody": {"required": True, "content": content},
                "responses": _responses(patterns),
            }
        }
    return paths
