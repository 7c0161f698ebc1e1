"""`rekindle plan --base REF` on a scratch git repository: a base commit of the shipped project, a change on
top, a store with the example data and customers mid-sequence (entered five days before --now)."""

from __future__ import annotations

import json

from tests.scratch import NOW, cli, commit, edit, git, load_store, make_repo, real_addresses

WINBACK = "rules/reactivation/winback-90.yaml"


def _audience(config, campaign: str) -> int:
    result = cli("audience", campaign, "--now", NOW, "--format", "json", config=config)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["count"]


def _change_winback(repo) -> None:
    edit(repo / WINBACK, "  - id: offer\n", "  - id: offer-20\n")
    edit(repo / WINBACK, "inactive: {for: 90d}      #", "inactive: {for: 120d}     #")
    edit(repo / "templates/winback/miss-you.txt", "did something not work for you?", "did something go wrong?")


def test_plan_base_names_exactly_the_changed_campaign_its_audience_delta_and_changed_emails(tmp_path, store_url):
    config = make_repo(tmp_path, store_url)
    repo = config.parent
    load_store(config)
    base_count = _audience(config, "winback-90")
    _change_winback(repo)
    commit(repo, "winback: narrower audience, offer renamed, friendlier copy")
    head_count = _audience(config, "winback-90")
    assert head_count < base_count  # the edit must actually move the audience for the delta to mean anything

    result = cli("plan", "--now", NOW, "--base", "HEAD~1", "--format", "json", config=config)
    assert result.exit_code == 0, result.output
    review = json.loads(result.output)
    assert review["changed"] == ["winback-90"]
    assert review["base_commit"] == git(repo, "rev-parse", "HEAD~1").strip()
    winback = next(c for c in review["campaigns"] if c["campaign"] == "winback-90")
    assert (winback["audience_base"], winback["audience_head"]) == (base_count, head_count)
    assert winback["audience_delta"] == head_count - base_count
    assert [k["key"] for k in winback["keys"]] == ["audience", "steps"]
    assert winback["keys"][1] == {"key": "steps", "old": ["miss-you", "offer", "last-call"],
                                  "new": ["miss-you", "offer-20", "last-call"]}
    changed_emails = {(e["step"], e["change"]) for e in winback["emails"]}
    assert changed_emails == {("miss-you", "changed")}  # the renamed step renders the same: not an email change
    diff = winback["emails"][0]["diff"]
    assert "-I noticed you haven't logged in for a few months, and I wanted to check in. Not with a discount or " \
           "a list of new features, just to ask: did something not work for you?" in diff
    assert any(line.startswith("+") and line.endswith("did something go wrong?") for line in diff)
    waiting = {w["step"]: (w["change"], w["effect"]) for w in winback["waiting"]}
    assert waiting["offer"] == ("renamed to offer-20", "continue at offer-20 (offer was removed)")
    assert [w["code"] for w in review["warnings"]] == ["P502"]
    others = [c for c in review["campaigns"] if c["campaign"] != "winback-90"]
    assert others and all(c["status"] == "unchanged" and c["emails"] == [] for c in others)


def test_markdown_is_one_comment_with_unchanged_campaigns_on_one_line(tmp_path, store_url):
    config = make_repo(tmp_path, store_url)
    load_store(config)
    _change_winback(config.parent)
    commit(config.parent, "change")

    result = cli("plan", "--now", NOW, "--base", "main~1", "--format", "markdown", config=config)
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("<!-- rekindle-plan -->\n### Rekindle plan: this branch compared with `main~1`")
    assert "**1 campaign changed**, 7 unchanged. Sample recipients are masked." in text
    assert "#### `winback-90` — changed" in text
    assert "| offer | 21 | renamed to offer-20 | continue at offer-20 (offer was removed) |" in text
    unchanged = [line for line in text.splitlines() if line.startswith("Unchanged (audience at --now): ")]
    assert len(unchanged) == 1 and "`welcome` (24)" in unchanged[0] and "winback-90" not in unchanged[0]


