"""`rekindle plan`: what the next run would do, per campaign and step, plus what campaign edits would do to
customers mid-sequence. A dry run that is rolled back, formatted for terminals, tools and pull requests."""
