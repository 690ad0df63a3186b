"""Provider states: what a target must be put in before a conversation, and left in after.

Pact's provider states, for targets that live long: a state names set-up calls, tear-down
calls and a reset command, and the conversations (scenario names, globs) it is for. Before
each such conversation its states are set up on every target the conversation runs against
(record and twin; candidate and live legacy); after it, torn down. None of these calls is an
exchange: they are never recorded, compared or reported as one. A target left dirty by a run
cut short (a create whose PATCH never ran) is then made clean before the next run's
conversation instead of failing every later rehearsal.

Declared in a scenario file (top-level `states:`, for that file's scenarios unless `for:` says
otherwise, or a scenario's own `states:`) and in `contract.yaml` (`states:`, for that contract's
conversations; a recording writes its scenarios' states there, so rehearsals run them):

```yaml
states:
  - name: no-stray-patient
    for: [pds-create-then-patch]      # conversations it is for (globs) [every one]
    reset: [python, reset.py, "{target}"]   # a command per target; {target}: its base URL
    setup:                            # calls before the conversation (scenario steps)
      - {method: POST, path: /admin/clean, expect: 204}
    teardown:                         # calls after it
      - {method: POST, path: /admin/clean}
```

A set-up call fails when it cannot be sent or answers other than its `expect` (without one: a
status of 400 or more); a reset command fails on a non-zero exit or after `RESET_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.contracts.yamlfile import Located
from harness.scenario.step import run_step
from harness.scenario.stepfile import Step, step_from_data
from harness.transport.base import Transport

STATE_KEYS = {"name", "for", "setup", "teardown", "reset"}
RESET_TIMEOUT_S = 120.0
TARGET = "{target}"


@dataclass(frozen=True, slots=True)
class ProviderState:
    name: str
    conversations: tuple[str, ...]  # globs over scenario / conversation names
    setup: tuple[Step, ...] = ()
    teardown: tuple[Step, ...] = ()
    reset: tuple[str, ...] = ()  # argv; `{target}` is the target's base URL
    directory: str = ""  # where a relative reset command runs (its declaring file's folder)
    where: str = ""  # file:line of its declaration

    def is_for(self, conversation: str | None) -> bool:
        return conversation is not None and any(
            fnmatch.fnmatchcase(conversation, pattern) for pattern in self.conversations
        )

    def to_dict(self) -> dict[str, Any]:
        """As `contract.yaml` stores it (what `states_from_data` reads back)."""
        data: dict[str, Any] = {"name": self.name, "for": list(self.conversations)}
        if self.reset:
            data["reset"] = list(self.reset)
        for key, steps in (("setup", self.setup), ("teardown", self.teardown)):
            if steps:
                data[key] = [_step_to_dict(step) for step in steps]
        return data


def _step_to_dict(step: Step) -> dict[str, Any]:
    template = step.template
    data: dict[str, Any] = {"name": step.name, "method": template.method, "path": template.path}
    if template.query:
        data["query"] = [[k, v] for k, v in template.query]
    if template.headers:
        data["headers"] = dict(template.headers)
    if template.body is not None:
        data["body"] = template.body
    if step.expect is not None:
        data["expect"] = step.expect
    return data


def states_from_data(
    raw: Any,
    located: Located,
    base: tuple[Hashable, ...],
    default_for: Sequence[str],
    *,
    variables: Mapping[str, str] | None = None,
    headers: Mapping[str, str | None] | None = None,
) -> tuple[ProviderState, ...]:
    """The `states:` list at `base` of a YAML file, each field checked (file, line, field)."""
    where = (*base, "states")
    if not isinstance(raw, list):
        raise located.error(
            "must be a list of states ({name, for, setup, teardown, reset})", *where
        )
    states: list[ProviderState] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        at = (*where, index)
        if not isinstance(item, Mapping):
            raise located.error("a state is a mapping {name, for, setup, teardown, reset}", *at)
        unknown = sorted(set(map(str, item)) - STATE_KEYS)
        if unknown:
            raise located.error(_unknown(unknown[0]), *at, unknown[0])
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise located.error("a state needs a name", *at, "name")
        if name in seen:
            raise located.error(f"state {name!r} is declared twice", *at, "name")
        seen.add(name)
        conversations = item.get("for", list(default_for))
        if isinstance(conversations, str):
            conversations = [conversations]
        if not isinstance(conversations, list) or not all(
            isinstance(c, str) and c for c in conversations
        ):
            raise located.error("must be a conversation name (glob) or a list of them", *at, "for")
        reset = item.get("reset", [])
        if isinstance(reset, str):
            raise located.error("a command is a list of words: [program, arg, ...]", *at, "reset")
        if not isinstance(reset, list) or not all(isinstance(word, str) for word in reset):
            raise located.error("a command is a list of words: [program, arg, ...]", *at, "reset")
        steps = {}
        for key in ("setup", "teardown"):
            value = item.get(key, [])
            if not isinstance(value, list):
                raise located.error("must be a list of calls (scenario steps)", *at, key)
            steps[key] = tuple(
                step_from_data(step, number, located, (*at, key, number), variables, headers)
                for number, step in enumerate(value)
            )
        if not (reset or steps["setup"] or steps["teardown"]):
            raise located.error("a state needs setup, teardown or reset", *at)
        states.append(
            ProviderState(
                name,
                tuple(conversations),
                steps["setup"],
                steps["teardown"],
                tuple(reset),
                str(Path(located.file).parent),
                f"{located.file}:{located.line(*at)}",
            )
        )
    return tuple(states)


def _unknown(name: str) -> str:
    import difflib

    nearest = difflib.get_close_matches(name, sorted(STATE_KEYS), n=1, cutoff=0.6)
    hint = f"did you mean {nearest[0]!r}? " if nearest else ""
    return f"unknown field ({hint}expected one of {sorted(STATE_KEYS)})"


async def enter(
    states: Sequence[ProviderState],
    transport: Transport,
    url: str,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """Set up each state on one target (reset command first, then set-up calls); why it
    failed, or None."""
    for state in states:
        if state.reset:
            problem = await _reset(state, url)
            if problem is not None:
                return f"provider state {state.name!r} reset failed: {problem}"
        problem = await _calls(state.setup, transport, environ)
        if problem is not None:
            return f"provider state {state.name!r} set-up failed: {problem}"
    return None


async def leave(
    states: Sequence[ProviderState],
    transport: Transport,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """Tear each state down on one target, last set up first; why it failed, or None."""
    for state in reversed(states):
        problem = await _calls(state.teardown, transport, environ)
        if problem is not None:
            return f"provider state {state.name!r} tear-down failed: {problem}"
    return None


async def _calls(
    steps: Sequence[Step], transport: Transport, environ: Mapping[str, str] | None
) -> str | None:
    variables: dict[str, str] = {}
    for step in steps:
        sent = await run_step(transport, step, variables, environ=environ)
        problem = sent.problem or sent.failure
        if problem is not None or sent.response is None:
            return f"{step.name} ({step.where}): {problem}"
        status = sent.response.status
        if (step.expect is not None and status != step.expect) or (
            step.expect is None and status >= 400
        ):
            wanted = step.expect if step.expect is not None else "below 400"
            return f"{step.name} ({step.where}): answered {status}, expected {wanted}"
        if sent.capture_problem is not None:
            return f"{step.name} ({step.where}): {sent.capture_problem}"
        variables.update(sent.captured)
    return None


async def _reset(state: ProviderState, url: str) -> str | None:
    argv = [word.replace(TARGET, url) for word in state.reset]
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=state.directory or None,
            env={**os.environ, "HARNESS_TARGET": url},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        return f"cannot run {argv[0]}: {error.strerror or error}"
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), RESET_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"{argv[0]} did not finish within {RESET_TIMEOUT_S:.0f} s"
    if process.returncode:
        said = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"{argv[0]} exited {process.returncode}" + (f": {said[0]}" if said[0] else "")
    return None


def states_of(
    contract_file: Path, conversations: Sequence[str] = ("*",)
) -> tuple[ProviderState, ...]:
    """The `states:` a `contract.yaml` declares (none when it declares none)."""
    from harness.contracts.yamlfile import load_yaml

    data, located = load_yaml(contract_file)
    if not isinstance(data, Mapping) or data.get("states") is None:
        return ()
    return states_from_data(data["states"], located, (), conversations)
