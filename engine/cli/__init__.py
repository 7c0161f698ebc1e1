"""The `rekindle` command line: a thin Typer layer over the engine's packages."""
