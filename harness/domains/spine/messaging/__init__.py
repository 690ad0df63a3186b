"""The Spine's messaging, as the harness observes it: the MHS's deliveries to a consumer's
endpoint (`mhs`) and MESH's inboxes (`mesh`)."""

from __future__ import annotations

from harness.domains.spine.messaging.mesh import MeshInboxProfile
from harness.domains.spine.messaging.mhs import MhsProfile

__all__ = ["MeshInboxProfile", "MhsProfile"]
