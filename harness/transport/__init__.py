"""Transports: the one seam between the harness and anything that answers HTTP."""

from harness.transport.base import Transport, TransportError
from harness.transport.limits import AnswerLimits

__all__ = ["AnswerLimits", "Transport", "TransportError"]
