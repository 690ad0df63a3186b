"""`[operations]` of the settings: which operations commands may touch, and flags over it.

    [operations]                          # harness.toml, or [tool.harness.operations]
    include = ["get-*", "method:GET"]     # operation globs, method:<M>, tag:<glob>
    exclude = ["tag:Coverage"]
    destructive = ["purge-*"]             # never generated unless allow_side_effects
    allow_side_effects = false
    admin_paths = ["**/admin/**", "/_*"]  # never recorded or generated (replaces the defaults)

`harness record` and `harness rehearse` read it; their `--include`, `--exclude`,
`--destructive` add to the lists, `--allow-side-effects` allows. See `harness.core.selection`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from harness.config.tables import checked_table, string_list
from harness.core.selection import (
    DEFAULT_ADMIN_PATHS,
    AdminPaths,
    OperationRules,
    Selection,
    SideEffects,
    Term,
)
from harness.errors import HarnessError

OPERATION_KEYS = ("include", "exclude", "destructive", "allow_side_effects", "admin_paths")


@dataclass(frozen=True)
class OperationSettings:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    destructive: tuple[str, ...] = ()
    allow_side_effects: bool = False
    admin_paths: tuple[str, ...] = DEFAULT_ADMIN_PATHS

    def with_flags(
        self,
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        destructive: Iterable[str] = (),
        allow_side_effects: bool = False,
    ) -> OperationSettings:
        """These settings with the command line's additions."""
        return replace(
            self,
            include=(*self.include, *include),
            exclude=(*self.exclude, *exclude),
            destructive=(*self.destructive, *destructive),
            allow_side_effects=self.allow_side_effects or allow_side_effects,
        )

    def rules(self) -> OperationRules:
        return OperationRules(
            Selection.of(self.include, self.exclude),
            SideEffects(self.allow_side_effects, self.destructive),
            AdminPaths(self.admin_paths),
        )


def read_operations(
    raw: Any, earlier: OperationSettings, file_name: str | None, where: str
) -> OperationSettings:
    """The `[operations]` table over an earlier layer's (a key set here wins)."""
    raw = checked_table(raw, OPERATION_KEYS, file_name, where)
    changes: dict[str, Any] = {}
    for key in ("include", "exclude", "destructive", "admin_paths"):
        if key in raw:
            example = '["get-*", "method:GET"]'
            changes[key] = string_list(raw[key], file_name, f"{where}.{key}", example)
    if "allow_side_effects" in raw:
        if not isinstance(raw["allow_side_effects"], bool):
            raise HarnessError(
                "must be true or false", file=file_name, field=f"{where}.allow_side_effects"
            )
        changes["allow_side_effects"] = raw["allow_side_effects"]
    for key in ("include", "exclude"):
        for position, text in enumerate(changes.get(key, ())):
            try:
                Term.parse(text)
            except HarnessError as error:
                raise HarnessError(
                    error.message, file=file_name, field=f"{where}.{key}[{position}]"
                ) from None
    try:
        AdminPaths(changes.get("admin_paths", earlier.admin_paths))
    except HarnessError as error:
        raise HarnessError(error.message, file=file_name, field=f"{where}.admin_paths") from None
    return replace(earlier, **changes)


def operations_to_dict(settings: OperationSettings) -> dict[str, Any]:
    """As a rehearsal header stores them."""
    return {
        "include": list(settings.include),
        "exclude": list(settings.exclude),
        "destructive": list(settings.destructive),
        "allow_side_effects": settings.allow_side_effects,
        "admin_paths": list(settings.admin_paths),
    }


def operations_from_dict(data: Mapping[str, Any], file_name: str) -> OperationSettings:
    """What `operations_to_dict` wrote (a malformed entry names the file and field)."""
    return read_operations(data, OperationSettings(), file_name, "operations")
