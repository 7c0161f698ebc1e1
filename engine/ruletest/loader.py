"""Read one rule-test file: checked YAML and JSON Schema (the rule files' machinery), then the checks only the
project can answer (campaign ids, customer ids, times), each a diagnostic at the file:line:col it concerns.

Customer and event rows follow the import contract (docs/import.md) and are typed by the importer itself, so a
row that `rekindle import` would reject is rejected here with the same I4xx code and message.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from engine.diagnostics import Diagnostic
from engine.diagnostics.docpath import DocPath, format_path
from engine.diagnostics.suggest import did_you_mean
from engine.importer import customers as customer_rows
from engine.importer import events as event_rows
from engine.importer.values import RowError
from engine.documents.schema_errors import RULE_CODES, schema_diagnostics
from engine.documents.schemas import SCHEMA_DIR
from engine.documents.yaml_loader import YamlDocument, load_yaml_file
from engine.ruletest.model import ExpectedDecision, ExpectedEmail, Expectations, TestCase, TestFile
from engine.timeutil import parse_duration, parse_instant

SCHEMA_FILE = "rule-test.v1.json"
TEST_CODES = dict.fromkeys(RULE_CODES, "U101")
"""Every schema problem of a test file is U101; the message says which kind it is (as C102 for the config)."""

MAX_TICKS = 10_000
"""More ticks than this is a mistake (`every: 1m` over a year), not a test."""


@cache
def test_file_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMA_DIR / SCHEMA_FILE).read_text(encoding="utf-8")))


def load_test_file(path: Path, display: str, campaign_ids: Collection[str]) -> tuple[TestFile | None, list[Diagnostic]]:
    """The test file, or None and every problem found in it."""
    document, problems = load_yaml_file(path, display)
    if document is None:
        return None, problems
    problems += schema_diagnostics(document, test_file_validator(), TEST_CODES)
    if problems:
        return None, problems
    reader = _CaseReader(document, frozenset(campaign_ids))
    cases = [reader.case(index, data) for index, data in enumerate(document.data["tests"])]
    if reader.problems:
        return None, reader.problems
    return TestFile(display, [case for case in cases if case is not None]), []  # None only with a problem


class _CaseReader:
    """Builds test cases from schema-valid data, collecting problems instead of stopping at the first."""

    def __init__(self, document: YamlDocument, campaign_ids: frozenset[str]) -> None:
        self.document = document
        self.campaign_ids = campaign_ids
        self.problems: list[Diagnostic] = []
        self.names: dict[str, int] = {}

    def _problem(self, code: str, message: str, path: DocPath, *, key: bool = False) -> None:
        self.problems.append(Diagnostic(code, message, self.document.location(path, key=key), format_path(path)))

    def case(self, index: int, data: dict[str, Any]) -> TestCase | None:
        """The test case, or None when one of its instants is invalid (a problem is recorded); every part is
        read either way, so that all problems of the file are reported."""
        here: DocPath = ("tests", index)
        name = data["name"]
        if name in self.names:
            self._problem("U102", f'duplicate test name "{name}" (first on line {self.names[name]})', (*here, "name"))
        else:
            self.names[name] = self.document.location((*here, "name")).line
        for position, campaign in enumerate(data.get("campaigns", ())):
            self._campaign(campaign, (*here, "campaigns", position))
        customers = self._customers(data.get("customers", ()), here)
        known = {record["external_id"] for record in customers}
        events = self._events(data.get("events", ()), here, known)
        at = self._instant(data["at"], (*here, "at"))
        every, until = self._schedule(data, here, at)
        expect = self._expect(data["expect"], (*here, "expect"), known)
        if at is None:
            return None
        return TestCase(name=name, at=at, expect=expect, customers=customers, events=events,
                        campaigns=tuple(data.get("campaigns", ())), every=every, until=until)

    def _customers(self, rows: list[dict[str, Any]], here: DocPath) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        first_line: dict[str, int] = {}
        for position, row in enumerate(rows):
            path = (*here, "customers", position)
            record = self._row(customer_rows.parse, row, path)
            if record is None:
                continue
            customer = record["external_id"]
            if customer in first_line:
                self._problem("U102", f'duplicate customer id "{customer}" (first on line {first_line[customer]})',
                              (*path, "id"))
                continue
            first_line[customer] = self.document.location(path).line
            records.append(record)
        return records

    def _events(self, rows: list[dict[str, Any]], here: DocPath, known: set[str]) -> list[dict[str, Any]]:
        records = []
        for position, row in enumerate(rows):
            path = (*here, "events", position)
            record = self._row(event_rows.parse, row, path)
            if record is not None and self._customer(record["customer"], (*path, "customer_id"), known):
                records.append(record)
        return records

    def _row(self, parse, row: dict[str, Any], path: DocPath) -> dict[str, Any] | None:
        try:
            return parse(row, typed_strings=False)
        except RowError as error:
            self._problem(error.code, error.message, (*path, error.column) if error.column in row else path)
            return None

    def _schedule(self, data: dict[str, Any], here: DocPath, at: datetime | None):
        if ("every" in data) != ("until" in data):
            given, missing = ("every", "until") if "every" in data else ("until", "every")
            self._problem("U106", f"`{given}` needs `{missing}`: ticks run from `at` every `every` until `until`",
                          (*here, given), key=True)
            return None, None
        if "every" not in data:
            return None, None
        every = parse_duration(data["every"])  # the schema's pattern has checked the spelling
        until = self._instant(data["until"], (*here, "until"))
        if at is None or until is None:
            return every, until
        if until < at:
            self._problem("U106", "`until` is before `at`", (*here, "until"))
        elif every.total_seconds() <= 0 or (until - at) / every >= MAX_TICKS:
            self._problem("U106", f"`every: {data['every']}` from `at` to `until` makes more than {MAX_TICKS:,} "
                          "ticks", (*here, "every"))
        return every, until

    def _expect(self, data: dict[str, Any], here: DocPath, known: set[str]) -> Expectations:
        audience = None
        if "audience" in data:
            audience = {}
            for campaign, members in data["audience"].items():
                self._campaign(campaign, (*here, "audience", campaign), key=True)
                audience[campaign] = [str(m) for i, m in enumerate(members)
                                      if self._customer(str(m), (*here, "audience", campaign, i), known)]
        emails = None
        if "emails" in data:
            read = [self._email(item, (*here, "emails", i), known) for i, item in enumerate(data["emails"])]
            emails = [email for email in read if email is not None]  # None only with a problem
        decisions = [self._decision(item, (*here, "decisions", i), known) for i, item in enumerate(data.get("decisions", ()))]
        return Expectations(audience=audience, emails=emails, decisions=decisions)

    def _email(self, item: dict[str, Any], path: DocPath, known: set[str]) -> ExpectedEmail | None:
        self._campaign(item["campaign"], (*path, "campaign"))
        self._customer(str(item["customer"]), (*path, "customer"), known)
        at = self._instant(item["at"], (*path, "at"))
        if at is None:
            return None
        return ExpectedEmail(at=at, customer=str(item["customer"]), campaign=item["campaign"], step=item["step"],
                             subject=item.get("subject"))

    def _decision(self, item: dict[str, Any], path: DocPath, known: set[str]) -> ExpectedDecision:
        self._campaign(item["campaign"], (*path, "campaign"))
        self._customer(str(item["customer"]), (*path, "customer"), known)
        at = self._instant(item["at"], (*path, "at")) if "at" in item else None
        return ExpectedDecision(customer=str(item["customer"]), campaign=item["campaign"], decision=item["decision"],
                                step=item.get("step"), at=at, reason=item.get("reason"))

    def _instant(self, value: str, path: DocPath) -> datetime | None:
        try:
            return parse_instant(value)
        except ValueError as exc:
            self._problem("U103", f"{format_path(path)}: {exc}", path)
            return None

    def _campaign(self, campaign: str, path: DocPath, *, key: bool = False) -> None:
        if campaign not in self.campaign_ids:
            self._problem("U104", f'unknown campaign "{campaign}"{did_you_mean(campaign, self.campaign_ids)}',
                          path, key=key)

    def _customer(self, customer: str, path: DocPath, known: set[str]) -> bool:
        if customer in known:
            return True
        self._problem("U105", f'customer "{customer}" is not among this test\'s customers'
                      + did_you_mean(customer, known), path)
        return False
