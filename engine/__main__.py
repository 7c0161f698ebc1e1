"""Allows `python -m engine` as a synonym of the `rekindle` console script."""

from engine.cli.app import main

main()
