"""Importing customers and events from CSV or JSON Lines files into the store, streamed in batches.

`source` reads rows with their line numbers, `values` checks and types single values, `columns` holds the
column contract, `customers` and `events` turn rows into records and write batches, `run` drives the batches in
one transaction, and `report` collects what was imported and what was rejected (I4xx diagnostics).
Entry point: `engine.importer.run.import_file`.
"""
