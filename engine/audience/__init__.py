"""Audiences: which customers a campaign's audience condition selects, as one streamed SQL query."""

from engine.audience.query import (
    audience_condition,
    audience_context,
    audience_query,
    count_query,
    iter_audience,
    members_query,
)

__all__ = [
    "audience_condition", "audience_context", "audience_query", "count_query", "iter_audience", "members_query",
]
