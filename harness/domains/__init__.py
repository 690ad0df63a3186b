"""Domain packs: what the harness knows about one domain, behind one Protocol.

The generic layers (scenario, generation, recording, reports, the pytest plugin) work for any
HTTP service. What only makes sense for one domain (its identifiers and their check digits,
realistic requests for its operations, its stateful workflows, how to pseudonymise its
identifiers, its pytest markers and severities) comes from packs. A pack is any object that
implements `DomainPack`, published under the entry-point group `harness.domains`:

    [project.entry-points."harness.domains"]
    library = "library_harness:pack"

The built-in Spine pack (`harness.domains.spine`) is loaded through that same entry point, the
way pytest-xdist's built-in schedulers use its own hook. Every installed pack is loaded, once
per process, on first use (`packs()`); nothing domain-specific is imported before then.

A pack may subclass `DomainPack` to inherit its empty defaults and implement only what it has.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from harness.errors import HarnessError

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from harness.core.exchange import Exchange
    from harness.core.shapes import Shape
    from harness.core.template import Builtin
    from harness.domains.messaging import MessagingProfile

ENTRY_POINT_GROUP = "harness.domains"
T = TypeVar("T")
TemplateData = dict[str, Any]  # a template in its stored form, as strategies draw it


@dataclass(frozen=True, slots=True)
class Identifier:
    """A kind of identifier a domain's requests carry (an NHS number): how to find one in a
    request's text, and what other values to try in its place when varying a recorded request
    (values that exist, near misses, fresh valid ones)."""

    name: str
    pattern: re.Pattern[str]
    alternatives: SearchStrategy[str]


@dataclass(frozen=True, slots=True)
class Pseudonymiser:
    """A format-preserving pseudonym for one kind of value: `matches(value)` says whether the
    value is of this kind; `pseudonym(stream)` builds one from a keyed stream of bytes (the same
    value and key give the same stream), e.g. a valid NHS number for an NHS number."""

    name: str
    matches: Callable[[str], bool]
    pseudonym: Callable[[Iterator[int]], str]


@runtime_checkable
class DomainPack(Protocol):
    """What a domain brings. Every method has an empty default; `name` is required."""

    name: str

    def builtins(self) -> Sequence[Builtin]:
        """`{{$name}}` placeholders: fresh values per send (e.g. a valid prescription id)."""
        return ()

    def interface_strategies(
        self, document: Mapping[str, Any]
    ) -> Mapping[str, SearchStrategy[TemplateData]]:
        """Realistic requests per operationId of an interface, from the document alone (used
        when recording generated traffic: valid identifiers, plausible names)."""
        return {}

    def recorded_strategies(
        self, document: Mapping[str, Any], recorded: Iterable[Exchange]
    ) -> Mapping[str, SearchStrategy[TemplateData]]:
        """Requests per operationId built from what the recordings show exists (records that
        can be read, searched for by their own attributes), used by rehearsal generation.
        `recorded` streams the contract's exchanges once."""
        return {}

    def identifiers(self, recorded: Iterable[Exchange]) -> Sequence[Identifier]:
        """Identifier kinds to vary in recorded requests (see `Identifier`); `recorded` streams
        the contract's exchanges once."""
        return ()

    def workflows(self, service: str, document: Mapping[str, Any]) -> Sequence[type[Any]]:
        """Stateful workflows for a contract (`harness.generation.stateful.ScriptMachine`
        subclasses) when its interface has the operations they drive."""
        return ()

    def pseudonymisers(self) -> Sequence[Pseudonymiser]:
        return ()

    def shapes(self) -> Sequence[Shape]:
        """Kinds of allocated values (`harness.core.shapes.Shape`: an NHS number with its check
        digit), tried before the generic ones: two targets' allocated values are compared by
        shape, not by value."""
        return ()

    def signers(self) -> Mapping[str, Callable[..., Any]]:
        """Per-request signing schemes by name (`[targets.<name>.auth] provider = "<name>"`):
        each a factory `(options: harness.auth.Options) -> harness.transport.RequestSigner`."""
        return {}

    def markers(self) -> Mapping[str, str]:
        """pytest markers (name -> description) registered by the harness's pytest plugin."""
        return {}

    def messaging(self) -> Sequence[MessagingProfile]:
        """How the domain's asynchronous exchanges are correlated with the later messages they
        cause, and how those are received or polled (`harness.domains.messaging`)."""
        return ()

    def severities(self) -> Mapping[str, str]:
        """Default Allure severity per operationId (a policy's `severity` overrides it)."""
        return {}


