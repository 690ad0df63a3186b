"""MESH API versions, chosen by the `Accept` header as the specification describes.

`application/vnd.mesh.v2+json` asks for version 2; `application/json`,
`application/vnd.mesh.v1+json`, anything else or nothing is version 1. A `vnd.mesh` media type
that is not `application/vnd.mesh.v<N>+json` is refused (400).
"""

from __future__ import annotations

import re

V1_JSON = "application/json"
V2_JSON = "application/vnd.mesh.v2+json"
MAX_VERSION = 2
_MESH_MEDIA_TYPE = re.compile(r"^application/vnd\.mesh\.v(\d+)\+json$")


class BadAccept(ValueError):
    pass


def accepted_version(accept: str | None) -> int:
    for item in (accept or "").split(","):
        media_type = item.split(";", 1)[0].strip().lower()
        if "vnd.mesh" not in media_type:
            continue
        found = _MESH_MEDIA_TYPE.match(media_type)
        if not found or int(found.group(1)) < 1:
            raise BadAccept(f"Accept header api format incorrect: {media_type!r}")
        return min(int(found.group(1)), MAX_VERSION)
    return 1


def json_media_type(version: int) -> str:
    return V2_JSON if version >= 2 else V1_JSON
