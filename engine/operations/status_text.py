"""`rekindle status` for a person: attention first, then each section as a few aligned lines."""

from __future__ import annotations

from engine.operations.status import Status


def render(status: Status) -> str:
    lines = [f"Status at {status.now.isoformat()}Z"]
    if status.attention:
        lines.append("NEEDS ATTENTION:")
        lines += [f"  - {note}" for note in status.attention]
    else:
        lines.append("All is well.")
    store = status.store
    lines.append("store: " + ("reachable" if store.get("reachable") and "error" not in store
                              else f"NOT USABLE: {store.get('error')}"))
    if status.relay is not None:
        relay = status.relay
        lines.append(f"relay: {relay['backend']} " + ("reachable" if relay["reachable"]
                                                     else f"UNREACHABLE: {relay['error']}"))
    if "reachable" in store and "error" in store:
        return "\n".join(lines)
    lines.append("last runs:")
    for run in status.runs or [{}]:
        if not run:
            lines.append("  (none yet)")
            break
        totals = ", ".join(f"{k} {v}" for k, v in run["totals"].items()) or "nothing to do"
        sent = run["delivery"]
        delivery = (f"; sent {sent['sent']}, failed {sent['failed']}, deferred {sent['deferred']}"
                    + (", relay unreachable" if sent.get("unavailable") else "")) if sent else ""
        took = f" in {run['duration_seconds']}s" if run["duration_seconds"] is not None else ""
        lines.append(f"  run {run['id']} {run['status']:<8} started {run['started_at']}{took}: {totals}{delivery}"
                     + (f" (error: {run['error']})" if run.get("error") else ""))
    outbox = status.outbox
    counts = ", ".join(f"{k} {v}" for k, v in sorted(outbox["by_status"].items())) or "empty"
    lines.append(f"outbox: {counts}; held (paused or disabled) {outbox['held']}")
    if outbox["oldest_due_since"]:
        lines.append(f"  oldest due, unsent: since {outbox['oldest_due_since']} "
                     f"({_age(outbox['oldest_due_age_seconds'])})")
    lines.append("failures:" + ("" if status.failures else " none"))
    for group in status.failures:
        lines.append(f"  {group['count']:>6} {group['kind']:<8} {group['campaign']}: {group['reason']} "
                     f"(latest {group['latest']})")
    lines.append("paused:" + ("" if status.paused else " none"))
    for pause in status.paused:
        who = f" by {pause['by']} since {pause['since']}" if pause["by"] else ""
        lines.append(f"  {'every campaign' if pause['campaign'] == '*' else pause['campaign']}{who}: {pause['reason']}")
    lines.append("long-deferred steps:" + ("" if status.deferred else " none"))
    for step in status.deferred:
        lines.append(f"  {step['campaign']}/{step['step']}: {step['enrolments']} enrolments since "
                     f"{step['deferred_since']}")
    return "\n".join(lines)


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds}s"
