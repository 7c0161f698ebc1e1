"""Every plan warning fires on a fixture made to trigger it, and the shipped project stays quiet."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from engine.cli.app import app
from tests.scratch import EARLIER, NOW, ROOT, SECRET, cli, edit, load_store, make_repo

EVERYONE = """version: 1
id: everyone
name: Everyone at once
audience: {subscribed: true}
steps:
  - {id: hello, template: welcome/hello}
"""


def _warnings(config, *args: str) -> list[dict]:
    result = cli("plan", "--now", NOW, "--format", "json", *args, config=config)
    return json.loads(result.output)["warnings"]


def test_p501_an_audience_above_the_share_guard_warns_and_a_run_holds_it(tmp_path, store_url):
    config = make_repo(tmp_path, store_url)
    load_store(config, run_at=None)
    (config.parent / "rules" / "everyone.yaml").write_text(EVERYONE, encoding="utf-8")
    subscribed = sum(1 for line in (ROOT / "examples/data/customers.csv").read_text().splitlines()[1:]
                     if line.split(",")[7] == "true")
    warnings = _warnings(config)
    assert [(w["code"], w["file"].endswith("rules/everyone.yaml"), w["line"]) for w in warnings] == [
        ("P501", True, 1)]
    assert warnings[0]["message"] == (f"campaign 'everyone' selects {subscribed} customers, 100% of the "
                                      f"{subscribed} subscribed customers, above its audience guard of 50%; a run "
                                      "would hold it")
    strict = cli("plan", "--now", NOW, "--strict", config=config)
    assert strict.exit_code == 1

    run = cli("run", "--now", NOW, "--campaign", "everyone", config=config)
    assert run.exit_code == 1, run.output
    assert (f"campaign 'everyone' would enrol {subscribed} customers, 100% of the {subscribed} subscribed "
            "customers, above its audience guard of 50%; held: nobody enrolled or mailed. Check the audience, "
            "then raise max_audience_share if this is intended.") in " ".join(run.output.split())

    edit(config.parent / "rules" / "everyone.yaml", "audience:", "max_audience_share: 1\naudience:")
    assert _warnings(config) == []
    assert cli("run", "--now", NOW, "--campaign", "everyone", config=config).exit_code == 0


def test_p501_the_guard_is_set_project_wide(tmp_path):
    config = make_repo(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    load_store(config, run_at=None)
    edit(config, "schedule:", "defaults:\n  audience_guard: {max_share: 0.1, min_audience: 40}\nschedule:")
    flagged = sorted(w["message"].split("'")[1] for w in _warnings(config) if w["code"] == "P501")
    assert flagged == ["referral-ask"]  # 45 of 296, the only audience of 40 or more above 10%


def test_p502_customers_waiting_at_a_step_the_rules_no_longer_have(tmp_path, store_url):
    config = make_repo(tmp_path, store_url)
    load_store(config)  # a run at EARLIER: win-back customers now wait at `offer`
    edit(config.parent / "rules/reactivation/winback-90.yaml", "  - id: offer\n", "  - id: offer-20\n")
    warnings = _warnings(config)
    assert [(w["code"], w["message"]) for w in warnings] == [
        ("P502", "21 customers wait at step 'offer' of campaign 'winback-90', which is removed")]
    assert warnings[0]["hint"].startswith("on_change: continue decides what happens to them")


def test_p503_a_daily_run_never_reaches_office_hours_in_the_americas_and_asia_pacific(tmp_path, store_url):
    config = make_repo(tmp_path, store_url, schedule="every 1d at 09:00")
    load_store(config, run_at=None)
    found = {w["message"].split("'")[1]: w for w in _warnings(config) if w["code"] == "P503"}
    assert sorted(found) == ["feedback-request", "referral-ask", "upsell-heavy-users", "winback-90"]
    assert found["winback-90"]["message"] == (
        "the schedule `every 1d at 09:00` never reaches the send window of campaign 'winback-90' (09:00-18:00 "
        "mon/tue/wed/thu/fri) in America/Los_Angeles, America/New_York, America/Sao_Paulo, Asia/Tokyo, "
        "Australia/Sydney, Pacific/Auckland (137 subscribed customers): those sends are deferred on every run")
    assert found["winback-90"]["path"] == "send_window"
    edit(config, "every 1d at 09:00", "every 1h")
    assert [w for w in _warnings(config) if w["code"] == "P503"] == []


def test_the_shipped_project_plans_without_warnings(tmp_path, monkeypatch):
    monkeypatch.setenv("REKINDLE_STORE_URL", f"sqlite:///{tmp_path / 'shipped.db'}")
    monkeypatch.setenv("REKINDLE_DELIVERY", "memory")
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", SECRET["REKINDLE_UNSUBSCRIBE_SECRET"])
    config = ROOT / "rekindle.yaml"
    runner = CliRunner()
    for args in (["db", "init"], ["import", "customers", str(ROOT / "examples/data/customers.csv")],
                 ["import", "events", str(ROOT / "examples/data/events.csv")], ["run", "--now", EARLIER]):
        result = runner.invoke(app, [*args, "--config", str(config)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["plan", "--now", NOW, "--strict", "--format", "json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["warnings"] == []
