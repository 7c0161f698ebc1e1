"""One root for every error Rekindle reports to a person, and the exit code each one maps to.

Code below the CLI raises these; `engine.cli.app` catches `RekindleError` once, prints its message (and any
located diagnostics) to stderr and exits with `exit_code`. No command maps errors to exit codes by hand.

The tree (like httpx's exception hierarchy, each leaf says what the user can do about it)::

    RekindleError                      exit 1 unless a subclass says otherwise
    ├── InvalidInput                   exit 1: the user's files or input are wrong; fixing them fixes it
    │   ├── ProjectInvalid             rules, segments, config or templates have errors (engine.project)
    │   ├── ConfigError                a store or backend setting cannot be used (engine.store, engine.delivery)
    │   ├── SegmentError               a segment reference cannot be resolved (engine.conditions.segment)
    │   ├── TokenError                 an unsubscribe token is forged, altered or unreadable
    │   ├── MissingSecret              a required secret is not in the environment
    │   ├── CustomerNotFound           no customer with that id (engine.explain)
    │   └── UnreadableFile             an import file cannot be read (engine.importer)
    ├── UsageError                     exit 2: the command line names something that does not exist
    ├── PermanentFailure               exit 1: work failed and retrying will not help
    │   ├── WorkFailed                 renders, deliveries or rule tests failed; the command's report says which
    │   └── StoreNotReady              the store's schema is not current (run `rekindle db upgrade`)
    ├── StoreError                     exit 1, or 3 when the database did not answer (engine.store.connect)
    └── Unavailable                    exit 3: a required service is unreachable; the work is kept, retry later

Errors that are not meant for a person (programming errors) are not RekindleErrors and keep their traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.diagnostics import Diagnostic


class ExitCode(IntEnum):
    """Exit codes shared by every command (docs/cli.md). Schedulers and CI act on these; they never change."""

    OK = 0
    #: Invalid rules/config/input, or some work failed permanently (e.g. a delivery rejected with 5xx).
    FAILED = 1
    #: Bad command-line usage (Click/Typer's own convention).
    USAGE = 2
    #: A required service was unreachable (store or SMTP down); the work is kept for the next run.
    UNAVAILABLE = 3


class RekindleError(Exception):
    """An error meant for the person running Rekindle: a one-line message, optional located diagnostics, and
    the exit code a scheduler or CI acts on."""

    #: A class default; an instance may narrow it (a store error is 3 when the database did not answer).
    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str = "", diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        #: One line for stderr; empty when the command has already reported the outcome in its own format.
        self.message = message
        self.diagnostics: list[Diagnostic] = list(diagnostics)


class InvalidInput(RekindleError):
    """The user's files or input are wrong; fixing them fixes it (exit 1)."""


class UsageError(RekindleError):
    """The command line names something that does not exist (exit 2)."""

    exit_code = ExitCode.USAGE


class PermanentFailure(RekindleError):
    """Work failed and retrying will not help until someone acts (exit 1)."""


class WorkFailed(PermanentFailure):
    """Some of the command's work failed (a render, a delivery, a rule test); its report already says which."""


class Unavailable(RekindleError):
    """A required service is unreachable; nothing was lost and a later run will do the work (exit 3)."""

    exit_code = ExitCode.UNAVAILABLE
