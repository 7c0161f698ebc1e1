"""Observability: structured logs that commands emit (text for people, JSON lines for machines)."""
