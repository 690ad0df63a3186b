"""Layered settings, one model for every command and the pytest plugin: defaults ->
`harness.toml` (or `[tool.harness]` in pyproject.toml), found by walking up from the working
directory -> the selected profile -> command-line flags (or the plugin's options).

String values may hold `${NAME}` (environment variables: secrets never live in the file).
`[secrets]` maps the `${NAME}` placeholders found in contracts to values at send time.
`[redact]` names what recording redacts and pseudonymises (`RedactSettings`).
`[operations]` says which operations commands may touch (`harness.config.operations`).
`[targets.<name>]` (`candidate`, `legacy`, `twin`) holds what is particular to one target:
the limits on its answers (`TargetSettings`, `answer_limits()`), its credentials provider
(`[targets.<name>.auth]`, `AuthSettings`) and its client certificate (`[targets.<name>.tls]`);
each key of the table is read by its own entry in `TARGET_KEYS`.
Profiles live under `[profiles.<name>]`; `ci` exists built in (no live progress bar, fixed seed),
selected with `--profile NAME` or `HARNESS_PROFILE`.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from harness.config.operations import OperationSettings, read_operations
from harness.config.tables import checked_table, string_list
from harness.errors import HarnessError
from harness.transport.http1 import ClientTls
from harness.transport.limits import AnswerLimits

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
BUILTIN_PROFILES: dict[str, dict[str, Any]] = {"ci": {"progress": False, "seed": 0}}


@dataclass(frozen=True)
class RedactSettings:
    """`[redact]`: more headers and query parameters to redact (beyond the credential headers),
    JSON fields / query parameters / XML elements to redact, and fields to pseudonymise."""

    headers: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    pseudonymise: tuple[str, ...] = ()


REDACT_KEYS = ("headers", "fields", "pseudonymise")
TARGET_NAMES = ("candidate", "legacy", "twin")  # twin: recording's second legacy instance
LIMIT_KEYS = tuple(spec.name for spec in fields(AnswerLimits))
TIMEOUT_KEYS = ("first_byte_timeout_s", "total_timeout_s")


@dataclass(frozen=True)
class AuthSettings:
    """`[targets.<name>.auth]`: `provider` (header, basic, oauth2, jwt, a domain pack's scheme
    such as mesh, or an entry point of `harness.auth`) and its options. `${VAR}` in an option is
    read from the environment when the provider is built, never earlier: what the settings hold
    can be shown (`--help`, errors) without a secret."""

    provider: str
    options: Mapping[str, str] = field(default_factory=dict)
    where: str = ""  # the file and table it came from, for errors

    @classmethod
    def from_flag(cls, text: str, flag: str) -> AuthSettings:
        """`--<target>-auth PROVIDER[:key=value,key=value]` (values may hold `${VAR}`)."""
        provider, _, rest = text.partition(":")
        options: dict[str, str] = {}
        for part in filter(None, rest.split(",")):
            key, equals, value = part.partition("=")
            if not equals or not key.strip():
                raise HarnessError(f"expected key=value, got {part!r}", field=flag)
            options[key.strip()] = value.strip()
        if not provider.strip():
            raise HarnessError("name a provider (e.g. basic:username=u,password=${PW})", field=flag)
        return cls(provider.strip(), options, flag)


@dataclass(frozen=True)
class TargetSettings:
    """`[targets.<name>]`: what is particular to one target. `limits` holds only the answer
    limits the table sets (`AnswerLimits` field -> value); the rest are the defaults, with both
    timeouts from the `timeout` setting."""

    limits: Mapping[str, float] = field(default_factory=dict)
    auth: AuthSettings | None = None  # [targets.<name>.auth]: its credentials provider
    tls: ClientTls | None = None  # [targets.<name>.tls]: mutual TLS from files

    def without_timeouts(self) -> TargetSettings:
        return replace(self, limits={k: v for k, v in self.limits.items() if k not in TIMEOUT_KEYS})


@dataclass(frozen=True)
class Settings:
    candidate: str | None = None
    legacy: str | None = None
    legacy_twin: str | None = None
    contracts: Path = Path("contracts")
    policy: Path | None = None
    out: Path = Path("reports")
    concurrency: int = 32
    timeout: float = 10.0
    progress: bool = True
    seed: int = 0
    # The endpoint targets deliver later messages to (HOST:PORT), and how long to wait for them.
    inbound: str | None = None
    later_timeout: float = 10.0
    secrets: Mapping[str, str] = field(default_factory=dict)
    redact: RedactSettings = field(default_factory=RedactSettings)
    targets: Mapping[str, TargetSettings] = field(default_factory=dict)
    operations: OperationSettings = field(default_factory=OperationSettings)
    source: str | None = None  # the config file used, if any
    profile: str | None = None

    def answer_limits(self, name: str) -> AnswerLimits:
        """The limits on the answers of target `name`: the defaults, both timeouts from
        `timeout`, then what `[targets.<name>]` sets (a twin without a table: legacy's)."""
        chosen = self.targets.get(name)
        if chosen is None and name == "twin":
            chosen = self.targets.get("legacy")
        limits = AnswerLimits().within(self.timeout)
        return replace(limits, **chosen.limits) if chosen else limits  # type: ignore[arg-type]

    def all_answer_limits(self) -> dict[str, AnswerLimits]:
        """`answer_limits` of every target name."""
        return {name: self.answer_limits(name) for name in TARGET_NAMES}

    def target(self, name: str) -> TargetSettings:
        """What `[targets.<name>]` sets (a twin without a table: legacy's)."""
        chosen = self.targets.get(name)
        if chosen is None and name == "twin":
            chosen = self.targets.get("legacy")
        return chosen or TargetSettings()

    def with_auth(self, name: str, auth: AuthSettings | None) -> Settings:
        """These settings with target `name`'s credentials given by a flag (None: unchanged)."""
        if auth is None:
            return self
        return replace(self, targets={**self.targets, name: replace(self.target(name), auth=auth)})


_KINDS: dict[str, type] = {
    "candidate": str,
    "legacy": str,
    "legacy_twin": str,
    "contracts": Path,
    "policy": Path,
    "out": Path,
    "concurrency": int,
    "timeout": float,
    "progress": bool,
    "seed": int,
    "inbound": str,
    "later_timeout": float,
}


def toml_line(text: str, dotted: str) -> int | None:
    """The 1-based line that sets `dotted` (e.g. `profiles.ci.seed`) in TOML text: the key's own
    line, else the line of the table or inline table holding it (tomllib gives no positions)."""
    table: tuple[str, ...] = ()
    wanted = tuple(part.strip().strip("\"'") for part in dotted.split("."))
    best: tuple[int, int] | None = None  # (matched depth, line)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith(("'", '"')) else raw
        header = _TABLE.match(line)
        if header:
            table = _toml_key(header.group(1))
            here = table
        else:
            assignment = _ASSIGNMENT.match(line)
            if not assignment:
                continue
            here = (*table, *_toml_key(assignment.group(1)))
        if wanted[: len(here)] == here and (best is None or len(here) > best[0]):
            best = (len(here), number)
            if len(here) == len(wanted):
                return number
    return best[1] if best else None


_TABLE = re.compile(r"^\[\s*([^\[\]]+?)\s*\]$")
_ASSIGNMENT = re.compile(
    r"^((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)


def _toml_key(text: str) -> tuple[str, ...]:
    return tuple(
        part.strip().strip("\"'")
        for part in re.split(r"\.(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)", text)
    )


def _with_line(error: HarnessError, path: Path, table: str) -> HarnessError:
    """The error with the line of its field in the configuration file, when it can be found."""
    if error.line is not None or error.file != str(path) or not error.field:
        return error
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return error
    dotted = f"{table}.{error.field}" if table else error.field
    line = toml_line(text, dotted)
    return HarnessError(error.message, file=error.file, line=line, field=error.field)


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest `harness.toml`, or pyproject.toml with a `[tool.harness]` table."""
    for directory in (start, *start.parents):
        candidate = directory / "harness.toml"
        if candidate.is_file():
            return candidate, _read_toml(candidate)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("harness")
            if isinstance(table, dict):
                return pyproject, table
    return None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    start: Path | None = None,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the layers; `flags` values that are None are treated as not given."""
    env = os.environ if environ is None else environ
    found = find_config(start or Path.cwd())
    try:
        return _load(found, flags, profile, env)
    except HarnessError as error:
        if found is None:
            raise
        path = found[0]
        raise _with_line(
            error, path, "tool.harness" if path.name == "pyproject.toml" else ""
        ) from None


def _load(
    found: tuple[Path, dict[str, Any]] | None,
    flags: Mapping[str, Any] | None,
    profile: str | None,
    env: Mapping[str, str],
) -> Settings:
    settings = Settings()
    table: dict[str, Any] = {}
    file_name = None
    if found is not None:
        path, table = found
        file_name = str(path)
        settings = _apply(settings, table, path.parent, file_name, env, "")
        settings = replace(settings, source=file_name)
    chosen = profile or env.get("HARNESS_PROFILE") or None
    if chosen:
        profiles = table.get("profiles", {})
        layer = profiles.get(chosen) if isinstance(profiles, dict) else None
        if layer is None and chosen not in BUILTIN_PROFILES:
            known = sorted({*BUILTIN_PROFILES, *(profiles if isinstance(profiles, dict) else {})})
            raise HarnessError(
                f"unknown profile {chosen!r} (known: {', '.join(known)})",
                file=file_name,
                field="profile",
            )
        settings = _apply(settings, BUILTIN_PROFILES.get(chosen, {}), Path.cwd(), None, env, "")
        if isinstance(layer, dict):
            base = Path(file_name).parent if file_name else Path.cwd()
            settings = _apply(settings, layer, base, file_name, env, f"profiles.{chosen}.")
        settings = replace(settings, profile=chosen)
    given = {key: value for key, value in (flags or {}).items() if value is not None}
    return _apply(settings, given, Path.cwd(), None, env, "", from_flags=True)


def _apply(
    settings: Settings,
    table: Mapping[str, Any],
    base: Path,
    file_name: str | None,
    env: Mapping[str, str],
    prefix: str,
    from_flags: bool = False,
) -> Settings:
    known = {f.name for f in fields(Settings)}
    changes: dict[str, Any] = {}
    if "timeout" in table and settings.targets:
        # A later layer's `timeout` is the time for every target again (a per-target time of an
        # earlier layer no longer applies); the same layer's [targets] may set it again below.
        kept = {name: target.without_timeouts() for name, target in settings.targets.items()}
        settings = replace(settings, targets=kept)
    for key, raw in table.items():
        if key == "profiles" and not from_flags:
            continue
        if key == "targets" and not from_flags:
            changes["targets"] = _targets(raw, settings.targets, file_name, prefix + key, env)
            continue
        if key == "redact" and not from_flags:
            changes["redact"] = _redact(raw, file_name, prefix + key)
            continue
        if key == "operations" and not from_flags:
            changes["operations"] = read_operations(
                raw, settings.operations, file_name, prefix + key
            )
            continue
        if key == "secrets":
            if not isinstance(raw, dict):
                raise HarnessError("a table of NAME = value", file=file_name, field=prefix + key)
            secrets = dict(settings.secrets)
            for name, value in raw.items():
                secrets[str(name)] = substitute(
                    str(value), env, file_name, f"{prefix}secrets.{name}"
                )
            changes["secrets"] = secrets
            continue
        if key not in _KINDS:
            if key in known:
                continue
            expected = sorted([*_KINDS, "secrets", "profiles", "redact", "targets", "operations"])
            nearest = difflib.get_close_matches(str(key), expected, n=1, cutoff=0.6)
            hint = f"did you mean {nearest[0]!r}? " if nearest else ""
            raise HarnessError(
                f"unknown setting ({hint}expected one of {expected})",
                file=file_name,
                field=prefix + key,
            )
        changes[key] = _coerce(key, raw, base, file_name, env, prefix)
    return replace(settings, **changes)


def _coerce(
    key: str, raw: Any, base: Path, file_name: str | None, env: Mapping[str, str], prefix: str
) -> Any:
    kind = _KINDS[key]
    where = prefix + key
    if isinstance(raw, str):
        raw = substitute(raw, env, file_name, where)
    try:
        if kind is Path:
            path = Path(raw)
            return path if path.is_absolute() or file_name is None else base / path
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                return str(raw).lower() in ("1", "true", "yes", "on")
            raise ValueError(raw)
        if kind is int and (isinstance(raw, bool) or (int(raw) < 1 and key != "seed")):
            raise ValueError(raw)
        return kind(raw)
    except (TypeError, ValueError):
        raise HarnessError(
            f"expected {kind.__name__}, got {raw!r}", file=file_name, field=where
        ) from None


def substitute(text: str, env: Mapping[str, str], file_name: str | None, where: str) -> str:
    """Replace `${NAME}` with the environment variable; a missing one is an error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise HarnessError(
                f"environment variable {name} is not set", file=file_name, field=where
            )
        return env[name]

    return _ENV.sub(value, text)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        at = re.search(r"at line (\d+)", str(error))
        raise HarnessError(
            f"cannot read configuration: {error}",
            file=str(path),
            line=int(at.group(1)) if at else None,
        ) from None


def _redact(raw: Any, file_name: str | None, where: str) -> RedactSettings:
    raw = checked_table(raw, REDACT_KEYS, file_name, where)
    values = {
        key: string_list(raw.get(key, []), file_name, f"{where}.{key}", '["x-session-token"]')
        for key in REDACT_KEYS
    }
    return RedactSettings(**values)


def _targets(
    raw: Any,
    earlier: Mapping[str, TargetSettings],
    file_name: str | None,
    where: str,
    env: Mapping[str, str],
) -> dict[str, TargetSettings]:
    """`[targets.<name>]` tables over the earlier layers' (a key set here wins)."""
    if not isinstance(raw, Mapping):
        raise HarnessError("must be [targets.<name>] tables", file=file_name, field=where)
    merged = dict(earlier)
    for name, table in raw.items():
        here = f"{where}.{name}"
        if name not in TARGET_NAMES:
            raise HarnessError(
                f"unknown target (expected one of {', '.join(TARGET_NAMES)})",
                file=file_name,
                field=here,
            )
        if not isinstance(table, Mapping):
            raise HarnessError("must be a table", file=file_name, field=here)
        target = merged.get(name, TargetSettings())
        for key, value in table.items():
            reader = TARGET_KEYS.get(key)
            if reader is None:
                raise HarnessError(
                    f"unknown key (expected {', '.join(TARGET_KEYS)})",
                    file=file_name,
                    field=f"{here}.{key}",
                )
            target = reader(target, key, value, file_name, f"{here}.{key}", env)
        merged[name] = target
    return merged


def _limit(
    target: TargetSettings,
    key: str,
    value: Any,
    file_name: str | None,
    where: str,
    env: Mapping[str, str],
) -> TargetSettings:
    """One answer limit, checked as `AnswerLimits` checks it (the message names the field)."""
    if isinstance(value, str):
        value = substitute(value, env, file_name, where)
        with contextlib.suppress(ValueError):  # else AnswerLimits says what it must be
            value = float(value) if key.endswith("_s") else int(value)
    try:
        AnswerLimits(**{key: value})
    except HarnessError as error:
        raise HarnessError(error.message, file=file_name, field=where) from None
    return replace(target, limits={**target.limits, key: value})


# Each key a [targets.<name>] table may hold, and how it is read into the target's settings
# (a sub-table, such as the target's credentials, is one more entry).
TargetKeyReader = Callable[
    [TargetSettings, str, Any, str | None, str, Mapping[str, str]], TargetSettings
]


def _auth(
    target: TargetSettings,
    key: str,
    value: Any,
    file_name: str | None,
    where: str,
    env: Mapping[str, str],
) -> TargetSettings:
    """`[targets.<name>.auth]`: `provider` and its options (strings; `${VAR}` kept as written)."""
    if not isinstance(value, Mapping):
        raise HarnessError('must be a table with provider = "..."', file=file_name, field=where)
    provider = value.get("provider")
    if not isinstance(provider, str) or not provider:
        raise HarnessError("must name a provider", file=file_name, field=f"{where}.provider")
    options = {}
    for name, option in value.items():
        if name == "provider":
            continue
        if isinstance(option, bool) or not isinstance(option, str | int | float):
            raise HarnessError(
                "must be a string or a number", file=file_name, field=f"{where}.{name}"
            )
        options[str(name)] = str(option)
    located = f"{file_name}: {where}" if file_name else where
    return replace(target, auth=AuthSettings(provider, options, located))


def _tls(
    target: TargetSettings,
    key: str,
    value: Any,
    file_name: str | None,
    where: str,
    env: Mapping[str, str],
) -> TargetSettings:
    """`[targets.<name>.tls]`: `cert`, `key` and `ca` files (relative to the settings file)."""
    if not isinstance(value, Mapping):
        raise HarnessError('must be a table with cert = "..."', file=file_name, field=where)
    unknown = sorted(set(value) - {"cert", "key", "ca"})
    if unknown:
        raise HarnessError(
            "unknown key (expected cert, key, ca)", file=file_name, field=f"{where}.{unknown[0]}"
        )
    base = Path(file_name).parent if file_name else Path.cwd()
    files: dict[str, str | None] = {}
    for name in ("cert", "key", "ca"):
        raw = value.get(name)
        if raw is None:
            files[name] = None
            continue
        if not isinstance(raw, str):
            raise HarnessError("must be a file name", file=file_name, field=f"{where}.{name}")
        path = Path(substitute(raw, env, file_name, f"{where}.{name}"))
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            raise HarnessError(f"no such file: {path}", file=file_name, field=f"{where}.{name}")
        files[name] = str(path)
    if files["cert"] is None:
        raise HarnessError(
            "names the client certificate file", file=file_name, field=f"{where}.cert"
        )
    return replace(target, tls=ClientTls(files["cert"] or "", files["key"], files["ca"]))


TARGET_KEYS: dict[str, TargetKeyReader] = {
    **dict.fromkeys(LIMIT_KEYS, _limit),
    "auth": _auth,
    "tls": _tls,
}


def host_port(value: str, flag: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:PORT` for IPv6; PORT 0 picks a free one), or a usage error."""
    host, separator, port = value.rpartition(":")
    host = host.strip("[]")
    if not separator or not host or not port.isdigit() or int(port) > 65535:
        raise HarnessError(f"expected HOST:PORT (e.g. 127.0.0.1:8090), got {value!r}", field=flag)
    return host, int(port)
