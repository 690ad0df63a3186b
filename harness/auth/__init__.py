"""Credentials per target, made per request and never stored: the auth providers.

`[targets.<name>.auth]` in harness.toml (or `--<target>-auth PROVIDER:key=value,...`) names a
provider and its options; `${VAR}` in an option is read from the environment when the provider
is built. Built in: `header` (a static header, today's `${VAR}`), `basic` (HTTP basic),
`oauth2` (client credentials) and `jwt` (a signed-JWT client assertion, RS512). Domain packs
add per-request signing schemes (`DomainPack.signers()`: the Spine pack's `mesh`); a custom
scheme is an entry point of the group `harness.auth`, a factory `(Options) -> RequestSigner`.

Each target's transport asks its provider before every send (`harness.transport.SignedTransport`),
so recordings keep only a `${VAR}` placeholder (or nothing) where credentials went, and replay
needs no stored credential.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import entry_points
from typing import Any

from harness.auth.options import Options
from harness.auth.static import Basic, StaticHeader
from harness.auth.tokens import ClientCredentials, JwtAssertion
from harness.config.settings import AuthSettings, Settings
from harness.errors import HarnessError
from harness.transport.signed import RequestSigner, TargetAccess

ENTRY_POINT_GROUP = "harness.auth"
Factory = Callable[[Options], Any]
BUILT_IN: dict[str, Factory] = {
    "header": StaticHeader,
    "basic": Basic,
    "oauth2": ClientCredentials,
    "jwt": JwtAssertion,
}


def providers() -> dict[str, Factory]:
    """Every provider by name: the built-ins, the domain packs' schemes, the entry points."""
    from harness.domains import packs

    found = dict(BUILT_IN)
    for pack in packs():
        for name, factory in pack.signers().items():
            found.setdefault(name, factory)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, _loaded(point.name, point.load))
    return found


def _loaded(name: str, load: Callable[[], Any]) -> Factory:
    """An entry point's factory, imported when first used (its import error names it)."""

    def factory(options: Options) -> Any:
        try:
            made = load()
        except Exception as error:
            raise HarnessError(
                f"cannot load auth provider {name!r}: {type(error).__name__}: {error}",
                field=f"entry point {ENTRY_POINT_GROUP}",
            ) from error
        return made(options)

    return factory


def signer_for(auth: AuthSettings, environ: Mapping[str, str] | None = None) -> RequestSigner:
    """The provider `auth` names, built with its options (errors name the table and key)."""
    known = providers()
    factory = known.get(auth.provider)
    where = auth.where or "auth"
    if factory is None:
        raise HarnessError(
            f"unknown auth provider {auth.provider!r} (known: {', '.join(sorted(known))})",
            field=f"{where}.provider",
        )
    options = Options(auth.provider, auth.options, where, environ)
    signer = factory(options)
    options.check_unknown()
    if not isinstance(signer, RequestSigner):
        raise HarnessError(
            f"auth provider {auth.provider!r} gave no RequestSigner (provides, sign, aclose)",
            field=f"{where}.provider",
        )
    return signer


def signers_for(
    settings: Settings,
    names: Iterable[str] = ("candidate", "legacy", "twin"),
    environ: Mapping[str, str] | None = None,
) -> dict[str, RequestSigner]:
    """The signer of each named target that has `[targets.<name>.auth]`."""
    found = {}
    for name in names:
        auth = settings.target(name).auth
        if auth is not None:
            found[name] = signer_for(auth, environ)
    return found


def access_for(
    settings: Settings,
    names: Iterable[str] = ("candidate", "legacy", "twin"),
    environ: Mapping[str, str] | None = None,
) -> dict[str, TargetAccess]:
    """How each named target is reached: its provider (built now) and its client certificate."""
    signers = signers_for(settings, names, environ)
    return {
        name: TargetAccess(signers.get(name), settings.target(name).tls)
        for name in names
        if name in signers or settings.target(name).tls is not None
    }


__all__ = [
    "BUILT_IN",
    "ENTRY_POINT_GROUP",
    "Options",
    "access_for",
    "providers",
    "signer_for",
    "signers_for",
]
