"""Configuration: layered settings and the gate policy file."""

from harness.config.policy import load_policy
from harness.config.settings import Settings, find_config, load_settings, substitute

__all__ = ["Settings", "find_config", "load_policy", "load_settings", "substitute"]