def test_masked_output_never_contains_a_real_address(tmp_path, store_url):
    config = make_repo(tmp_path, store_url)
    load_store(config)
    _change_winback(config.parent)
    commit(config.parent, "change")
    addresses = real_addresses()
    for fmt in ("markdown", "json", "text"):
        result = cli("plan", "--now", NOW, "--base", "HEAD~1", "--format", fmt, config=config)
        assert result.exit_code == 0, result.output
        assert "***@example.com" in result.output
        leaked = sorted(a for a in addresses if a in result.output)
        assert leaked == [], fmt
    unmasked = cli("plan", "--now", NOW, "--base", "HEAD~1", "--format", "json", "--no-mask", config=config)
    assert any(a in unmasked.output for a in addresses)  # the check above can fail: unmasked output has them


def test_a_template_only_change_is_a_changed_campaign(tmp_path):
    config = make_repo(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    load_store(config, run_at=None)
    edit(config.parent / "templates/welcome/hello.txt", "not to a ticket queue.\n",
         "not to a ticket queue.\n\nP.S. We read every reply.\n")
    commit(config.parent, "welcome: a postscript")
    review = json.loads(cli("plan", "--now", NOW, "--base", "HEAD~1", "--format", "json", config=config).output)
    assert review["changed"] == ["welcome"]
    welcome = next(c for c in review["campaigns"] if c["campaign"] == "welcome")
    assert welcome["keys"] == [] and "+P.S. We read every reply." in welcome["emails"][0]["diff"]


def test_unknown_base_ref_is_a_usage_error(tmp_path):
    config = make_repo(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    load_store(config, run_at=None)
    result = cli("plan", "--now", NOW, "--base", "no-such-branch", config=config)
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        f"error: --base 'no-such-branch' is not a commit in {config.parent} (fetch it first, e.g. "
        "`git fetch origin no-such-branch`)")


def test_base_reading_leaves_the_work_tree_alone(tmp_path):
    config = make_repo(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    load_store(config, run_at=None)
    edit(config.parent / WINBACK, "priority: 60", "priority: 61")  # uncommitted: the head is the work tree
    before = git(config.parent, "status", "--porcelain")
    review = json.loads(cli("plan", "--now", NOW, "--base", "HEAD", "--format", "json", config=config).output)
    assert review["changed"] == ["winback-90"]
    winback = next(c for c in review["campaigns"] if c["campaign"] == "winback-90")
    assert winback["keys"] == [{"key": "priority", "old": 60, "new": 61}]
    assert git(config.parent, "status", "--porcelain") == before


def test_markdown_stays_within_githubs_comment_limit_when_every_email_changes():
    """A shared footer edit changes every email of every campaign: the diffs past the budget are counted, not
    shown, so the sticky comment can still be posted (GitHub refuses more than 65,536 characters)."""
    from datetime import UTC, datetime

    from engine.plan.review import CampaignReview, EmailChange, Review
    from engine.plan.review_report import COMMENT_BUDGET, as_markdown

    def emails(campaign: str) -> list[EmailChange]:
        return [EmailChange(campaign, f"step-{i}", None, f"cus_{i:04d} <a***@example.com>", "changed", "Hi", "Hi",
                            ["@@ -1 +1 @@", "-" + "old footer " * 40, "+" + "new footer " * 40])
                for i in range(30)]

    campaigns = [CampaignReview(f"campaign-{n}", "changed", [], 10, 10, "continue", emails(f"campaign-{n}"))
                 for n in range(20)]
    review = Review("origin/main", "0" * 40, datetime(2026, 11, 23, 9, tzinfo=UTC), True, campaigns)
    text = as_markdown(review)
    assert len(text) < 60_000  # room for the next run's table that `rekindle plan` appends
    shown = text.count("<details>")
    assert 0 < shown < 600
    assert sum(len(line) + 1 for line in text.splitlines()) > COMMENT_BUDGET * 0.9
    assert "… and 30 more changed emails of `campaign-19` not shown" in text
    assert "`rekindle plan --base origin/main --format json` (or `text`) lists every one." in text
    assert as_markdown(review, budget=10**9).count("<details>") == 600  # everything, given the room
