"""The customer store and the engine's own state, in any SQLAlchemy database (SQLite by default)."""
