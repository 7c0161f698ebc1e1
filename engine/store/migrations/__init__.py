"""Alembic migrations of the store, shipped inside the package so `rekindle db upgrade` works from any folder."""
