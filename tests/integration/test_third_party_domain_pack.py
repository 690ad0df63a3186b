"""A third party adds its own domain without touching the harness: a small "library" pack,
installed as a distribution with a `harness.domains` entry point, next to the Spine pack.

The pack brings an `{{$isbn}}` built-in (a valid ISBN-13), realistic `listBooks` searches, a
format-preserving ISBN pseudonym, a pytest marker and a default severity. It is found the way the
Spine pack is (importlib.metadata entry points), in fresh processes, and used for real:
`harness record` against the books service on loopback sends its built-in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.serving import serve_in_thread
from tests.books_app import TOKEN, build_books_app

pytestmark = pytest.mark.integration

PACK = """
from __future__ import annotations

import random
from hypothesis import strategies as st

from harness.core.template import Builtin
from harness.domains import DomainPack, Pseudonymiser


def isbn_check(first_twelve: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first_twelve))
    return str((10 - total % 10) % 10)


def valid_isbn(value: str) -> bool:
    return len(value) == 13 and value.isdigit() and isbn_check(value[:12]) == value[12]


def isbn_from(rng: random.Random) -> str:
    body = "978" + "".join(str(rng.randrange(10)) for _ in range(9))
    return body + isbn_check(body)


def isbn_pseudonym(stream) -> str:
    body = "978" + "".join(str(next(stream) % 10) for _ in range(9))
    return body + isbn_check(body)


class LibraryPack(DomainPack):
    name = "library"

    def builtins(self):
        fresh = lambda: isbn_from(random.Random())  # noqa: E731
        return (Builtin("$isbn", fresh, isbn_from, r"97[89][0-9]{10}"),)

    def interface_strategies(self, document):
        authors = st.sampled_from(["Austen", "Dickens", "Eliot"])
        search = authors.map(
            lambda author: {"method": "GET", "path": "/books", "query": [["author", author]],
                            "headers": [], "body": None, "body_encoding": "utf-8"}
        )
        return {"listBooks": search}

    def pseudonymisers(self):
        return (Pseudonymiser("isbn", valid_isbn, isbn_pseudonym),)

    def markers(self):
        return {"books": "contract exchanges of the library's books service"}

    def severities(self):
        return {"getBook": "minor"}


pack = LibraryPack()
"""

PROBE = """
import json, re
from harness.core.template import Template
from harness.domains import markers, packs, severities
from harness.generation.cases import generate_templates
from harness.record.pseudonym import pseudonymise
from harness.scenario import builtins, render
from tests.books_app import OPENAPI
import library_domain

body = render(Template("POST", "/books", body='{"isbn": "{{$isbn}}"}'), {}).body.decode()
isbn = json.loads(body)["isbn"]
cases = generate_templates(OPENAPI, 12, seed=3)
realistic = [c for c in cases if c.mode == "realistic"]
print(json.dumps({
    "packs": [p.name for p in packs()],
    "builtins": sorted(builtins()),
    "isbn_valid": library_domain.valid_isbn(isbn),
    "realistic": [(c.key, dict(c.template.query)) for c in realistic],
    "pseudonym": pseudonymise("9780141439518", b"k" * 20),
    "markers": sorted(markers()),
    "severity": severities().get("getBook"),
}))
"""

SCENARIO = """
name: lend-a-book
service: books
defaults:
  headers:
    Authorization: "Bearer ${LIBRARY_TOKEN}"
steps:
  - name: create
    method: POST
    path: /books
    json: {title: "Middlemarch", author: "Eliot", isbn: "{{$isbn as code}}"}
    capture: {id: /id}
    expect: 201
  - name: read
    path: "/books/{{id}}"
    expect: 200
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the `library_domain` distribution, as pip would install it."""
    root = tmp_path_factory.mktemp("site")
    (root / "library_domain").mkdir()
    (root / "library_domain" / "__init__.py").write_text(PACK)
    info = root / "library_domain-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: library-domain\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[harness.domains]\nlibrary = library_domain:pack\n")
    return root


def _env(site: Path) -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    path = os.pathsep.join([str(site), str(root), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "LIBRARY_TOKEN": TOKEN}


def test_the_pack_is_found_beside_the_spine_pack_and_serves_every_seam(site: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=_env(site), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["packs"] == ["library", "spine"]
    assert {"$isbn", "$prescription_id", "$uuid"} <= set(found["builtins"])
    assert found["isbn_valid"]
    assert found["realistic"], "the pack's realistic strategy was not used"
    assert all(key == "listBooks" and query["author"] in {"Austen", "Dickens", "Eliot"}
               for key, query in found["realistic"])  # fmt: skip
    pseudonym = found["pseudonym"]
    assert pseudonym != "9780141439518" and pseudonym.startswith("978") and len(pseudonym) == 13
    assert {"books", "pds", "eps", "sds"} <= set(found["markers"])
    assert found["severity"] == "minor"


def test_recording_sends_the_packs_built_in_to_a_real_service(site: Path, tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "lend.yaml").write_text(textwrap.dedent(SCENARIO))
    with serve_in_thread(build_books_app()) as books, serve_in_thread(build_books_app()) as twin:
        done = subprocess.run(
            [sys.executable, "-m", "harness", "record", "--target", books.url, "--twin", twin.url,
             "--scenarios", str(scenarios), "--out", str(tmp_path / "contracts")],
            env=_env(site), capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "contracts" / "books" / "exchanges.jsonl").read_text().splitlines()
    create = json.loads(lines[0])
    assert "{{$isbn as code}}" in create["meta"]["template"]["body"]
    sent = json.loads(create["request"]["body"])["isbn"]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(sent[:12]))
    assert sent.startswith("978") and int(sent[12]) == (10 - total % 10) % 10
    assert TOKEN not in (tmp_path / "contracts" / "books" / "exchanges.jsonl").read_text()


def test_pytest_lists_the_packs_marker(site: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider"],
        env=_env(site), capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "@pytest.mark.books: contract exchanges of the library's books service" in done.stdout
