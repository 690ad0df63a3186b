"""A small service unrelated to the Spine, to show recording works on any HTTP API with OpenAPI.

"Library books": list, read (JSON, or XML with `Accept: application/xml`), create (POST, a generated
id), with a volatile `served_at` timestamp and `trace` UUID in every answer, and an Authorization
header that must be `Bearer <token>`. State is per app instance.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TOKEN = "library-s3cr3t-t0ken-value"

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Library Books", "version": "1.0.0"},
    "paths": {
        "/books": {
            "get": {
                "operationId": "listBooks",
                "tags": ["books"],
                "parameters": [
                    {"name": "author", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "books"}},
            },
            "post": {
                "operationId": "createBook",
                "tags": ["books"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title", "author"],
                                "properties": {
                                    "title": {"type": "string", "minLength": 1},
                                    "author": {"type": "string", "minLength": 1},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": {"description": "created"}, "400": {"description": "bad"}},
            },
        },
        "/books/{bookId}": {
            "get": {
                "operationId": "getBook",
                "tags": ["books"],
                "parameters": [
                    {"name": "bookId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "a book"}, "404": {"description": "none"}},
            }
        },
    },
}

SEED_BOOKS = [
    {"id": "b1", "title": "Middlemarch", "author": "George Eliot"},
    {"id": "b2", "title": "Bleak House", "author": "Charles Dickens"},
    {"id": "b3", "title": "Great Expectations", "author": "Charles Dickens"},
]


def build_books_app() -> Starlette:
    books = {book["id"]: dict(book) for book in SEED_BOOKS}
    numbers = itertools.count(1)

    def stamp() -> dict[str, str]:
        return {"served_at": datetime.now(UTC).isoformat(), "trace": str(uuid.uuid4())}

    def answer(body: Any, status: int = 200) -> Response:
        return Response(orjson.dumps(body), status, media_type="application/json")

    def authorised(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {TOKEN}"

    async def openapi(_: Request) -> Response:
        return answer(OPENAPI)

    async def list_books(request: Request) -> Response:
        if not authorised(request):
            return answer({"error": "unauthorised"}, 401)
        author = request.query_params.get("author")
        found = [b for b in books.values() if author is None or b["author"] == author]
        entries = [{**book, "fetched": str(uuid.uuid4())} for book in found]
        return answer({"books": entries, "total": len(found), **stamp()})

    async def get_book(request: Request) -> Response:
        if not authorised(request):
            return answer({"error": "unauthorised"}, 401)
        book = books.get(request.path_params["bookId"])
        if book is None:
            return answer({"error": "not found", **stamp()}, 404)
        if "xml" in request.headers.get("accept", ""):
            meta = stamp()
            xml = (
                f'<?xml version="1.0"?><b:book xmlns:b="urn:books" id="{book["id"]}" '
                f'servedAt="{meta["served_at"]}"><b:title>{book["title"]}</b:title>'
                f"<b:author>{book['author']}</b:author><b:trace>{meta['trace']}</b:trace></b:book>"
            )
            return Response(xml, 200, media_type="application/xml")
        return answer({**book, **stamp()})

    async def create_book(request: Request) -> Response:
        if not authorised(request):
            return answer({"error": "unauthorised"}, 401)
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return answer({"error": "not JSON"}, 400)
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("title"), str)
            or not isinstance(data.get("author"), str)
            or not data["title"]
            or not data["author"]
        ):
            return answer({"error": "title and author are required"}, 400)
        book_id = f"n{next(numbers)}"
        books[book_id] = {"id": book_id, "title": data["title"], "author": data["author"]}
        return Response(
            orjson.dumps({**books[book_id], **stamp()}),
            201,
            headers={"Location": f"/books/{book_id}"},
            media_type="application/json",
        )

    return Starlette(
        routes=[
            Route("/openapi.json", openapi),
            Route("/books", list_books, methods=["GET"]),
            Route("/books", create_book, methods=["POST"]),
            Route("/books/{bookId}", get_book, methods=["GET"]),
        ]
    )
