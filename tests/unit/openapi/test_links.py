"""Links between operations: the document's own, schemathesis's inferred ones, and the ETag
an answer gives sent back in If-Match."""

from __future__ import annotations

from typing import Any

from harness.openapi import Interface, links_of
from harness.openapi.links import Parameter, expression_source

ETAG = {"ETag": {"schema": {"type": "string"}}}
THING = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Things", "version": "1"},
    "paths": {
        "/things": {
            "post": {
                "operationId": "createThing",
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/json": {"schema": THING}},
                        "links": {
                            "GetIt": {
                                "operationId": "getThing",
                                "parameters": {"thingId": "$response.body#/id"},
                            }
                        },
                    }
                },
            }
        },
        "/things/{thingId}": {
            "parameters": [
                {"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getThing",
                "responses": {
                    "200": {
                        "description": "it",
                        "headers": ETAG,
                        "content": {"application/json": {"schema": THING}},
                    }
                },
            },
            "patch": {
                "operationId": "changeThing",
                "parameters": [
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {"200": {"description": "changed", "headers": ETAG}},
            },
        },
    },
}


def test_expressions_become_captures() -> None:
    assert expression_source("$response.body#/id") == "/id"
    assert expression_source("{$response.header.Location}") == "header:location"
    assert expression_source("$request.path.thingId") == "request.path.thingId"
    assert expression_source("$url") is None


def test_document_inferred_and_conditional_links() -> None:
    found = {(link.source, link.target): link for link in links_of(Interface(DOCUMENT))}
    created = found[("createThing", "getThing")]
    assert created.origin == "document"
    assert created.parameters == (Parameter("path", "thingId", "/id"),)
    assert created.succeeded(201) and not created.succeeded(200)
    # A read then a change of the same resource: its ETag goes back in If-Match.
    read_change = found[("getThing", "changeThing")]
    assert Parameter("header", "If-Match", "header:etag") in read_change.parameters
    assert {p.location for p in read_change.parameters} == {"path", "header"}
