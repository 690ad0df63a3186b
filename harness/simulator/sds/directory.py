"""The directory SDS serves: accredited systems (Devices) and message handlers (Endpoints).

Records mirror the LDAP objects the legacy SDS reads (`nhsAs` and `nhsMhs`), with the attribute
names kept in the JSON fixture so a tester who knows SDS recognises them. Look-ups are
case-insensitive, as LDAP's caseIgnoreMatch is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Reliability:
    """ebXML reliability settings of an MHS record (absent values are omitted in FHIR)."""

    sync_reply_mode: str
    ack_requested: str
    duplicate_elimination: str
    retries: int | None = None
    retry_interval: str | None = None  # ISO 8601 duration, e.g. PT1M
    persist_duration: str | None = None
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class AccreditedSystem:
    """An `nhsAs` record: one system deployed in one organisation, identified by its ASID."""

    id: str  # SDS's stable record id (a UUID)
    asid: str  # 12 digits
    ods_code: str  # nhsIDCode: the organisation the system is deployed in
    party_key: str  # <ODS>-<digits>
    manufacturer: str  # nhsMhsManufacturerOrg (ODS code)
    interactions: tuple[str, ...]  # nhsAsSvcIA: service interaction ids


@dataclass(frozen=True, slots=True)
class MessageHandler:
    """An `nhsMhs` record: where and how to send given interactions to a party."""

    id: str
    ods_code: str
    party_key: str
    cpa_id: str  # nhsMhsCPAId
    mhs_id: str  # uniqueIdentifier
    fqdn: str  # nhsMhsFQDN
    interactions: tuple[str, ...]  # nhsMhsSvcIA
    addresses: tuple[str, ...]  # nhsMHSEndPoint (one Endpoint resource per address)
    reliability: Reliability | None = None


def _key(value: str) -> str:
    return value.casefold()


class Directory:
    """Records with indexes by ODS code and party key."""

    def __init__(
        self, systems: Iterable[AccreditedSystem], handlers: Iterable[MessageHandler]
    ) -> None:
        self.systems = tuple(systems)
        self.handlers = tuple(handlers)
        self._systems_by_ods: dict[str, list[AccreditedSystem]] = {}
        for system in self.systems:
            self._systems_by_ods.setdefault(_key(system.ods_code), []).append(system)
        self._handlers_by_ods: dict[str, list[MessageHandler]] = {}
        self._handlers_by_party: dict[str, list[MessageHandler]] = {}
        for handler in self.handlers:
            self._handlers_by_ods.setdefault(_key(handler.ods_code), []).append(handler)
            self._handlers_by_party.setdefault(_key(handler.party_key), []).append(handler)

    def find_systems(
        self,
        ods_code: str,
        interaction: str,
        party_key: str | None = None,
        manufacturer: str | None = None,
    ) -> list[AccreditedSystem]:
        """Accredited systems in `ods_code` offering `interaction` (and the optional filters)."""
        wanted = _key(interaction)
        return [
            system
            for system in self._systems_by_ods.get(_key(ods_code), ())
            if any(_key(i) == wanted for i in system.interactions)
            and (party_key is None or _key(system.party_key) == _key(party_key))
            and (manufacturer is None or _key(system.manufacturer) == _key(manufacturer))
        ]

    def find_handlers(
        self,
        ods_code: str | None = None,
        interaction: str | None = None,
        party_key: str | None = None,
    ) -> list[MessageHandler]:
        """Message handlers matching every given criterion (at least one must be given)."""
        if ods_code is not None:
            candidates: Iterable[MessageHandler] = self._handlers_by_ods.get(_key(ods_code), ())
        elif party_key is not None:
            candidates = self._handlers_by_party.get(_key(party_key), ())
        else:
            candidates = self.handlers
        wanted = _key(interaction) if interaction is not None else None
        return [
            handler
            for handler in candidates
            if (party_key is None or _key(handler.party_key) == _key(party_key))
            and (wanted is None or any(_key(i) == wanted for i in handler.interactions))
        ]

    def organisations(self) -> list[str]:
        return sorted({system.ods_code for system in self.systems})


# --- the fixture's JSON shape (LDAP attribute names) -------------------------------------------


def system_to_ldap(system: AccreditedSystem) -> dict[str, Any]:
    return {
        "id": system.id,
        "uniqueIdentifier": system.asid,
        "nhsIDCode": system.ods_code,
        "nhsMHSPartyKey": system.party_key,
        "nhsMhsManufacturerOrg": system.manufacturer,
        "nhsAsSvcIA": list(system.interactions),
    }


def handler_to_ldap(handler: MessageHandler) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": handler.id,
        "uniqueIdentifier": handler.mhs_id,
        "nhsIDCode": handler.ods_code,
        "nhsMHSPartyKey": handler.party_key,
        "nhsMhsCPAId": handler.cpa_id,
        "nhsMhsFQDN": handler.fqdn,
        "nhsMhsSvcIA": list(handler.interactions),
        "nhsMHSEndPoint": list(handler.addresses),
    }
    reliability = handler.reliability
    if reliability is not None:
        record["nhsMHSSyncReplyMode"] = reliability.sync_reply_mode
        record["nhsMHSAckRequested"] = reliability.ack_requested
        record["nhsMHSDuplicateElimination"] = reliability.duplicate_elimination
        optional = {
            "nhsMHSRetries": reliability.retries,
            "nhsMHSRetryInterval": reliability.retry_interval,
            "nhsMHSPersistDuration": reliability.persist_duration,
            "nhsMHSActor": reliability.actor,
        }
        record.update({key: value for key, value in optional.items() if value is not None})
    return record


def system_from_ldap(record: Mapping[str, Any]) -> AccreditedSystem:
    return AccreditedSystem(
        id=str(record["id"]),
        asid=str(record["uniqueIdentifier"]),
        ods_code=str(record["nhsIDCode"]),
        party_key=str(record["nhsMHSPartyKey"]),
        manufacturer=str(record["nhsMhsManufacturerOrg"]),
        interactions=tuple(str(i) for i in record["nhsAsSvcIA"]),
    )


def handler_from_ldap(record: Mapping[str, Any]) -> MessageHandler:
    reliability = None
    if "nhsMHSSyncReplyMode" in record:
        retries = record.get("nhsMHSRetries")
        reliability = Reliability(
            sync_reply_mode=str(record["nhsMHSSyncReplyMode"]),
            ack_requested=str(record["nhsMHSAckRequested"]),
            duplicate_elimination=str(record["nhsMHSDuplicateElimination"]),
            retries=int(retries) if retries is not None else None,
            retry_interval=_optional_str(record.get("nhsMHSRetryInterval")),
            persist_duration=_optional_str(record.get("nhsMHSPersistDuration")),
            actor=_optional_str(record.get("nhsMHSActor")),
        )
    return MessageHandler(
        id=str(record["id"]),
        mhs_id=str(record["uniqueIdentifier"]),
        ods_code=str(record["nhsIDCode"]),
        party_key=str(record["nhsMHSPartyKey"]),
        cpa_id=str(record["nhsMhsCPAId"]),
        fqdn=str(record["nhsMhsFQDN"]),
        interactions=tuple(str(i) for i in record["nhsMhsSvcIA"]),
        addresses=tuple(str(a) for a in record["nhsMHSEndPoint"]),
        reliability=reliability,
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
