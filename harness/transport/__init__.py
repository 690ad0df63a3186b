"""Transports: the one seam between the harness and anything that answers HTTP."""

from harness.transport.base import Transport, TransportError
from harness.transport.http1 import ClientTls
from harness.transport.limits import AnswerLimits
from harness.transport.signed import RequestSigner, SignedTransport, TargetAccess, connect

__all__ = [
    "AnswerLimits",
    "ClientTls",
    "RequestSigner",
    "SignedTransport",
    "TargetAccess",
    "Transport",
    "TransportError",
    "connect",
]
