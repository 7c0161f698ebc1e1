"""Rekindle: lifecycle campaigns as YAML rules, audiences as SQL, emails from sandboxed Jinja templates."""

__version__ = "0.1.0"
