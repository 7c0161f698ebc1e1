"""Exit codes shared by every command, documented in docs/cli.md.

Schedulers and CI act on these, so they never change meaning.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: Invalid rules/config/input, or some work failed permanently (e.g. a delivery rejected with 5xx).
    FAILED = 1
    #: Bad command-line usage (Click/Typer's own convention).
    USAGE = 2
    #: A required service was unreachable (SMTP down); the work is kept for the next run.
    UNAVAILABLE = 3
