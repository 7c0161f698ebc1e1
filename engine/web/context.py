"""What every route needs: the project, the store, the secrets read from the environment, and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine

from engine.project import Project


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class WebContext:
    project: Project
    store: Engine
    #: The unsubscribe secret: verifies unsubscribe and preference tokens, and (derived) click tokens.
    secret: bytes
    #: The bearer token /v1 requires; None while its environment variable is unset (then /v1 answers 503).
    api_token: str | None
    clock: Callable[[], datetime] = wall_clock
    #: The git commit of the rules the server loaded at start: what enrolments on arrival are stamped with.
    rules_commit: str | None = None

    @property
    def categories(self) -> list[str]:
        """Every category a campaign of the project declares, sorted: the choices of the preference page."""
        return sorted({c.category for c in self.project.campaigns if c.category})
