"""Failures that someone has to act on, shown where an operator looks: stderr, one line each, capped.

    report([Failure("render", "c0042", "welcome", "hello", "templates/welcome/hello.html:3", "undefined ...")],
           total=57)

prints (text) `error: render failed: customer c0042, welcome/hello, templates/welcome/hello.html:3: ...`
for the first `CAP` and `... and 56 more`; with `--log-format json` each is a JSON line (`event`
`render.failed` or `delivery.failed`, with the customer, campaign, step, where, reason and the bound run id).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TextIO

from engine.observability.logs import current_format

CAP = 20
"""At most this many failures are printed per command; the rest is a count (all are in the store)."""

log = logging.getLogger("rekindle.failures")


@dataclass(frozen=True)
class Failure:
    kind: str
    """`render` (the email could not be built), `delivery` (the relay refused it or it was given up) or
    `campaign` (the database refused the campaign's SQL: no customer or step, engine/runner/isolation.py)."""
    customer: str
    campaign: str
    step: str
    where: str
    """`file:line` to look at: the template line for a render, the rule file's step for a delivery."""
    reason: str

    def line(self) -> str:
        customer = f"customer {self.customer}, " if self.customer else ""
        step = f"/{self.step}" if self.step else ""
        where = f", {self.where}" if self.where else ""
        return f"{self.kind} failed: {customer}{self.campaign}{step}{where}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def report(failures: Sequence[Failure], total: int | None = None, stream: TextIO | None = None) -> None:
    """Print the first CAP of `failures` (out of `total`, default their number) and how many more there are."""
    total = len(failures) if total is None else total
    shown = list(failures[:CAP])
    hidden = total - len(shown)
    if current_format() == "json":
        for failure in shown:
            log.error(failure.line(), extra={"event": f"{failure.kind}.failed", **failure.as_dict()})
        if hidden > 0:
            log.error(f"and {hidden} more failures", extra={"event": "failures.more", "count": hidden})
        return
    stream = stream or sys.stderr
    for failure in shown:
        print(f"error: {failure.line()}", file=stream)
    if hidden > 0:
        print(f"error: ... and {hidden} more failures (`rekindle status`, `rekindle history`)", file=stream)
