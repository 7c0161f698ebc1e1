"""The bad-input corpus: every file (or folder) under tests/fixtures/bad/ and the exact text `validate` prints.

A file case is validated against the small valid project in `_project/` (as `rekindle validate --config
_project/rekindle.yaml FILE`); a folder with its own rekindle.yaml is a project of its own; any other folder is a
set of rule files validated together. Paths in the output are relative to the corpus folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.diagnostics.formatters import DiagnosticFormat, render
from engine.project import ProjectInvalid, check_project, load_project

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
BASE_CONFIG = Path("_project/rekindle.yaml")

EXPECTED: dict[str, list[str]] = {
    'alias-bomb.yaml': [
        'alias-bomb.yaml:10:5: R112 the document expands to more than 50,000 values (each use of a YAML alias counts as a copy)',
        '    hint: write the values out, or use fewer nested aliases',
    ],
    'bad-duration-unit.yaml': [
        'bad-duration-unit.yaml:4:35: R108 invalid duration "2mo" at audience.event.within; write a whole number and a unit: 30m, 36h, 90d or 2w',
    ],
    'bad-duration.yaml': [
        'bad-duration.yaml:9:11: R108 invalid duration "3 days" at steps[1].wait; write a whole number and a unit: 30m, 36h, 90d or 2w (did you mean "3d"?)',
    ],
    'bad-enum.yaml': [
        'bad-enum.yaml:3:12: R104 "restrat" is not allowed at on_change; expected one of continue, restart, exit (did you mean "restart"?)',
    ],
    'bad-id.yaml': [
        'bad-id.yaml:2:5: R104 "Winback 90" is not valid at id; expected an identifier: lower-case letters, digits, \'-\' and \'_\', starting with a letter or digit, e.g. winback-90',
    ],
    'bad-time.yaml': [
        'bad-time.yaml:6:10: R104 "9:00" is not valid at send_window.start; expected a time of day as HH:MM on a 24-hour clock, e.g. 09:00 or 18:30',
        'bad-time.yaml:7:8: R104 "6pm" is not valid at send_window.end; expected a time of day as HH:MM on a 24-hour clock, e.g. 09:00 or 18:30',
    ],
    'bad-trigger.yaml': [
        'bad-trigger.yaml:3:47: R104 "on-arrival" is not allowed at trigger.enrol; expected one of on_arrival, next_run (did you mean "on_arrival"?)',
    ],
    'trigger-not-in-audience.yaml': [
        'trigger-not-in-audience.yaml:3:18: R213 the trigger event "onboarding_completed" is not in the audience, so it does not decide who enters',
        '    hint: require a recent one in the audience, e.g. event: {name: onboarding_completed, within: 7d}',
    ],
    'trigger-without-enrol.yaml': [
        'trigger-without-enrol.yaml:4:3: R105 missing required key "enrol" in trigger',
    ],
    'bad-var-name.yaml': [
        'bad-var-name.yaml:6:3: R104 variable name "discount-usd" in vars is not allowed; use letters, digits and _ (starting with a letter)',
    ],
    'bad-version.yaml': [
        'bad-version.yaml:1:10: R104 the number 2 is not allowed at version; expected 1',
    ],
    'bad-weekday.yaml': [
        'bad-weekday.yaml:6:10: R104 "monday" is not allowed at send_window.days[0]; expected one of mon, tue, wed, thu, fri, sat, sun (did you mean "mon"?)',
        'bad-weekday.yaml:6:23: R104 "Wed" is not allowed at send_window.days[2]; expected one of mon, tue, wed, thu, fri, sat, sun (did you mean "wed"?)',
    ],
    'between-one-value.yaml': [
        'between-one-value.yaml:6:22: R104 audience.event.count.between needs exactly 2 values, got 1',
    ],
    'between-reversed.yaml': [
        'between-reversed.yaml:4:44: R205 between [45, 30] at audience.days_since can never match; write the low value first',
    ],
    'binary.yaml': [
        'binary.yaml: R109 not a text file (it contains binary data)',
    ],
    'comments-only.yaml': [
        'comments-only.yaml: R109 the file is empty; expected a mapping of keys',
    ],
    'condition-body-not-mapping.yaml': [
        'condition-body-not-mapping.yaml:5:18: R103 wrong type at audience.all[0].attribute: expected a mapping, got "plan"',
        '    hint: Compare a customer field or attribute with exactly one operator.',
        'condition-body-not-mapping.yaml:6:35: R103 wrong type at audience.all[1].event.count: expected a mapping, got the number 3',
        '    hint: How many matching events there must be (default: at least one).',
    ],
    'condition-not-mapping.yaml': [
        'condition-not-mapping.yaml:3:11: R103 wrong type at audience: expected a condition (a mapping with one of all, any, not, attribute, event, inactive, days_since, anniversary, subscribed, segment, aggregate, last_event), got "inactive"',
    ],
    'config-bad-values/': [
        'config-bad-values/rekindle.yaml:3:13: C105 defaults.timezone: unknown timezone "Europe/Pari" (did you mean "Europe/Paris"?)',
        'config-bad-values/rekindle.yaml:5:13: C102 defaults.frequency_caps[0].max is 0; it must be at least 1',
        'config-bad-values/rekindle.yaml:5:21: C102 invalid duration "1 week" at defaults.frequency_caps[0].per; write a whole number and a unit: 30m, 36h, 90d or 2w (did you mean "1w"?)',
        'config-bad-values/rekindle.yaml:7:8: C105 unsubscribe.url must contain {token}, where the signed token goes',
    ],
    'config-duplicate-key/': [
        'config-duplicate-key/rekindle.yaml:4:1: R106 duplicate key "rules_dir" (first defined on line 2)',
        '    hint: YAML keeps only the last value; remove one of them',
    ],
    'config-env-sender/': [
        'config-env-sender/rekindle.yaml:7:9: C105 sender.from does not hold a valid email address, e.g. Your Company <hello@example.com> (the value comes from the environment)',
        "config-env-sender/rekindle.yaml:8:13: C105 sender.reply_to must be exactly one email address, e.g. Your Company <hello@example.com>: 'two@example.com, addresses@example.com'",
    ],
    'config-outbox-and-store-outside/': [
        "config-outbox-and-store-outside/rekindle.yaml:3:8: C108 the store URL names a 'mysql' database; Rekindle stores are SQLite (sqlite:///file.db) or PostgreSQL (postgresql+psycopg://host/db)",
        'config-outbox-and-store-outside/rekindle.yaml:7:11: C107 delivery.maildir.path points outside the project folder',
        '    hint: keep project folders inside the project, or set allow_folders_outside_project: true if that is intended',
    ],
    'config-folder-outside/': [
        'config-folder-outside/rekindle.yaml:2:12: C107 rules_dir points outside the project folder',
        '    hint: keep project folders inside the project, or set allow_folders_outside_project: true if that is intended',
        'config-folder-outside/rekindle.yaml:3:16: C107 templates_dir points outside the project folder',
        '    hint: keep project folders inside the project, or set allow_folders_outside_project: true if that is intended',
        'config-folder-outside/rekindle.yaml:5:13: C105 defaults.timezone: unknown timezone "localtime" (use an IANA name such as Europe/Paris)',
    ],
    'config-lifecycle-segment/': [
        'config-lifecycle-segment/rekindle.yaml:8:23: R204 unknown segment "engagd": segments/engagd.yaml does not exist (did you mean "engaged"?)',
        "config-lifecycle-segment/rekindle.yaml:10:49: R205 between ['120d', '60d'] at lifecycle.stages[1].condition.all[2].last_event can never match; write the low value first",
        'config-lifecycle-segment/rekindle.yaml:11:42: R206 since: enrolled is not allowed in a lifecycle stage: nobody is enrolled before entering',
        "    hint: use `within:` in audiences; `since: enrolled` belongs in exit, goal or a step's when",
    ],
    'config-literal-secret/': [
        'config-literal-secret/rekindle.yaml:5:10: C104 delivery.smtp.url contains a password; secrets never go in the config file',
        '    hint: write the password as ${SOME_ENV_VAR} and set that variable in the environment',
    ],
    'config-missing-env/': [
        'config-missing-env/rekindle.yaml:5:10: C103 environment variable "REKINDLE_TEST_UNSET_SMTP_PASSWORD" is not set (used in delivery.smtp.url)',
        '    hint: export REKINDLE_TEST_UNSET_SMTP_PASSWORD=... before running rekindle, or write ${REKINDLE_TEST_UNSET_SMTP_PASSWORD:-default}',
    ],
    'config-missing-rules-dir/': [
        'config-missing-rules-dir/rekindle.yaml: C106 rules folder not found: config-missing-rules-dir/campaigns',
    ],
    'config-unknown-key/': [
        'config-unknown-key/rekindle.yaml:2:1: C102 unknown key "sendr" (did you mean "sender"?)',
        'config-unknown-key/rekindle.yaml:5:12: C102 "smpt" is not allowed at delivery.backend; expected one of smtp, maildir, console, memory (did you mean "smtp"?)',
    ],
    'deep-nesting.yaml': [
        'deep-nesting.yaml:44:83: R111 nested more than 40 levels deep',
    ],
    'duplicate-campaign-ids/': [
        'duplicate-campaign-ids/second.yaml:2:5: R201 campaign id "winback" is already used by duplicate-campaign-ids/first.yaml:2:5',
        '    hint: campaign ids are unique across all rule files',
    ],
    'duplicate-key.yaml': [
        'duplicate-key.yaml:8:5: R106 duplicate key "template" (first defined on line 7)',
        '    hint: YAML keeps only the last value; remove one of them',
    ],
    'duplicate-step-ids.yaml': [
        'duplicate-step-ids.yaml:8:9: R202 duplicate step id "offer" (also steps[0])',
        'duplicate-step-ids.yaml:13:14: R202 duplicate variant id "short" in steps[1]',
    ],
    'duration-too-long.yaml': [
        'duration-too-long.yaml:5:39: R108 duration "800000d" at audience.all[0].event.within is too long; the longest allowed is 36500d (100 years)',
        'duration-too-long.yaml:6:23: R108 duration "99999999999999999999d" at audience.all[1].inactive.for is too long; the longest allowed is 36500d (100 years)',
        'duration-too-long.yaml:8:71: R108 duration "36501d" at goal.within is too long; the longest allowed is 36500d (100 years)',
        'duration-too-long.yaml:9:36: R108 duration "5215w" at reentry.cooldown is too long; the longest allowed is 36500d (100 years)',
        'duration-too-long.yaml:11:48: R108 duration "52560001m" at steps[0].wait is too long; the longest allowed is 36500d (100 years)',
    ],
    'empty.yaml': [
        'empty.yaml: R109 the file is empty; expected a mapping of keys',
    ],
    'field-name-characters.yaml': [
        'field-name-characters.yaml:5:25: R104 "pl"an" is not valid at audience.all[0].attribute.name; expected a field, attribute or property name: up to 200 characters, without double quotes, backslashes or control characters',
        'field-name-characters.yaml:6:27: R104 "a\\b" is not valid at audience.all[1].days_since.field; expected a field, attribute or property name: up to 200 characters, without double quotes, backslashes or control characters',
        'field-name-characters.yaml:7:46: R104 "\\x1b[31m" is not valid at audience.all[2].event.where[0].name; expected a field, attribute or property name: up to 200 characters, without double quotes, backslashes or control characters',
    ],
    'holdout-range.yaml': [
        'holdout-range.yaml:3:10: R205 holdout is 0.7; it must be at most 0.5',
    ],
    'key-not-text.yaml': [
        'key-not-text.yaml:9:7: R103 a key must be plain text (quote it if it looks like a number or true/false)',
    ],
    'latin1.yaml': [
        'latin1.yaml: R109 not UTF-8 text (bad byte at offset 31)',
    ],
    'list-too-long.yaml': [
        'list-too-long.yaml:4:8: R104 audience.any allows at most 100 items, got 1000',
    ],
    'missing-operator.yaml': [
        'missing-operator.yaml:4:14: R105 missing operator at audience.attribute; add one of eq, ne, lt, lte, gt, gte, in, not_in, exists, contains, between',
    ],
    'missing-required.yaml': [
        'missing-required.yaml:6:5: R105 missing required key "template" in steps[0]',
    ],
    'misspelt-key.yaml': [
        'misspelt-key.yaml:9:5: R102 unknown key "wiat" in steps[1] (did you mean "wait"?)',
    ],
    'misspelt-operator.yaml': [
        'misspelt-operator.yaml:4:27: R102 unknown key "inn" in audience.attribute (did you mean "in"?)',
    ],
    'misspelt-top-key.yaml': [
        'misspelt-top-key.yaml:1:1: R105 missing required key "audience"',
        'misspelt-top-key.yaml:3:1: R102 unknown key "audiance" (did you mean "audience"?)',
    ],
    'multi-document.yaml': [
        'multi-document.yaml:3:1: R101 YAML syntax error: expected a single document in the stream but found another document',
        '    1 | version: 1',
        '    2 | id: multi-document',
        '    3 | ---',
        '      | ^',
    ],
    'nested-condition-errors.yaml': [
        'nested-condition-errors.yaml:7:9: R102 unknown key "withn" in audience.all[0].event (did you mean "within"?)',
        'nested-condition-errors.yaml:8:22: R205 audience.all[0].event.count.gte is -1; it must be at least 0',
        'nested-condition-errors.yaml:10:39: R103 wrong type at audience.all[1].any[0].attribute.in: expected a list, got "pro"',
        '    hint: Matches when the value is one of the listed values.',
        'nested-condition-errors.yaml:12:49: R103 wrong type at audience.all[1].any[1].not.days_since.gt: expected a whole number, got "soon"',
        '    hint: Matches when the number of whole days is greater than this value.',
        'nested-condition-errors.yaml:14:34: R104 "enroled" is not allowed at exit.event.since; expected enrolled (did you mean "enrolled"?)',
    ],
    'number-bounds.yaml': [
        'number-bounds.yaml:5:44: R205 audience.all[0].days_since.gte is 99999999999; it must be at most 36500',
        'number-bounds.yaml:6:44: R205 audience.all[1].event.count.gte is 99999999999999999999; it must be at most 1000000000',
        'number-bounds.yaml:7:36: R205 audience.all[2].attribute.gt is 1e+308; it must be at most 1000000000000000.0',
    ],
    'python-tag.yaml': [
        'python-tag.yaml:3:11: R107 the tag !!python/object/apply:os.system is not allowed; rule files hold plain values only (text, numbers, true/false, lists and mappings)',
    ],
    'reentry-without-cooldown.yaml': [
        'reentry-without-cooldown.yaml:6:3: R105 missing required key "cooldown" in reentry',
    ],
    'rule-link-outside/': [
        'rule-link-outside/credentials.yaml: R114 rule-link-outside/credentials.yaml is a link to a file outside rule-link-outside/; it was not read',
        '    hint: copy the file into the folder instead of linking to it',
    ],
    'segment-cycle/': [
        'segment-cycle/segments/active.yaml:4:3: S103 segment "active" uses itself: active -> engaged -> active',
        'segment-cycle/segments/engaged.yaml:4:3: S103 segment "engaged" uses itself: engaged -> active -> engaged',
    ],
    'segment-problems/': [
        'segment-problems/segments/buyers.yaml:2:5: S102 segment id "purchasers" differs from its file name "buyers.yaml"',
        '    hint: rename the file to purchasers.yaml or change the id',
        'segment-problems/segments/buyers.yaml:4:34: R206 since: enrolled is not allowed in a segment: nobody is enrolled before entering',
        "    hint: use `within:` in audiences; `since: enrolled` belongs in exit, goal or a step's when",
        'segment-problems/segments/engaged.yaml:2:5: S101 segment id "engaged" is already used by segment-problems/segments/archive/engaged.yaml:2:5',
        'segment-problems/segments/typo.yaml:1:1: R105 missing required key "condition"',
        'segment-problems/segments/typo.yaml:3:1: R102 unknown key "condtion" (did you mean "condition"?)',
    ],
    'send-window.yaml': [
        'send-window.yaml:7:8: R205 send_window starts at 18:00 but ends at 09:00; the start must come first',
        '    hint: windows run within one day; overnight windows are not supported',
        'send-window.yaml:8:13: R207 send_window.timezone: unknown timezone "Europe/Pari" (did you mean "Europe/Paris"?)',
        '    hint: or write "customer" for each customer\'s own timezone',
    ],
    'since-enrolled-in-audience.yaml': [
        'since-enrolled-in-audience.yaml:5:38: R206 since: enrolled is not allowed in audience: nobody is enrolled before entering',
        "    hint: use `within:` in audiences; `since: enrolled` belongs in exit, goal or a step's when",
    ],
    'syntax-error.yaml': [
        "syntax-error.yaml:4:41: R101 YAML syntax error: expected ',' or ']', but got '}' (while parsing a flow sequence on line 4)",
        '    2 | id: syntax-error',
        '    3 | audience:',
        '    4 |   attribute: {name: plan, in: [pro, team}',
        '      |                                         ^',
    ],
    'tabs.yaml': [
        'tabs.yaml:4:1: R101 tab character: YAML is indented with spaces, never tabs',
        '    2 | id: tabs',
        '    3 | audience:',
        '    4 | \tsubscribed: true',
        '      | ^',
    ],
    'template-with-suffix.yaml': [
        'template-with-suffix.yaml:7:15: R104 "welcome/hello.html" is not valid at steps[0].template; expected an email template name: the path under templates/ without .html, e.g. winback/offer for templates/winback/offer.html',
    ],
    'top-level-list.yaml': [
        'top-level-list.yaml:1:1: R109 expected a mapping of keys at the top of the file, got a list',
    ],
    'two-condition-kinds.yaml': [
        'two-condition-kinds.yaml:4:3: R110 audience has 2 conditions (inactive, subscribed); exactly one is allowed; combine conditions with all: or any:',
    ],
    'two-operators.yaml': [
        'two-operators.yaml:4:15: R110 audience.days_since has 2 operators (gte, lte); exactly one is allowed',
        '    hint: for a range write between: [low, high] (both included)',
    ],
    'unknown-condition-kind.yaml': [
        'unknown-condition-kind.yaml:5:7: R102 unknown condition kind "inactiv" in audience.all[0] (did you mean "inactive"?)',
    ],
    'unknown-segment.yaml': [
        'unknown-segment.yaml:5:16: R204 unknown segment "engagd": segments/engagd.yaml does not exist (did you mean "engaged"?)',
    ],
    'unknown-tag.yaml': [
        'unknown-tag.yaml:3:11: R107 the tag !include is not allowed; rule files hold plain values only (text, numbers, true/false, lists and mappings)',
    ],
    'unknown-template.yaml': [
        'unknown-template.yaml:7:15: R203 unknown template "winback/ofer": templates/winback/ofer.html does not exist (did you mean "winback/offer"?)',
    ],
    'unstorable-text.yaml': [
        'unstorable-text.yaml:5:25: R113 the text holds a NUL character or an unpaired surrogate escape (\\0, \\ud800 ...), which cannot be stored or sent',
        'unstorable-text.yaml:6:35: R113 the text holds a NUL character or an unpaired surrogate escape (\\0, \\ud800 ...), which cannot be stored or sent',
    ],
    'variants.yaml': [
        'variants.yaml:9:7: R205 all variants of steps[0] have weight 0; nobody would get the email',
        'variants.yaml:9:9: R105 variant "a" in steps[0] changes nothing; give it a subject or a template',
    ],
    'wrong-type-priority.yaml': [
        'wrong-type-priority.yaml:3:11: R103 wrong type at priority: expected a whole number, got "high"',
        '    hint: When campaigns of one group compete for a customer, the highest priority wins (default 0).',
    ],
    'wrong-type-steps.yaml': [
        'wrong-type-steps.yaml:5:8: R103 wrong type at steps: expected a list, got "welcome/hello"',
        '    hint: The emails, in order.',
    ],
    'wrong-type-subscribed.yaml': [
        'wrong-type-subscribed.yaml:4:15: R103 wrong type at audience.subscribed: expected true or false, got "yes"',
        '    hint: true: subscribed to marketing email; false: unsubscribed.',
    ],
    'zero-duration.yaml': [
        'zero-duration.yaml:4:19: R205 audience.inactive.for is a zero-length period and can never match; use e.g. 1d',
        'zero-duration.yaml:8:11: R205 goal.within is a zero-length period and can never match; use e.g. 1d',
    ],
}


def _diagnostics(name: str):
    entry = Path(name.rstrip("/"))
    if entry.is_dir() and (entry / "rekindle.yaml").is_file():
        return check_project(entry / "rekindle.yaml")[1]
    return check_project(BASE_CONFIG, [entry])[1]


@pytest.fixture
def in_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    monkeypatch.delenv("REKINDLE_TEST_UNSET_SMTP_PASSWORD", raising=False)
    monkeypatch.delenv("REKINDLE_TEST_UNSET_FROM", raising=False)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_is_reported_exactly(name: str, in_corpus: None) -> None:
    text = render(_diagnostics(name), DiagnosticFormat.text)
    assert text.splitlines() == EXPECTED[name]


def test_every_corpus_entry_has_an_expectation() -> None:
    entries = {p.name + ("/" if p.is_dir() else "") for p in CORPUS.iterdir() if not p.name.startswith("_")}
    assert entries == set(EXPECTED)
    assert len(entries) >= 30


def test_the_base_project_is_valid(in_corpus: None) -> None:
    """So every diagnostic above comes from the bad file, not from the project around it."""
    project = load_project(BASE_CONFIG)
    assert [c.id for c in project.campaigns] == ["ok"]
    assert list(project.segments) == ["engaged"]


@pytest.mark.parametrize("fmt", list(DiagnosticFormat))
def test_a_literal_password_is_never_echoed(fmt: DiagnosticFormat, in_corpus: None) -> None:
    output = render(_diagnostics("config-literal-secret/"), fmt)
    assert "C104" in output and "hunter2" not in output


def test_values_from_the_environment_are_never_echoed(in_corpus: None, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    config = tmp_path / "rekindle.yaml"
    config.write_text("version: 1\ndelivery:\n  backend: ${REKINDLE_TEST_BACKEND}\n")
    monkeypatch.setenv("REKINDLE_TEST_BACKEND", "s3cr3t-value")
    (diagnostic,) = check_project(config)[1]
    assert diagnostic.code == "C102"
    assert "s3cr3t-value" not in diagnostic.message
    assert "a value from the environment is not allowed at delivery.backend" in diagnostic.message


def test_load_project_raises_with_every_diagnostic(in_corpus: None) -> None:
    with pytest.raises(ProjectInvalid) as raised:
        load_project(Path("segment-cycle/rekindle.yaml"))
    assert [d.code for d in raised.value.diagnostics] == ["S103", "S103"]
    assert str(raised.value).startswith("segment-cycle/segments/active.yaml:4:3: S103 ")
    assert str(raised.value).endswith("(and 1 more)")


def test_a_rule_path_that_does_not_exist(in_corpus: None) -> None:
    (diagnostic,) = check_project(BASE_CONFIG, [Path("no-such-rule.yaml")])[1]
    assert (str(diagnostic.location), diagnostic.code, diagnostic.message) == (
        "no-such-rule.yaml", "R109", "file not found")


def test_the_corpus_exercises_every_config_rule_and_segment_code() -> None:
    """C101 (no config file at all) is covered by the CLI tests, as a usage error."""
    from engine.diagnostics import CATALOGUE

    seen = {line.split(": ", 1)[1].split(" ", 1)[0] for lines in EXPECTED.values() for line in lines
            if not line.startswith(" ")}
    # R208-R212 (names against the catalog and the store) have their own corpus in tests/catalog.
    wanted = {code for code in CATALOGUE if code[0] in "CRS"} - {"C101", "R208", "R209", "R210", "R211", "R212"}
    assert wanted - seen == set()
