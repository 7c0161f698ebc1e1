"""Store snapshots for CI (`rekindle snapshot export|load`): a masked, sampled copy of a real store, so a pull
request's plan shows real audience sizes and mid-sequence impact without exposing personal data."""

from engine.snapshot.export import ExportCounts, export_snapshot
from engine.snapshot.load import SnapshotInvalid, load_snapshot

__all__ = ["ExportCounts", "SnapshotInvalid", "export_snapshot", "load_snapshot"]
