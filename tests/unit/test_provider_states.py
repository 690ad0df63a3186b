"""Provider states as declared (`states:` in a scenario file or contract.yaml): what they are
for, the errors that name file, line and field, what contract.yaml stores, and how they run."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from harness.core.exchange import Request, Response
from harness.errors import HarnessError
from harness.scenario import load_scenario_file
from harness.scenario.states import enter, leave, states_of

FILE = """\
variables: {base: /api}
states:
  - name: clean
    reset: [python, reset.py, "{target}"]
    setup:
      - {method: POST, path: "{{base}}/reset", expect: 204}
    teardown:
      - {method: DELETE, path: "{{base}}/things/x"}
  - name: only-b
    for: [b-*]
    setup:
      - {path: /ping}
scenarios:
  - name: a
    steps: [{path: /a}]
  - name: b-one
    steps: [{path: /b}]
"""


def test_a_files_states_are_for_its_scenarios_unless_for_says_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(FILE)
    a, b = load_scenario_file(path)
    assert [s.name for s in a.states] == ["clean"]
    assert [s.name for s in b.states] == ["clean", "only-b"]
    clean = a.states[0]
    assert clean.setup[0].template.path == "/api/reset" and clean.setup[0].expect == 204
    assert clean.reset == ("python", "reset.py", "{target}")
    assert clean.directory == str(tmp_path)
    stored = clean.to_dict()
    assert stored["for"] == ["a", "b-one"]
    assert stored["setup"] == [{"name": "step-0", "method": "POST", "path": "/api/reset",
                                "expect": 204}]  # fmt: skip
    manifest = tmp_path / "contract.yaml"
    manifest.write_text(
        __import__("yaml").safe_dump({"format_version": 1, "service": "x", "states": [stored]})
    )
    [again] = states_of(manifest)
    assert (again.name, again.conversations, again.setup[0].template.path) == (
        "clean", ("a", "b-one"), "/api/reset"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        ("states: {}\n", 1, "states", "must be a list of states"),
        ("states:\n  - name: x\n", 2, "states.0", "needs setup, teardown or reset"),
        ("states:\n  - setup: [{path: /x}]\n", 2, "states.0.name", "needs a name"),
        ("states:\n  - name: x\n    reset: reset.sh\n", 3, "states.0.reset", "list of words"),
        ("states:\n  - name: x\n    for: 3\n    reset: [a]\n", 3, "states.0.for", "glob"),
        (
            "states:\n  - name: x\n    teardwn: [{path: /x}]\n",
            3,
            "states.0.teardwn",
            "did you mean 'teardown'?",
        ),
        ("states:\n  - name: x\n    setup:\n      - {path: x}\n", 4, "states.0.setup.0.path",
         "starting with '/'"),
        (
            "states:\n  - {name: x, reset: [a]}\n  - {name: x, reset: [b]}\n",
            3,
            "states.1.name",
            "declared twice",
        ),
    ],
)  # fmt: skip
def test_errors_name_the_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str, message: str
) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(body)
    with pytest.raises(HarnessError) as raised:
        states_of(path)
    error = raised.value
    assert (error.file, error.line, error.field) == (str(path), line, field)
    assert message in error.message


class Answers:
    """A transport answering each path with a status, keeping what was sent."""

    def __init__(self, statuses: dict[str, int]) -> None:
        self.statuses = statuses
        self.sent: list[str] = []

    async def send(self, request: Request) -> Response:
        self.sent.append(f"{request.method} {request.path}")
        return Response(self.statuses.get(request.path, 200), (), b"")


def test_set_up_resets_then_calls_and_says_why_it_failed(tmp_path: Path) -> None:
    reset = tmp_path / "reset.py"
    reset.write_text("import sys\nopen('reset.log', 'w').write(sys.argv[1])\n")
    path = tmp_path / "s.yaml"
    path.write_text(FILE.replace("[python, reset.py", f"[{sys.executable}, reset.py"))
    states = load_scenario_file(path)[1].states
    target = Answers({"/api/reset": 204})
    assert asyncio.run(enter(states, target, "http://t:1")) is None  # type: ignore[arg-type]
    assert (tmp_path / "reset.log").read_text() == "http://t:1"
    assert target.sent == ["POST /api/reset", "GET /ping"]
    assert asyncio.run(leave(states, target)) is None  # type: ignore[arg-type]
    assert target.sent[-1] == "DELETE /api/things/x"
    wrong = Answers({"/api/reset": 500})
    problem = asyncio.run(enter(states, wrong, "http://t:1"))  # type: ignore[arg-type]
    assert problem is not None and problem.startswith("provider state 'clean' set-up failed")
    assert "answered 500, expected 204" in problem and f"{path}:" in problem
    reset.write_text("import sys\nsys.exit('the target is locked')\n")
    problem = asyncio.run(enter(states, target, "http://t:1"))  # type: ignore[arg-type]
    assert problem == "provider state 'clean' reset failed: " + (
        f"{sys.executable} exited 1: the target is locked"
    )
