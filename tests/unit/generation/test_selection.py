"""Which operations commands may touch: include / exclude terms, Diffy's rule for destructive
requests, admin endpoints, and the `[operations]` settings table."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config.settings import load_settings
from harness.core.selection import AdminPaths, OperationRules, Selection, SideEffects, Term
from harness.errors import HarnessError


def test_terms_are_operation_globs_methods_and_tags() -> None:
    assert Term.parse("get-*") == Term("operation", "get-*")
    assert Term.parse("method:get") == Term("method", "GET")
    assert Term.parse("tag:Pat*") == Term("tag", "Pat*")
    assert Term.parse("pds.getPatient").matches("pds", "getPatient", "GET", ())
    with pytest.raises(HarnessError) as error:
        Term.parse("method:", "--include")
    assert error.value.field == "--include"


def test_nothing_included_means_everything_and_exclusion_wins() -> None:
    everything = Selection.of()
    assert everything.everything and everything.selects("s", "anything", "DELETE")
    chosen = Selection.of(include=["get-*", "tag:Coverage"], exclude=["get-coverage"])
    assert chosen.selects("pds", "get-patient", "GET")
    assert chosen.selects("pds", "post-coverage", "POST", ("Coverage",))
    assert not chosen.selects("pds", "get-coverage", "GET", ("Coverage",))
    assert not chosen.selects("pds", "create-patient", "POST")
    reads = Selection.of(include=["method:GET"])
    assert reads.selects("s", "x", "get") and not reads.selects("s", "x", "PATCH")


def test_destructive_requests_need_side_effects_allowed() -> None:
    rule = SideEffects(destructive=("purge-*",))
    assert rule.destroys("delete-thing", "DELETE")
    assert rule.destroys("wipe", "POST", {"x-destructive": True})
    assert rule.destroys("purge-all", "POST")
    assert not rule.may_generate("purge-all", "POST")
    assert rule.may_generate("create-thing", "POST")
    assert SideEffects(allowed=True).may_generate("delete-thing", "DELETE")


def test_admin_endpoints_by_default() -> None:
    admin = AdminPaths()
    for path in ("/admin/reset", "/messageexchange/admin/report", "/reset", "/_ping", "/_x/y"):
        assert admin.matches(path), path
    base = "/personal-demographics/FHIR/R4"
    assert admin.matches(f"{base}/_internal/state", base)  # under the interface's base path
    for path in (f"{base}/Patient/9000000009", f"{base}/Patient/_search", "/administrators"):
        assert not admin.matches(path, base), path
    with pytest.raises(HarnessError):
        AdminPaths(("admin/**",))


def test_rules_combine_selection_side_effects_and_admin() -> None:
    rules = OperationRules(Selection.of(exclude=["tag:Lookup"]))
    assert rules.may_generate("mesh", "send", "POST", "/messageexchange/{mailbox_id}/outbox")
    assert not rules.may_generate("mesh", "reset", "DELETE", "/admin/reset")
    assert not rules.may_generate("mesh", "report", "POST", "/messageexchange/admin/report")
    assert not rules.may_generate("mesh", "find", "GET", "/x", tags=("Lookup",))


def test_operations_table_is_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text(
        '[operations]\ninclude = ["get-*"]\ndestructive = ["purge-*"]\n'
        'allow_side_effects = true\nadmin_paths = ["/ops/**"]\n'
    )
    settings = load_settings(start=tmp_path)
    flagged = settings.operations.with_flags(exclude=["get-coverage"])
    rules = flagged.rules()
    assert rules.selection.selects("s", "get-patient", "GET")
    assert not rules.selection.selects("s", "get-coverage", "GET")
    assert rules.side_effects.allowed and rules.admin.matches("/ops/reset")
    assert not rules.admin.matches("/admin/reset")  # the table replaces the defaults
    for text, field in (
        ("include = [3]", "operations.include"),
        ('include = ["method:"]', "operations.include[0]"),
        ('admin_paths = ["admin"]', "operations.admin_paths"),
        ("allow_side_effects = 1", "operations.allow_side_effects"),
        ("exclud = []", "operations.exclud"),
    ):
        (tmp_path / "harness.toml").write_text(f"[operations]\n{text}\n")
        with pytest.raises(HarnessError) as error:
            load_settings(start=tmp_path)
        assert error.value.field == field, text
        assert str(tmp_path / "harness.toml") in str(error.value)
