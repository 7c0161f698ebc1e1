"""One module per `rekindle` verb; each defines `register(app: typer.Typer)`."""
