"""MESH mailboxes and workflows: `fixtures/mesh/mailboxes.json` plus one mailbox per GP practice.

The fixture holds the test mailboxes NHS England's MESH sandbox documents (X26ABC1-3, password
`password`, with its TEST_WORKFLOW* workflows), a deactivated mailbox, and the template every
GP practice of the directory gets a mailbox from: `<ODS>OT001`, receiving the practice
workflows, its password drawn from (seed, mailbox id). Every mailbox's ODS code must be an
organisation the SDS directory knows (`check_directory`), so the two services never disagree.

A workflow listed here is restricted: only its senders may send it, only to its receivers
(MESH error 17 otherwise). A workflow not listed is open to every mailbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.simulator.fixtures import read_fixture

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "mesh" / "mailboxes.json"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Mailbox:
    mailbox_id: str  # upper case
    mailbox_name: str
    ods_code: str
    org_code: str
    org_name: str
    billing_entity: str
    password: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class Workflow:
    workflow_id: str
    senders: frozenset[str] | None  # None: any mailbox may send it
    receivers: frozenset[str]


@dataclass(frozen=True, slots=True)
class PracticeTemplate:
    mailbox_suffix: str
    billing_entity: str
    workflows: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MailboxFixture:
    mailboxes: tuple[Mailbox, ...]
    workflows: tuple[Workflow, ...]
    practice: PracticeTemplate


class MailboxDirectory:
    """Mailboxes by id, and the workflows' senders and receivers."""

    def __init__(self, mailboxes: Iterable[Mailbox], workflows: Iterable[Workflow]) -> None:
        self.mailboxes = {mailbox.mailbox_id: mailbox for mailbox in mailboxes}
        self.workflows = {workflow.workflow_id: workflow for workflow in workflows}

    def get(self, mailbox_id: str) -> Mailbox | None:
        return self.mailboxes.get(mailbox_id.strip().upper())

    def password_of(self, mailbox_id: str) -> str | None:
        """The password of an active mailbox (a deactivated one cannot sign in)."""
        mailbox = self.get(mailbox_id)
        return mailbox.password if mailbox is not None and mailbox.active else None

    def may_send(self, workflow_id: str, sender: str, recipient: str) -> bool:
        workflow = self.workflows.get(workflow_id)
        if workflow is None:
            return True
        allowed = workflow.senders is None or sender in workflow.senders
        return allowed and recipient in workflow.receivers

    def receivers(self, workflow_id: str, ods_code: str | None = None) -> list[Mailbox]:
        """Active mailboxes receiving `workflow_id` (in `ods_code` when given), by id."""
        workflow = self.workflows.get(workflow_id)
        if workflow is None:
            return []
        found = [self.mailboxes[m] for m in sorted(workflow.receivers) if m in self.mailboxes]
        wanted = ods_code.strip().upper() if ods_code is not None else None
        return [m for m in found if m.active and (wanted is None or m.ods_code == wanted)]


def practice_password(seed: int, mailbox_id: str) -> str:
    """The seeded password of a generated practice mailbox (the same for every run of a seed)."""
    return hashlib.sha256(f"mesh:{seed}:{mailbox_id}".encode()).hexdigest()[:16]


def practice_mailboxes(
    seed: int, practices: Iterable[str], template: PracticeTemplate
) -> list[Mailbox]:
    mailboxes = []
    for ods in sorted(set(practices)):
        mailbox_id = f"{ods}{template.mailbox_suffix}".upper()
        mailboxes.append(
            Mailbox(
                mailbox_id=mailbox_id,
                mailbox_name=f"{ods} GP practice",
                ods_code=ods,
                org_code=ods,
                org_name=f"GP practice {ods}",
                billing_entity=template.billing_entity,
                password=practice_password(seed, mailbox_id),
            )
        )
    return mailboxes


def build_mailboxes(
    seed: int, practices: Collection[str], fixture: MailboxFixture | None = None
) -> MailboxDirectory:
    fixture = fixture or load_fixture()
    generated = practice_mailboxes(seed, practices, fixture.practice)
    practice_ids = frozenset(mailbox.mailbox_id for mailbox in generated)
    workflows = list(fixture.workflows)
    workflows += [Workflow(w, None, practice_ids) for w in fixture.practice.workflows]
    return MailboxDirectory((*fixture.mailboxes, *generated), workflows)


def check_directory(mailboxes: MailboxDirectory, organisations: Collection[str]) -> None:
    """Every mailbox belongs to an organisation of the SDS directory."""
    known = {ods.upper() for ods in organisations}
    for mailbox in mailboxes.mailboxes.values():
        if mailbox.ods_code not in known:
            raise HarnessError(
                f"mailbox {mailbox.mailbox_id} is in {mailbox.ods_code}, "
                "an organisation the SDS directory does not know",
                file=str(FIXTURE),
                field="mailboxes",
            )


def load_fixture(path: Path = FIXTURE) -> MailboxFixture:
    document = read_fixture(path, "MESH mailbox fixture", FORMAT_VERSION)
    field = "mailboxes"
    try:
        mailboxes = tuple(_mailbox(record) for record in document["mailboxes"])
        field = "workflows"
        workflows = tuple(_workflow(record) for record in document["workflows"])
        field = "practice"
        template = document["practice"]
        practice = PracticeTemplate(
            mailbox_suffix=str(template["mailbox_suffix"]),
            billing_entity=str(template["billing_entity"]),
            workflows=tuple(str(w) for w in template["workflows"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise HarnessError(f"malformed record: {error!r}", file=str(path), field=field) from None
    return MailboxFixture(mailboxes, workflows, practice)


def _mailbox(record: Mapping[str, Any]) -> Mailbox:
    active = record.get("active", True)
    if not isinstance(active, bool):
        raise ValueError("active must be true or false")
    return Mailbox(
        mailbox_id=str(record["mailbox_id"]).upper(),
        mailbox_name=str(record["mailbox_name"]),
        ods_code=str(record["ods_code"]).upper(),
        org_code=str(record["org_code"]),
        org_name=str(record["org_name"]),
        billing_entity=str(record["billing_entity"]),
        password=str(record["password"]),
        active=active,
    )


def _workflow(record: Mapping[str, Any]) -> Workflow:
    senders = record.get("senders")
    return Workflow(
        workflow_id=str(record["workflow_id"]),
        senders=None if senders is None else frozenset(str(s).upper() for s in senders),
        receivers=frozenset(str(r).upper() for r in record["receivers"]),
    )
