"""A provider's options as written in `[targets.<name>.auth]`, read with `${VAR}` filled in.

Secrets are named by environment variable (`password = "${MESH_PASSWORD}"`) and read when the
provider is built, so no file holds them; a missing option or variable is a `HarnessError`
naming the table and the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from harness.errors import HarnessError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Options:
    def __init__(
        self,
        provider: str,
        options: Mapping[str, str],
        where: str,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.provider = provider
        self.raw = dict(options)
        self.where = where or "auth"
        self.environ = os.environ if environ is None else environ
        self.used: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:
        self.used.add(key)
        raw = self.raw.get(key)
        if raw is None:
            return default

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.environ:
                raise HarnessError(
                    f"environment variable {name} is not set (provider {self.provider})",
                    field=f"{self.where}.{key}",
                )
            return self.environ[name]

        return _ENV.sub(value, raw)

    def require(self, key: str) -> str:
        found = self.get(key)
        if found is None or found == "":
            raise HarnessError(
                f"the {self.provider} provider needs `{key}`", field=f"{self.where}.{key}"
            )
        return found

    def number(self, key: str, default: float) -> float:
        found = self.get(key)
        if found is None:
            return default
        try:
            return float(found)
        except ValueError:
            raise HarnessError("must be a number", field=f"{self.where}.{key}") from None

    def check_unknown(self) -> None:
        """Refuse an option the provider did not read (a typo must not go unnoticed)."""
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise HarnessError(
                f"unknown option for the {self.provider} provider",
                field=f"{self.where}.{unknown[0]}",
            )
