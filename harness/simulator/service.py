"""What a simulated service contributes to the app: routes and its part of the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute


@dataclass
class Service:
    name: str  # the service tag: pds, sds, eps, ...
    base_path: str  # e.g. /personal-demographics/FHIR/R4
    routes: list[BaseRoute]
    # OpenAPI `paths` with full paths (base path included), each operation tagged with `name`.
    openapi_paths: dict[str, Any]
    openapi_components: dict[str, Any] = field(default_factory=dict)
    description: str = ""
