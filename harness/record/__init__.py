"""Producing contracts: scenarios and generated traffic sent twice to the legacy target, the noise
learned from the two answers, secrets redacted, one contract per service; also the recording
proxy and HAR import/export.
"""
