"""Kept for importers: database URLs live in :mod:`redactor.urls` (one ``urls`` module)."""

from __future__ import annotations

from redactor.urls import SECRET_PARAMS, DbUrl, Engine, parse_url, redact_url, scrub_secrets

__all__ = ["SECRET_PARAMS", "DbUrl", "Engine", "parse_url", "redact_url", "scrub_secrets"]
