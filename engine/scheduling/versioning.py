"""What happens to a customer mid-sequence when their campaign was edited (its version changed).

`on_change` in the campaign decides:
- continue: stay enrolled on the new steps. The pending step is found again by its id; if that id was
  removed, the customer continues at the step that now occupies the removed step's position (the next existing
  step), and completes when there is none. Steps already delivered are never sent again: the delivery ledger is
  unique per enrolment and step id.
- restart: the current enrolment ends (end_reason `version_restart`) and a new one starts at step 1 now.
- exit: the enrolment ends as exited (end_reason `version_changed`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, case


def continue_position(step_ids: Sequence[str], pending_step_id: str | None, pending_index: int) -> int:
    """Index into the new steps where a `continue` customer resumes; == len(step_ids) means completed."""
    if pending_step_id is not None and pending_step_id in step_ids:
        return list(step_ids).index(pending_step_id)
    return min(pending_index, len(step_ids))


def continue_position_sql(
    step_ids: Sequence[str], pending_step_id: ColumnElement[str], pending_index: ColumnElement[int]
) -> ColumnElement[int]:
    """`continue_position` as one SQL expression, so a campaign edit moves every customer in one UPDATE."""
    count = len(step_ids)
    clamped = case((pending_index > count, count), else_=pending_index)
    return case({step_id: index for index, step_id in enumerate(step_ids)}, value=pending_step_id, else_=clamped)
