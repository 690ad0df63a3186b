"""`harness cutover --dry-run`: the plan as it would run, step by step, without sending anything."""

from __future__ import annotations

from harness.cutover.plan import Phase, Plan


def describe(plan: Plan, legacy: str, candidate: str) -> str:
    lines = [
        f"Cutover plan {plan.name!r} ({plan.file}): {len(plan.phases)} phases, about "
        f"{plan.duration_s():.0f} s when every gate passes.",
        f"  legacy {legacy}   candidate {candidate}   consumers told apart by "
        f"{plan.consumer_header}",
    ]
    if plan.description:
        lines.append(f"  {plan.description}")
    hooks = ", ".join(plan.notifications.webhooks) or "none"
    lines.append(f"  notifications: the status feed; webhooks: {hooks}")
    for index, phase in enumerate(plan.phases, start=1):
        lines.extend(_phase(index, phase))
    lines.append(f"Then {plan.settle_s:g} s on the final routes, and the report.")
    return "\n".join(lines)


def _phase(index: int, phase: Phase) -> list[str]:
    state = phase.state
    out = [f"{index}. {phase.name}: move {phase.move.describe()}"]
    if phase.description:
        out.append(f"   {phase.description}")
    if state.dual_writes:
        since = (
            "the first request" if state.dual_writes_from == "rehearsal" else "the phase's start"
        )
        out.append(
            f"   dual writes: from {since}, the slice's writes are mirrored to the side not "
            "answering"
        )
    if phase.observe_s:
        out.append(f"   {phase.observe_s:g} s legacy answers, the candidate shadows")
    migrate = f"migrate ({state.migrate.describe()}), then " if state.migrate else ""
    out.append(
        f"   switch: hold the slice, wait for its requests in flight on legacy"
        f"{' and the dual writes' if state.dual_writes else ''}, {migrate}route it to the "
        f"candidate (held at most {phase.budget.switch_s:g} s, else it stays on legacy)"
    )
    if state.check is not None:
        out.append(
            f"   state check: read back up to {state.check.sample} records written before the "
            f"switch by {', '.join(state.check.writes)} ({state.check.read_method} "
            f"{state.check.read_path})"
        )
    out.append(f"   {phase.soak_s:g} s the candidate answers, legacy shadows")
    policy = phase.gate.policy
    parts = [", ".join(f"{t.scope} parity >= {t.min_parity:g}%" for t in policy.thresholds)]
    parts.append(f"errors <= {policy.max_errors}")
    if policy.max_error_rate is not None:
        parts.append(f"error rate <= {policy.max_error_rate:g}%")
    parts += [f"{a.scope} availability >= {a.min_percent:g}%" for a in policy.availability]
    parts += [
        f"{limit.scope} slower by <= {limit.max_shift_ms:g} ms" for limit in policy.latency_limits
    ]
    source = phase.gate.policy_file or "inline policy"
    out.append(f"   gate over the last {phase.gate.window_s:g} s ({source}): {'; '.join(parts)}")
    back = "; then the next phase" if phase.after_rollback == "continue" else "; then stop"
    migrate_back = "migrate back, " if state.migrate else ""
    out.append(
        f"   on a failed gate: {migrate_back}route back to legacy (budget "
        f"{phase.budget.rollback_s:g} s){back}"
    )
    if phase.budget.phase_s is not None:
        out.append(f"   the phase's whole budget: {phase.budget.phase_s:g} s")
    return out
