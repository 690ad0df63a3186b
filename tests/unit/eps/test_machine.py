"""The EPS prescription life cycle: every command from every state, and random walks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from harness.simulator.eps import machine
from harness.simulator.eps.errors import EpsError
from harness.simulator.eps.machine import Item, Prescription, Status
from harness.simulator.eps.seed import drive

HOLDER, OTHER = "FA565", "VNE51"
S = Status
ANOTHER = "PRESCRIPTION_WITH_ANOTHER_DISPENSER"
ILLEGAL = "PRESCRIPTION_INVALID_STATE_TRANSITION"


def new_prescription(items: int = 2) -> Prescription:
    return Prescription(
        short_id="24F5DA-A83008-7EFE6Z",
        long_id="20ba5fb5-cb58-462c-923e-22d180b09356",
        nhs_number="9449304130",
        prescriber="A83008",
        nominated=HOLDER,
        items=tuple(Item(f"0000000{n}-0000-4000-8000-000000000000") for n in range(items)),
    )


def in_state(status: Status) -> Prescription:
    return drive(new_prescription(), status, HOLDER)


def _dispense_all(p: Prescription, who: str) -> Prescription:
    live = {i.id: "0001" for i in p.items if i.state != "0005"}  # cancelled lines stay out
    return machine.dispense(p, who, S.DISPENSED, live)


COMMANDS: dict[str, Callable[[Prescription, str], Prescription]] = {
    "release": machine.release,
    "return": machine.return_,
    "dispense": _dispense_all,
    "withdraw": machine.withdraw,
    "claim": machine.claim,
}

# The specification, written out: (state, command) -> (by the holder, by another dispenser).
# A Status is the state afterwards; a string is the refusal's code.
TABLE: dict[tuple[Status, str], tuple[Status | str, Status | str]] = {
    (S.TO_BE_DISPENSED, "release"): (S.WITH_DISPENSER, S.WITH_DISPENSER),
    (S.TO_BE_DISPENSED, "return"): (ILLEGAL, ILLEGAL),
    (S.TO_BE_DISPENSED, "dispense"): (ILLEGAL, ILLEGAL),
    (S.TO_BE_DISPENSED, "withdraw"): (ILLEGAL, ILLEGAL),
    (S.TO_BE_DISPENSED, "claim"): (ILLEGAL, ILLEGAL),
    (S.WITH_DISPENSER, "release"): (S.WITH_DISPENSER, ANOTHER),
    (S.WITH_DISPENSER, "return"): (S.TO_BE_DISPENSED, ANOTHER),
    (S.WITH_DISPENSER, "dispense"): (S.DISPENSED, ANOTHER),
    (S.WITH_DISPENSER, "withdraw"): (ILLEGAL, ANOTHER),
    (S.WITH_DISPENSER, "claim"): (ILLEGAL, ANOTHER),
    (S.WITH_DISPENSER_ACTIVE, "release"): (S.WITH_DISPENSER_ACTIVE, ANOTHER),
    (S.WITH_DISPENSER_ACTIVE, "return"): (ILLEGAL, ANOTHER),
    (S.WITH_DISPENSER_ACTIVE, "dispense"): (S.DISPENSED, ANOTHER),
    (S.WITH_DISPENSER_ACTIVE, "withdraw"): (S.WITH_DISPENSER, ANOTHER),
    (S.WITH_DISPENSER_ACTIVE, "claim"): (ILLEGAL, ANOTHER),
    (S.DISPENSED, "release"): (ILLEGAL, ILLEGAL),
    (S.DISPENSED, "return"): (ILLEGAL, ANOTHER),
    (S.DISPENSED, "dispense"): (ILLEGAL, ANOTHER),
    (S.DISPENSED, "withdraw"): (S.WITH_DISPENSER, ANOTHER),
    (S.DISPENSED, "claim"): (S.CLAIMED, ANOTHER),
    (S.NOT_DISPENSED, "release"): (ILLEGAL, ILLEGAL),
    (S.NOT_DISPENSED, "return"): (ILLEGAL, ANOTHER),
    (S.NOT_DISPENSED, "dispense"): (ILLEGAL, ANOTHER),
    (S.NOT_DISPENSED, "withdraw"): (S.WITH_DISPENSER, ANOTHER),
    (S.NOT_DISPENSED, "claim"): (S.NO_CLAIMED, ANOTHER),
    **{
        (state, command): (ILLEGAL, ANOTHER if state in (S.CLAIMED, S.NO_CLAIMED) else ILLEGAL)
        for state in (S.EXPIRED, S.CANCELLED, S.CLAIMED, S.NO_CLAIMED)
        for command in COMMANDS
        if command != "release"
    },
    **{
        (state, "release"): (ILLEGAL, ILLEGAL)
        for state in (S.EXPIRED, S.CANCELLED, S.CLAIMED, S.NO_CLAIMED)
    },
}

CANCEL_TABLE = {
    S.TO_BE_DISPENSED: "R-0001",
    S.WITH_DISPENSER: "R-0002",
    S.WITH_DISPENSER_ACTIVE: "R-0003",
    S.EXPIRED: "R-0005",
    S.CANCELLED: "R-0006",
    S.DISPENSED: "R-0004",
    S.NOT_DISPENSED: "R-0010",
    S.CLAIMED: "R-0004",
    S.NO_CLAIMED: "R-0010",
}


def test_the_table_covers_every_state_and_command() -> None:
    assert set(TABLE) == {(state, command) for state in Status for command in COMMANDS}


def outcome(p: Prescription, command: str, who: str) -> Status | str:
    try:
        after = COMMANDS[command](p, who)
    except EpsError as error:
        assert error.code is not None
        return error.code
    return after.status


@pytest.mark.parametrize(("state", "command"), sorted(TABLE))
def test_every_transition_by_the_holder_and_by_another(state: Status, command: str) -> None:
    expected_holder, expected_other = TABLE[state, command]
    p = in_state(state)
    assert p.status is state
    assert outcome(p, command, HOLDER) == expected_holder
    assert outcome(p, command, OTHER) == expected_other


def test_another_dispenser_is_told_who_holds_it() -> None:
    with pytest.raises(EpsError) as caught:
        machine.release(in_state(S.WITH_DISPENSER), OTHER)
    assert caught.value.holder == HOLDER
    assert caught.value.status == 400


@pytest.mark.parametrize("state", list(Status))
def test_cancellation_answer_from_every_state(state: Status) -> None:
    p = in_state(state)
    after, code = machine.cancel(p, p.items[0].id, "prescriber-1", "0001")
    assert code == CANCEL_TABLE[state]
    if code == "R-0001":
        assert after.items[0].state == "0005" and after.status is S.TO_BE_DISPENSED
    elif code in ("R-0002", "R-0003"):
        assert after.cancellation_requested_by == "prescriber-1" and after.status is state
    else:
        assert after == p


def test_cancelling_every_line_cancels_the_prescription() -> None:
    p = new_prescription(items=2)
    p, first = machine.cancel(p, p.items[0].id, "r", "0002")
    p, again = machine.cancel(p, p.items[0].id, "r", "0002")
    p, second = machine.cancel(p, p.items[1].id, "r", "0002")
    assert (first, again, second) == ("R-0001", "R-0006", "R-0001")
    assert p.status is S.CANCELLED


def test_a_dispensed_line_cannot_be_cancelled_while_others_are_pending() -> None:
    p = machine.release(new_prescription(items=2), HOLDER)
    p = machine.dispense(p, HOLDER, S.WITH_DISPENSER_ACTIVE, {p.items[0].id: "0001"})
    assert machine.cancel(p, p.items[0].id, "r", "0001")[1] == "R-0004"
    assert machine.cancel(p, p.items[1].id, "r", "0001")[1] == "R-0003"


def test_unknown_line_is_r_0008() -> None:
    with pytest.raises(EpsError) as caught:
        machine.cancel(new_prescription(), "ffffffff-0000-4000-8000-000000000000", "r", "0001")
    assert caught.value.code == "R-0008"


def test_marked_for_cancellation_by_another_prescriber_is_r_0007_and_return_cancels() -> None:
    p = in_state(S.WITH_DISPENSER)
    p, marked = machine.cancel(p, p.items[0].id, "first", "0001")
    _, other = machine.cancel(p, p.items[0].id, "second", "0001")
    _, same = machine.cancel(p, p.items[0].id, "first", "0001")
    assert (marked, other, same) == ("R-0002", "R-0007", "R-0002")
    returned = machine.return_(p, HOLDER)
    assert returned.status is S.CANCELLED and returned.dispenser is None


def test_withdraw_restores_the_state_before_each_notification() -> None:
    p = machine.release(new_prescription(items=2), HOLDER)
    first = machine.dispense(p, HOLDER, S.WITH_DISPENSER_ACTIVE, {p.items[0].id: "0003"})
    second = machine.dispense(first, HOLDER, S.DISPENSED, {i.id: "0001" for i in p.items})
    assert machine.withdraw(second, HOLDER) == first
    assert machine.withdraw(machine.withdraw(second, HOLDER), HOLDER) == p


def test_dispense_checks_lines_and_status() -> None:
    p = in_state(S.WITH_DISPENSER)
    with pytest.raises(EpsError) as unknown:
        machine.dispense(p, HOLDER, S.DISPENSED, {"nope": "0001"})
    assert unknown.value.code == "ITEM_NOT_FOUND"
    with pytest.raises(EpsError) as bad_status:
        machine.dispense(p, HOLDER, S.CLAIMED, {p.items[0].id: "0001"})
    assert bad_status.value.issue_code == "value"
    cancelled_line = Prescription(**{**_fields(p), "items": (Item(p.items[0].id, "0005"),)})
    with pytest.raises(EpsError) as line:
        machine.dispense(cancelled_line, HOLDER, S.DISPENSED, {p.items[0].id: "0001"})
    assert line.value.code == "PRESCRIPTION_INVALID_LINE_STATE_TRANSITION"


def _fields(p: Prescription) -> dict[str, object]:
    return {name: getattr(p, name) for name in Prescription.__slots__}


def test_create_refuses_a_duplicate() -> None:
    p = new_prescription()
    assert machine.create(None, p) is p
    with pytest.raises(EpsError) as caught:
        machine.create(p, p)
    assert caught.value.code == "DUPLICATE_PRESCRIPTION_ID"


def test_only_a_new_prescription_expires() -> None:
    assert machine.expire(new_prescription()).status is S.EXPIRED
    with pytest.raises(EpsError):
        machine.expire(in_state(S.WITH_DISPENSER))


class LifeCycle(RuleBasedStateMachine):
    """Random walks checked step by step against TABLE, with the life cycle's invariants."""

    def __init__(self) -> None:
        super().__init__()
        self.p = new_prescription()
        self.notifications = 0

    @rule(command=st.sampled_from(sorted(COMMANDS)), by_holder=st.booleans())
    def act(self, command: str, by_holder: bool) -> None:
        holder = self.p.dispenser or HOLDER
        who = holder if by_holder else OTHER if holder != OTHER else HOLDER
        expected = TABLE[self.p.status, command][0 if by_holder else 1]
        if (
            command == "withdraw"
            and by_holder
            and self.p.status is S.WITH_DISPENSER_ACTIVE
            and self.notifications == 0
        ):
            expected = ILLEGAL  # nothing to withdraw
        if (
            command == "return"
            and expected is S.TO_BE_DISPENSED
            and self.p.cancellation_requested_by
        ):
            expected = S.CANCELLED  # the cancellation marked while it was held now applies
        if command == "withdraw" and isinstance(expected, Status) and self.notifications > 1:
            expected = self.p.before_notifications[-1].status
        try:
            after = COMMANDS[command](self.p, who)
        except EpsError as error:
            assert error.code == expected
            return
        assert after.status == expected
        if command == "dispense":
            self.notifications += 1
        if command == "withdraw":
            self.notifications -= 1
        if command == "return":
            self.notifications = 0
        self.p = after

    @rule(
        line=st.integers(min_value=0, max_value=1),
        reason=st.sampled_from(sorted(machine.CANCELLATION_REASONS)),
    )
    def cancel(self, line: int, reason: str) -> None:
        before = self.p
        after, code = machine.cancel(before, before.items[line].id, "prescriber", reason)
        assert code in machine.CANCELLATION_RESPONSES
        if code == "R-0001":
            assert after.items[line].state == "0005"
        self.p = after

    @invariant()
    def holder_matches_status(self) -> None:
        assert (self.p.dispenser is not None) == (self.p.status in machine.HELD)

    @invariant()
    def one_snapshot_per_notification(self) -> None:
        assert len(self.p.before_notifications) == self.notifications

    @invariant()
    def cancelled_means_every_line_cancelled(self) -> None:
        if self.p.status is S.CANCELLED:
            assert all(item.state == "0005" for item in self.p.items)


LifeCycle.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestLifeCycle = LifeCycle.TestCase
