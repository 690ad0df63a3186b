"""MESH, the Message Exchange for Social Care and Health, under `/messageexchange`.

The REST API NHS England publishes (versions 1 and 2 by `Accept`): handshake, send (chunked
and gzip-compressed), inbox and count, download (by chunk), acknowledge, tracking, endpoint
lookup and workflow search, with the `NHSMESH` token, the specification's error codes and
REPORTs for undeliverable and expired messages on the simulator's messaging clock.
Mailboxes: `fixtures/mesh/mailboxes.json` (NHS England's sandbox test mailboxes among them)
plus one per GP practice of the SDS directory.
"""

from __future__ import annotations

import os

from harness.simulator.context import SimulatorContext
from harness.simulator.mesh.auth import SANDBOX_SHARED_KEY, TokenVerifier
from harness.simulator.mesh.mailboxes import MailboxDirectory, build_mailboxes, check_directory
from harness.simulator.mesh.openapi import openapi_components, openapi_paths
from harness.simulator.mesh.routes import BASE, MeshApi
from harness.simulator.service import Service

SHARED_KEY_VARIABLE = "HARNESS_MESH_SHARED_KEY"

__all__ = ["BASE", "build", "mesh_of", "shared_key"]


def shared_key(ctx: SimulatorContext) -> str:
    """The environment's shared secret: the config's, else $HARNESS_MESH_SHARED_KEY, else the
    MESH sandbox's."""
    return ctx.config.mesh_shared_key or os.environ.get(SHARED_KEY_VARIABLE) or SANDBOX_SHARED_KEY


def mailboxes_of(ctx: SimulatorContext) -> MailboxDirectory:
    from harness.simulator.population import population_of
    from harness.simulator.sds import directory_of

    state = ctx.state.setdefault("mesh", {})
    if "mailboxes" not in state:
        mailboxes = build_mailboxes(ctx.config.seed, population_of(ctx).practices())
        check_directory(mailboxes, directory_of(ctx).organisations())
        state["mailboxes"] = mailboxes
    directory: MailboxDirectory = state["mailboxes"]
    return directory


def mesh_of(ctx: SimulatorContext) -> MeshApi:
    """The MESH service of a simulator (its store, mailboxes and token verifier)."""
    state = ctx.state.setdefault("mesh", {})
    if "api" not in state:
        mailboxes = mailboxes_of(ctx)
        state["api"] = MeshApi(
            ctx, mailboxes, TokenVerifier(shared_key(ctx), mailboxes.password_of)
        )
    api: MeshApi = state["api"]
    return api


def build(ctx: SimulatorContext) -> Service:
    api = mesh_of(ctx)
    return Service(
        name="mesh",
        base_path=BASE,
        routes=api.routes(),
        openapi_paths=openapi_paths(),
        openapi_components=openapi_components(),
        description="MESH, the Message Exchange for Social Care and Health (REST API v1 and v2).",
    )
