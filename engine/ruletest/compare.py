"""Expectations against observations: each disagreement as a Failure with the expected and observed lines,
formatted the same way on both sides so the difference is easy to spot (promtool's `exp:` / `got:`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.documents.paths import display_path
from engine.ruletest.golden import check_golden, golden_text
from engine.ruletest.model import ExpectedDecision, ExpectedEmail, Expectations
from engine.ruletest.runner import Observed, Recorded, SentEmail


@dataclass(frozen=True)
class Failure:
    what: str
    """What was compared: `audience of winback-90`, `emails`, `decisions`."""
    expected: list[str]
    got: list[str]


def compare(expect: Expectations, observed: Observed, *, update_snapshots: bool = False,
            written: list[str] | None = None) -> list[Failure]:
    """Every disagreement; golden-email snapshots are checked (or, with `update_snapshots`, rewritten and
    named in `written`) once the emails themselves match."""
    failures = []
    for campaign, members in (expect.audience or {}).items():
        got = observed.audience[campaign]
        if sorted(members) != got:
            failures.append(Failure(f"audience of {campaign}", sorted(members), got))
    if expect.emails is not None and not _emails_match(expect.emails, observed.emails):
        failures.append(Failure("emails", [_expected_email(e) for e in expect.emails],
                                [_sent_email(e) for e in observed.emails]))
    elif expect.emails is not None:
        failures += _golden_failures(expect.emails, observed.emails, update_snapshots,
                                     written if written is not None else [])
    missing = [d for d in expect.decisions if not any(_decision_matches(d, r) for r in observed.decisions)]
    if missing:
        concerned = {(d.customer, d.campaign) for d in missing}
        failures.append(Failure("decisions", [_expected_decision(d) for d in missing],
                                [_recorded(r) for r in observed.decisions if (r.customer, r.campaign) in concerned]))
    return failures


def _emails_match(expected: list[ExpectedEmail], sent: list[SentEmail]) -> bool:
    return len(expected) == len(sent) and all(
        (e.at, e.customer, e.campaign, e.step) == (s.at, s.customer, s.campaign, s.step)
        and (e.subject is None or e.subject == s.subject)
        for e, s in zip(expected, sent)
    )


def _golden_failures(expected: list[ExpectedEmail], sent: list[SentEmail], update: bool,
                     written: list[str]) -> list[Failure]:
    failures = []
    for want, got in zip(expected, sent):
        if want.snapshot is None or got.message is None:
            continue
        check = check_golden(want.snapshot, golden_text(got.subject, got.message), update=update)
        name = display_path(want.snapshot)
        if check.written:
            written.append(name)
        elif check.missing:
            failures.append(Failure(f"golden email {name}", ["(the file does not exist)"],
                                    ["run `rekindle test --update-snapshots` to write it"]))
        elif check.diff:
            failures.append(Failure(f"golden email {name} ({_sent_email(got)})", ["the snapshot file"],
                                    list(check.diff)))
    return failures


def _decision_matches(expected: ExpectedDecision, recorded: Recorded) -> bool:
    return (expected.customer, expected.campaign, expected.decision) == (
        recorded.customer, recorded.campaign, recorded.decision
    ) and all(want is None or want == have for want, have in (
        (expected.step, recorded.step), (expected.at, recorded.at), (expected.reason, recorded.reason)))


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _where(campaign: str, step: str | None) -> str:
    return campaign + (f"/{step}" if step else "")


def _expected_email(email: ExpectedEmail) -> str:
    subject = f'  "{email.subject}"' if email.subject is not None else ""
    return f"{iso(email.at)}  {email.customer}  {_where(email.campaign, email.step)}{subject}"


def _sent_email(email: SentEmail) -> str:
    return f'{iso(email.at)}  {email.customer}  {_where(email.campaign, email.step)}  "{email.subject}"'


def _expected_decision(decision: ExpectedDecision) -> str:
    at = iso(decision.at) if decision.at else "(any time)"
    reason = f"  ({decision.reason})" if decision.reason is not None else ""
    return f"{at}  {decision.customer}  {_where(decision.campaign, decision.step)}  {decision.decision}{reason}"


def _recorded(recorded: Recorded) -> str:
    return (f"{iso(recorded.at)}  {recorded.customer}  {_where(recorded.campaign, recorded.step)}  "
            f"{recorded.decision}  ({recorded.reason})")
