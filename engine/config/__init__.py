"""The project config `rekindle.yaml`: schema validation, ${ENV} interpolation, and the typed Config."""
