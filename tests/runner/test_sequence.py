"""The per-enrolment state machine, step by step, without a database."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from engine.config.model import FrequencyCap
from engine.rules.model import build_campaign
from engine.runner.options import Budget
from engine.runner.sequence import Pending, advance
from engine.timeutil import parse_instant as at

NOW = at("2026-11-23T10:00:00Z")  # a Monday
THREE_STEPS = build_campaign(
    {
        "id": "c",
        "audience": {"subscribed": True},
        "steps": [
            {"id": "a", "template": "t/a"},
            {"id": "b", "template": "t/b", "wait": "3d"},
            {"id": "c", "template": "t/c", "wait": "7d", "when": {"attribute": {"name": "plan", "eq": "pro"}}},
        ],
    }
)


def kinds(outcome):
    return [(step, decision) for step, decision, _reason, _details in outcome.decisions]


def test_queues_the_due_step_and_schedules_the_next_from_now():
    out = advance(THREE_STEPS, Pending(step_index=0), NOW)
    assert kinds(out) == [("a", "queued")]
    assert (out.step_index, out.due_at, out.status) == (1, NOW + timedelta(days=3), "active")


def test_false_when_skips_and_the_last_step_completes():
    out = advance(THREE_STEPS, Pending(step_index=2, when={2: False}), NOW)
    assert kinds(out) == [("c", "skipped_condition"), (None, "completed")]
    assert (out.status, out.due_at) == ("completed", None)


def test_steps_due_immediately_chain_within_one_tick():
    campaign = build_campaign(
        {"id": "c", "audience": {"subscribed": True},
         "steps": [{"id": "a", "template": "t", "when": {"subscribed": False}}, {"id": "b", "template": "t"}]}
    )
    out = advance(campaign, Pending(step_index=0, when={0: False}), NOW)
    assert kinds(out) == [("a", "skipped_condition"), ("b", "queued"), (None, "completed")]


def test_control_group_is_never_mailed_but_moves_on():
    out = advance(THREE_STEPS, Pending(step_index=0, holdout=True), NOW)
    assert kinds(out) == [] and out.step_index == 1 and out.due_at == NOW + timedelta(days=3)


def test_suppressed_customer_exits():
    out = advance(THREE_STEPS, Pending(step_index=1, suppressed=True), NOW)
    assert kinds(out) == [("b", "suppressed")] and (out.status, out.end_reason) == ("exited", "suppressed")


def test_window_defers_to_the_next_opening_in_local_time():
    windowed = build_campaign(
        {"id": "w", "audience": {"subscribed": True}, "steps": [{"id": "a", "template": "t"}],
         "send_window": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}}
    )
    # 10:00 UTC is 19:00 in Tokyo: deferred to Tuesday 09:00 Tokyo (00:00 UTC).
    out = advance(windowed, Pending(step_index=0, zone=ZoneInfo("Asia/Tokyo")), NOW)
    assert kinds(out) == [("a", "deferred_window")]
    assert out.due_at == at("2026-11-24T00:00:00Z") and out.step_index == 0
    assert out.decisions[0][3] == {"until": "2026-11-24T00:00:00Z", "timezone": "Asia/Tokyo"}


def test_capped_step_waits_for_the_cap_to_release():
    cap = FrequencyCap(max=1, per=timedelta(days=7))
    out = advance(THREE_STEPS, Pending(step_index=0, recent=[NOW - timedelta(days=2)]), NOW, [cap])
    assert kinds(out) == [("a", "capped")]
    assert out.due_at == NOW + timedelta(days=5) and out.step_index == 0


def test_the_run_limit_leaves_the_step_due_without_a_decision():
    budget = Budget(0)
    out = advance(THREE_STEPS, Pending(step_index=0), NOW, budget=budget)
    assert out.stalled and kinds(out) == [] and out.step_index == 0 and out.due_at == NOW