@functools.cache
def packs() -> tuple[DomainPack, ...]:
    """Every installed domain pack, by entry-point name; loaded once per process."""
    loaded: list[DomainPack] = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            found = point.load()
        except Exception as error:  # a third party's import error: say whose
            raise HarnessError(
                f"cannot load domain pack {point.name!r} ({point.value}): "
                f"{type(error).__name__}: {error}",
                field=f"entry point {ENTRY_POINT_GROUP}",
            ) from error
        pack = found() if isinstance(found, type) else found
        if not isinstance(pack, DomainPack) or not isinstance(getattr(pack, "name", None), str):
            raise HarnessError(
                f"domain pack {point.name!r} ({point.value}) is not a DomainPack "
                "(it needs a `name` and the DomainPack methods)",
                field=f"entry point {ENTRY_POINT_GROUP}",
            )
        loaded.append(pack)
    return tuple(loaded)


def merged(part: Callable[[DomainPack], Mapping[str, T]]) -> dict[str, T]:
    """One part of every pack, by name: the first pack (in entry-point name order) to name a
    key wins (`merged(lambda pack: pack.severities())`)."""
    found: dict[str, T] = {}
    for pack in packs():
        for key, value in part(pack).items():
            found.setdefault(key, value)
    return found


def distinct(
    part: Callable[[DomainPack], Iterable[T]],
    name_of: Callable[[T], str],
    what: str,
    own: Iterable[T] = (),
) -> list[T]:
    """The harness's `own` items, then every pack's, refusing a name given twice (naming both
    owners): `distinct(lambda pack: pack.builtins(), lambda b: b.name, "built-in placeholder")`."""
    found: list[T] = list(own)
    owners = {name_of(item): "the harness" for item in found}
    for pack in packs():
        for item in part(pack):
            name = name_of(item)
            if name in owners:
                raise HarnessError(
                    f"{what} {name!r} is defined by both {owners[name]} and the domain pack "
                    f"{pack.name!r}"
                )
            owners[name] = f"the domain pack {pack.name!r}"
            found.append(item)
    return found


def severities() -> dict[str, str]:
    """Every pack's default Allure severity per operationId."""
    return merged(lambda pack: pack.severities())


def markers() -> dict[str, str]:
    """Every pack's pytest markers (name -> description)."""
    return merged(lambda pack: pack.markers())


def messaging_profiles() -> tuple[MessagingProfile, ...]:
    """Every pack's messaging profiles; two that name one channel are refused, naming it."""
    found: dict[str, tuple[str, MessagingProfile]] = {}
    for pack in packs():
        for profile in pack.messaging():
            if profile.channel in found:
                raise HarnessError(
                    f"the messaging channel {profile.channel!r} is defined by both "
                    f"{found[profile.channel][0]!r} and {pack.name!r}",
                    field=f"entry point {ENTRY_POINT_GROUP}",
                )
            found[profile.channel] = (pack.name, profile)
    return tuple(profile for _, profile in found.values())


__all__ = [
    "ENTRY_POINT_GROUP",
    "DomainPack",
    "Identifier",
    "Pseudonymiser",
    "TemplateData",
    "distinct",
    "markers",
    "merged",
    "messaging_profiles",
    "packs",
    "severities",
]
