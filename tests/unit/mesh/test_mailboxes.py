"""The mailbox fixture: NHS England's sandbox mailboxes, practice mailboxes, agreement with SDS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.simulator.mesh.mailboxes import (
    build_mailboxes,
    check_directory,
    load_fixture,
    practice_password,
)
from harness.simulator.population import build_population
from harness.simulator.sds.fixture import build_directory


def test_the_sandbox_test_mailboxes_are_there_with_their_password() -> None:
    mailboxes = build_mailboxes(0, [])
    for mailbox_id, ods in (("X26ABC1", "X26"), ("X26ABC2", "X26"), ("X26ABC3", "X27")):
        mailbox = mailboxes.get(mailbox_id)
        assert mailbox is not None and mailbox.ods_code == ods
        assert mailboxes.password_of(mailbox_id) == "password"
    assert mailboxes.password_of("X26ABC9") is None  # deactivated: it cannot sign in


def test_lookups_follow_the_sandbox_workflows() -> None:
    mailboxes = build_mailboxes(0, [])
    ids = [m.mailbox_id for m in mailboxes.receivers("TEST_WORKFLOW_ACK", "X27")]
    assert ids == ["X26ABC3"]
    assert [m.mailbox_id for m in mailboxes.receivers("TEST_WORKFLOW2")] == [
        "X26ABC1", "X26ABC2", "X26ABC3"
    ]  # fmt: skip
    assert mailboxes.may_send("TEST_WORKFLOW", "X26ABC1", "X26ABC2")
    assert not mailboxes.may_send("TEST_WORKFLOW", "X26ABC2", "X26ABC1")
    assert mailboxes.may_send("UNLISTED", "X26ABC2", "X26ABC1")


def test_practice_mailboxes_are_seeded_and_agree_with_the_directory() -> None:
    practices = build_population(0, 0).practices()
    mailboxes = build_mailboxes(0, practices)
    directory = build_directory(0, practices)
    check_directory(mailboxes, directory.organisations())
    ods = practices[0]
    mailbox = mailboxes.get(f"{ods}OT001")
    assert mailbox is not None and mailbox.ods_code == ods
    assert mailbox.password == practice_password(0, mailbox.mailbox_id)
    assert mailbox.password != practice_password(1, mailbox.mailbox_id)
    assert [m.mailbox_id for m in mailboxes.receivers("PATH_MEDRPT_V3", ods)] == [f"{ods}OT001"]


def test_a_mailbox_outside_the_directory_is_an_error_naming_the_fixture() -> None:
    with pytest.raises(HarnessError, match="X26ABC3 is in X27") as raised:
        check_directory(build_mailboxes(0, []), ["X26", "YES"])
    assert raised.value.field == "mailboxes"


def test_a_malformed_fixture_names_its_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "mailboxes.json"
    path.write_text(json.dumps({"format_version": 1, "mailboxes": [{"mailbox_id": "X"}]}))
    with pytest.raises(HarnessError) as raised:
        load_fixture(path)
    assert raised.value.file == str(path) and raised.value.field == "mailboxes"
    path.write_text(json.dumps({"format_version": 2}))
    with pytest.raises(HarnessError, match="format_version"):
        load_fixture(path)
