"""Rule files: loading, validation against schemas/rule.v1.json, semantic checks, and the typed model."""
