"""What happened and what needs attention, read from the store: `rekindle status` and `rekindle history`."""
