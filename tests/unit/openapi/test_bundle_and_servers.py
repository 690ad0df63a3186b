"""An interface split across files is bundled into one self-contained document (operationIds
in `$ref`'d path items found), its servers' base path is honoured, and operation names make
safe regression file names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.core.exchange import Exchange, Request, Response
from harness.core.operations import OperationIndex, iter_operations, server_base_path
from harness.errors import HarnessError
from harness.generation.regressions import regression_id
from harness.record.interface import load_openapi

ROOT = """\
openapi: 3.0.3
info: {title: Library, version: "1"}
servers:
  - url: 'https://{host}/library/{version}'
    variables: {host: {default: api.example}, version: {default: v2}}
paths:
  /books/{id}:
    get: {$ref: 'paths/book-get.yaml'}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: string}}
"""
BOOK_GET = """\
operationId: get-book
parameters: [{$ref: '../library.yaml#/components/parameters/Id'}]
responses:
  '200':
    description: a book
    content:
      application/json:
        schema: {$ref: '../schemas/Book.yaml'}
        example: {$ref: '../examples/missing.json'}
"""
BOOK = """\
type: object
properties:
  title: {type: string}
  published: {type: string, example: 2020-01-31}
  sequel: {$ref: 'Book.yaml'}
"""


def write(root: Path, broken: bool = False) -> Path:
    (root / "paths").mkdir()
    (root / "schemas").mkdir()
    (root / "library.yaml").write_text(ROOT)
    book_get = BOOK_GET.replace("Book.yaml", "Nope.yaml") if broken else BOOK_GET
    (root / "paths" / "book-get.yaml").write_text(book_get)
    (root / "schemas" / "Book.yaml").write_text(BOOK)
    return root / "library.yaml"


def test_a_split_document_is_bundled_self_contained(tmp_path: Path) -> None:
    notes: list[str] = []
    document = load_openapi(str(write(tmp_path)), notes)
    text = json.dumps(document)  # dates became text: the document is plain JSON
    refs = [part.split('"')[0] for part in text.split('"$ref": "')[1:]]
    assert refs and all(ref.startswith("#/") for ref in refs)
    assert [(o.id, o.path) for o in iter_operations(document)] == [("get-book", "/books/{id}")]
    operation = document["paths"]["/books/{id}"]["get"]
    assert operation["parameters"][0]["name"] == "id"
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["properties"]["published"]["example"] == "2020-01-31"
    assert schema["properties"]["sequel"] == {"$ref": "#/components/schemas/Book"}
    assert "example" not in operation["responses"]["200"]["content"]["application/json"]
    assert len(notes) == 1 and "missing.json" in notes[0]


def test_an_unresolvable_schema_reference_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(HarnessError) as raised:
        load_openapi(str(write(tmp_path, broken=True)))
    assert raised.value.file is not None and raised.value.file.endswith("book-get.yaml")


def test_the_servers_base_path_is_honoured(tmp_path: Path) -> None:
    document = load_openapi(str(write(tmp_path)))
    assert server_base_path(document) == "/library/v2"
    assert server_base_path({"servers": [{"url": "/"}]}) == ""
    index = OperationIndex.from_openapi(document)
    for path in ("/library/v2/books/b1", "/books/b1"):
        found = index.match(Request("GET", path))
        assert found is not None and found.id == "get-book"


def test_operation_names_make_flat_regression_file_names() -> None:
    exchange = Exchange("x", "books", "GET /books/{id}", Request("GET", "/books/1"), Response(200))
    name = regression_id("books", "GET /books/{id}", [exchange])
    assert "/" not in name and "{" not in name and " " not in name
