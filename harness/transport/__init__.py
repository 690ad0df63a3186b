"""Transports: the one seam between the harness and anything that answers HTTP."""

from harness.transport.base import Transport, TransportError

__all__ = ["Transport", "TransportError"]
