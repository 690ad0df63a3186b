"""Severity: what a policy says of an operation or a divergence's path, else the domain packs'
defaults (`DomainPack.severities`), else normal. Allure labels and clusters read it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from harness.core.policy import Policy


def severity_label(
    service: str,
    operation: str,
    policy: Policy | None = None,
    overrides: Mapping[str, str] | None = None,
    path: str | None = None,
) -> str:
    """An operation's (or, with `path`, a divergence's) severity: an override, else the
    policy's, else the domain packs' default (`DomainPack.severities`), else normal."""
    chosen = overrides.get(operation) if overrides else None
    if chosen is None and policy is not None:
        chosen = (
            policy.severity_for(service, operation)
            if path is None
            else policy.severity_at(service, operation, path)
        )
    return chosen or _default_severities().get(operation, "normal")


@functools.cache
def _default_severities() -> Mapping[str, str]:
    from harness.domains import severities

    return severities()


def severity_of(policy: Policy | None) -> Callable[[str, str, str], str]:
    """A divergence's severity by (service, operation, path), for clusters."""
    return lambda service, operation, path: severity_label(service, operation, policy, path=path)
