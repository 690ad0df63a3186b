"""Producing contracts: scenarios and generated traffic sent twice to the legacy target, the noise
learned from the two answers, secrets redacted, one contract per service; also the recording
proxy and HAR import/export. `scenario.render_request` and `scenario.capture` are shared with the
rehearsal runner.
"""

from __future__ import annotations

from harness.record.scenario import CaptureError, capture, render_request, template_of

__all__ = ["CaptureError", "capture", "render_request", "template_of"]
