"""The plugin's settings: its `--harness-*` options over `harness.toml` (one settings model).

The same layers as every command (`harness.config.settings`): defaults, `harness.toml` or
`[tool.harness]` found from pytest's invocation directory, `HARNESS_PROFILE`, then the options.
The plugin turns contract exchanges into items only when `--harness-candidate` is given; the
other options (legacy, contracts, policy, timeout) and `[secrets]` default to the file's.
"""

from __future__ import annotations

import pytest

from harness.config.settings import Settings, load_settings
from harness.errors import HarnessError

_KEY: pytest.StashKey[Settings] = pytest.StashKey()
_OPTIONS = {
    "candidate": "harness_candidate",
    "legacy": "harness_legacy",
    "contracts": "harness_contracts",
    "policy": "harness_policy",
    "timeout": "harness_timeout",
}
_PATHS = ("contracts", "policy")


def plugin_settings(config: pytest.Config) -> Settings:
    """The settings for this pytest run (read once); bad input is a usage error."""
    found = config.stash.get(_KEY, None)
    if found is not None:
        return found
    base = config.invocation_params.dir
    flags: dict[str, object] = {}
    for key, option in _OPTIONS.items():
        value = config.getoption(option, None)
        if value is not None and key in _PATHS:
            value = base / str(value)
        flags[key] = value
    try:
        settings = load_settings(flags, start=base)
    except HarnessError as error:
        raise pytest.UsageError(f"harness: {error}") from None
    config.stash[_KEY] = settings
    return settings
