"""A reset command a team would keep beside its scenarios: on the PDS target given as the only
argument, every patient registered as Quill Strayworth (born 2023-05-06) is renamed, so that
registering Quill Strayworth again is a new registration (201), not a duplicate (200)."""

from __future__ import annotations

import sys
import uuid

import httpx

BASE = "/personal-demographics/FHIR/R4"
SEARCH = {"family": "Strayworth", "given": "Quill", "birthdate": "eq2023-05-06",
          "_max-results": "50"}  # fmt: skip


def headers(**extra: str) -> dict[str, str]:
    return {"X-Request-ID": str(uuid.uuid4()), "NHSD-Session-URID": "555254242106", **extra}


def main(target: str) -> int:
    with httpx.Client(base_url=target.rstrip("/") + BASE, timeout=30) as client:
        found = client.get("/Patient", params=SEARCH, headers=headers())
        found.raise_for_status()
        for entry in found.json().get("entry") or []:
            nhs = entry["resource"]["id"]
            etag = client.get(f"/Patient/{nhs}", headers=headers()).headers["etag"]
            renamed = client.patch(
                f"/Patient/{nhs}",
                headers=headers(
                    **{"If-Match": etag, "Content-Type": "application/json-patch+json"}
                ),
                json={
                    "patches": [{"op": "replace", "path": "/name/0/family", "value": f"Reset{nhs}"}]
                },
            )
            renamed.raise_for_status()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
