"""Recording generated traffic in two rounds: the second seeded by the first one's answers.

`harness record --generate N` sends two fifths of N as the interface alone allows (the document's
examples, schemathesis's positive and negative cases, the packs' realistic ones), then the
other three fifths built from what those answers showed exists (`harness.generation.seeking`: 2xx
requests varied, schemathesis's cases drawn with its resource pool fed by the answers, chains
along the interface's links). The second round is planned once the first has been answered;
the noise pass sends both rounds again, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.exchange import Exchange
from harness.core.selection import OperationRules
from harness.domains import merged
from harness.generation.seeds import SeedPool
from harness.generation.seeking import Chain, success_seeking
from harness.openapi import Interface
from harness.record.recorder import FollowUp
from harness.record.runner import Plan
from harness.scenario import Scenario


def split_generation(count: int) -> tuple[int, int]:
    """(first round, second round) of `count` generated requests: two fifths from the
    interface alone, three fifths seeded by their answers."""
    first = (count * 2 + 4) // 5
    return first, count - first


def seeking_round(
    interface: Interface, count: int, seed: int, rules: OperationRules | None
) -> FollowUp:
    def plan(answered: Sequence[Exchange]) -> Plan:
        pool = SeedPool(interface).feed(answered)
        domain = merged(lambda pack: pack.recorded_strategies(interface.document, answered))
        cases, chains = success_seeking(interface, pool, count, seed, rules=rules, domain=domain)
        return Plan(scenarios=[_scenario(chain) for chain in chains], generated=cases)

    return plan


def _scenario(chain: Chain) -> Scenario:
    return Scenario(
        name=chain.name,
        description=f"generated along the link {chain.link.source} -> {chain.link.target}",
        file="",
        steps=chain.steps,
        service=chain.service or None,
        source="generated",
    )
