"""The Spine's MHS: ebXML messaging at the addresses the SDS directory gives for each interaction.

`/sync-service` (a PDS retrieval, sync), `/reliablemessaging/queryrequest` (a PSIS document list
query, async express) and `/reliablemessaging/reliablerequest` (a GP summary upload and an EPS
prescription, async reliable): the paths of the Spine's (`YES`) MHS records in SDS, whose
reliability settings (retries, retry interval, persist duration) are the only ones used.
Answers and acknowledgements that go back asynchronously are delivered to the consumer's
endpoint (`SimulatorConfig.mhs_consumer_url`, else `$HARNESS_MHS_CONSUMER_URL`).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, Route

from harness.simulator.context import SimulatorContext
from harness.simulator.flavour import rewrite_message
from harness.simulator.mhs.applications import Applications
from harness.simulator.mhs.delivery import Dispatcher, Presenter
from harness.simulator.mhs.endpoint import EbxmlEndpoint
from harness.simulator.mhs.endpoint import Route as Served
from harness.simulator.mhs.interactions import INTERACTIONS, Interaction, Pattern
from harness.simulator.mhs.openapi import openapi_paths
from harness.simulator.mhs.reliability import SPINE_ODS, reliability_of, spine_handler
from harness.simulator.mhs.sync import SyncEndpoint
from harness.simulator.service import Service

CONSUMER_URL_VARIABLE = "HARNESS_MHS_CONSUMER_URL"

__all__ = ["build", "consumer_url", "dispatcher_of"]


def consumer_url(ctx: SimulatorContext) -> str | None:
    return ctx.config.mhs_consumer_url or os.environ.get(CONSUMER_URL_VARIABLE) or None


def _as_sent(content_type: str, body: bytes) -> tuple[str, bytes]:
    return content_type, body


def dispatcher_of(ctx: SimulatorContext) -> Dispatcher:
    """The deliveries of a simulator's MHS (what it sent, or holds, for the consumer)."""
    state = ctx.state.setdefault("mhs", {})
    if "dispatcher" not in state:
        present: Presenter = rewrite_message if ctx.flavour == "spine2" else _as_sent
        state["dispatcher"] = Dispatcher(ctx.clock, consumer_url(ctx), present)
    dispatcher: Dispatcher = state["dispatcher"]
    return dispatcher


def build(ctx: SimulatorContext) -> Service:
    from harness.simulator.sds import directory_of

    directory = directory_of(ctx)
    spine_asid = next(s.asid for s in directory.systems if s.ods_code == SPINE_ODS)
    applications = Applications(ctx, spine_asid)
    dispatcher = dispatcher_of(ctx)
    parties = frozenset(
        party.casefold()
        for party in {s.party_key for s in directory.systems}
        | {h.party_key for h in directory.handlers}
    )
    by_path: dict[str, list[tuple[Interaction, Served]]] = {}
    for interaction in INTERACTIONS:
        handler = spine_handler(directory, interaction.interaction_id)
        served = Served(interaction, handler, reliability_of(handler))
        for address in handler.addresses:
            by_path.setdefault(urlsplit(address).path, []).append((interaction, served))
    routes: list[BaseRoute] = []
    for path, served_here in by_path.items():
        actions = {i.soap_action: s for i, s in served_here}
        if {i.pattern for i, _ in served_here} == {Pattern.SYNC}:
            endpoint = SyncEndpoint(
                {a: s.interaction for a, s in actions.items()}, applications, ctx.clock, ctx.new_id
            )
            routes.append(Route(path, endpoint.handle, methods=["POST"]))
        else:
            ebxml = EbxmlEndpoint(actions, parties, applications, dispatcher, ctx.clock, ctx.new_id)
            routes.append(Route(path, ebxml.handle, methods=["POST"]))
    ctx.state.setdefault("mhs", {})["applications"] = applications
    return Service(
        name="mhs",
        base_path="/reliablemessaging",
        routes=routes,
        openapi_paths=openapi_paths((p, [i for i, _ in s]) for p, s in by_path.items()),
        description="The Spine's MHS: ebXML messaging, sync, async express and async reliable.",
    )
