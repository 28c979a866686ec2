"""Errors the user sees. The CLI turns them into one line and exit code 2; the API into a
4xx/503 with a JSON `detail`. Each message says what to do."""

from __future__ import annotations

from index.store import IndexUnavailable, NoIndex


class TalentHubError(Exception):
    """Base for errors caused by input or state the user can fix."""


class InvalidInput(TalentHubError, ValueError):
    """Empty or oversized question, unknown stakeholder or phase, malformed history."""


class LLMUnavailable(TalentHubError):
    """The configured LLM failed; the caller falls back to the extractive answer."""


__all__ = ["IndexUnavailable", "InvalidInput", "LLMUnavailable", "NoIndex", "TalentHubError"]
