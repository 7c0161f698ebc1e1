"""Load `rekindle.yaml`: checked YAML, `${ENV}` interpolation, schema validation, value checks, typed Config."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from engine.addresses import mailbox_problem
from engine.config.interpolation import interpolate
from engine.conditions import parse_condition
from engine.config.model import (
    AudienceGuard, Config, Defaults, Delivery, FrequencyCap, LifecycleStage, Reporting, Sender, Tracking,
    Unsubscribe, Web,
)
from engine.diagnostics.docpath import DocPath
from engine.documents.paths import leaves
from engine.diagnostics import Diagnostic, Location
from engine.documents.schema_check import schema_problems
from engine.documents.schemas import RULE_CODES
from engine.timezones import unknown_timezone_message
from engine.documents.yaml_loader import YamlDocument, load_yaml_file
from engine.config.schedule import SCHEDULE_PATTERN, parse_cadence
from engine.store.urls import url_problem
from engine.timeutil import parse_duration

CONFIG_CODES = dict.fromkeys(RULE_CODES, "C102")
"""Every schema problem in the config is C102; the message says which kind it is."""

_URLS_WITH_CREDENTIALS = (("store", "url"), ("delivery", "smtp", "url"))

PROJECT_FOLDERS: tuple[tuple[str, ...], ...] = (("rules_dir",), ("segments_dir",), ("templates_dir",),
                                                 ("delivery", "maildir", "path"))
"""Folders the config names that must stay inside the project (C107) unless allow_folders_outside_project:
what Rekindle reads (rules, segments, templates) and where the maildir backend writes emails."""


def load_config(
    path: Path, display: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Config | None, list[Diagnostic]]:
    """The typed Config, or None and the reasons. `display` names the file in diagnostics."""
    config, _, problems = load_config_document(path, display, environ)
    return config, problems


def load_config_document(
    path: Path, display: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Config | None, YamlDocument | None, list[Diagnostic]]:
    """`load_config`, with the interpolated document the Config was built from (for checks across files that
    locate what they find in the config, such as the segments lifecycle stages use)."""
    display = display or str(path)
    if not path.is_file():
        return None, None, [Diagnostic("C101", f"config file not found: {display}", Location(display),
                                       hint="run `rekindle init DIR` to create a project, or pass --config PATH")]
    document, problems = load_yaml_file(path, display)
    if document is None:
        return None, None, problems
    problems += _literal_secrets(document)
    hidden, unset = interpolate(document, os.environ if environ is None else environ)
    problems += unset
    unset_paths = {d.path for d in unset}  # an unset variable leaves "" behind: no second complaint about it
    problems += [d for d in schema_problems(document, "config", CONFIG_CODES, hidden)
                 if d.path not in unset_paths]
    problems += _value_problems(document)
    problems += [d for d in _secret_safe_values(document, hidden, path.absolute().parent) if d.path not in unset_paths]
    if problems:
        return None, document, problems
    return build_config(document.data, path.absolute().parent, display), document, []


def _literal_secrets(document: YamlDocument) -> Iterator[Diagnostic]:
    """A password written into a URL (rather than `${VAR}`) would end up in git: refuse it, without echoing it."""
    for path in _URLS_WITH_CREDENTIALS:
        value = _get(document.data, path)
        if not isinstance(value, str):
            continue
        try:
            password = urlsplit(value).password
        except ValueError:
            continue
        if password and not password.startswith("${"):
            yield Diagnostic("C104", f"{'.'.join(path)} contains a password; secrets never go in the config file",
                             document.location(path), ".".join(path),
                             hint="write the password as ${SOME_ENV_VAR} and set that variable in the environment")


def _value_problems(document: YamlDocument) -> Iterator[Diagnostic]:
    """Checks beyond the schema; they run even when the schema failed, so one pass reports everything."""
    data = document.data
    zone = _get(data, ("defaults", "timezone"))
    if isinstance(zone, str) and zone:
        message = unknown_timezone_message(zone)
        if message:
            yield Diagnostic("C105", f"defaults.timezone: {message}", document.location(("defaults", "timezone")),
                             "defaults.timezone")
    schedule = data.get("schedule") if isinstance(data, dict) else None
    if isinstance(schedule, str) and re.match(SCHEDULE_PATTERN, schedule):
        try:
            parse_cadence(schedule)
        except ValueError as exc:
            yield Diagnostic("C105", f"schedule: {exc}", document.location(("schedule",)), "schedule")
    for path in (("unsubscribe", "url"), ("tracking", "click_url")):
        url = _get(data, path)
        if isinstance(url, str) and "{token}" not in url:
            name = ".".join(path)
            yield Diagnostic("C105", f"{name} must contain {{token}}, where the signed token goes",
                             document.location(path), name)


def _secret_safe_values(document: YamlDocument, hidden: frozenset[DocPath], root: Path) -> Iterator[Diagnostic]:
    """Values that may come from the environment, checked without ever echoing them (docs/config.md)."""
    data = document.data
    for path in (("sender", "from"), ("sender", "reply_to")):
        value = _get(data, path)
        if isinstance(value, str):
            problem = mailbox_problem(value)
            if problem:
                source = " (the value comes from the environment)" if path in hidden else f": {value!r}"
                yield Diagnostic("C105", f"{'.'.join(path)} {problem}{source}", document.location(path),
                                 ".".join(path))
    folders_allowed = data.get("allow_folders_outside_project") is True if isinstance(data, dict) else False
    for folder in PROJECT_FOLDERS:
        value = _get(data, folder)
        if isinstance(value, str) and value and not folders_allowed \
                and leaves(root / value, root):
            name = ".".join(folder)
            yield Diagnostic("C107", f"{name} points outside the project folder", document.location(folder), name,
                             hint="keep project folders inside the project, or set allow_folders_outside_project: "
                                  "true if that is intended")
    url = _get(data, ("store", "url"))
    problem = url_problem(url) if isinstance(url, str) else None
    if problem:  # url_problem never quotes the URL: it may hold a password from the environment
        source = " (the value comes from the environment)" if ("store", "url") in hidden else ""
        yield Diagnostic("C108", f"{problem}{source}", document.location(("store", "url")), "store.url")


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def build_config(data: dict[str, Any], root: Path, source: str = "") -> Config:
    """A Config from a schema-valid, interpolated document; absent keys take the documented defaults."""
    defaults = data.get("defaults", {})
    delivery = data.get("delivery", {})
    backend = delivery.get("backend", Delivery.backend)
    base_defaults = Defaults()
    return Config(
        root=root,
        store_url=data.get("store", {}).get("url", Config.store_url),
        rules_dir=Path(data.get("rules_dir", "rules")),
        segments_dir=Path(data.get("segments_dir", "segments")),
        templates_dir=Path(data.get("templates_dir", "templates")),
        catalog=Path(data.get("catalog", "catalog.yaml")),
        allow_folders_outside_project=data.get("allow_folders_outside_project", False),
        schedule=parse_cadence(data["schedule"]) if "schedule" in data else None,
        sender=Sender(**_renamed(data.get("sender", {}), {"from": "from_address"})),
        delivery=Delivery(backend=backend, options=_backend_options(delivery, backend, root)),
        defaults=Defaults(
            timezone=defaults.get("timezone", base_defaults.timezone),
            activity_events=tuple(defaults.get("activity_events", base_defaults.activity_events)),
            frequency_caps=tuple(FrequencyCap(cap["max"], parse_duration(cap["per"]))
                                 for cap in defaults.get("frequency_caps", ())),
            per_run_limit=defaults.get("per_run_limit"),
            audience_guard=AudienceGuard(**defaults.get("audience_guard", {})),
            locale=defaults.get("locale", base_defaults.locale),
            currency=defaults.get("currency", base_defaults.currency),
        ),
        unsubscribe=Unsubscribe(**data.get("unsubscribe", {})),
        tracking=Tracking(utm=dict(data.get("tracking", {}).get("utm", {})),
                          click_url=data.get("tracking", {}).get("click_url")),
        web=Web(**data.get("web", {})),
        lifecycle=tuple(LifecycleStage(stage["id"], parse_condition(stage["condition"]), stage.get("description", ""))
                        for stage in data.get("lifecycle", {}).get("stages", ())),
        reporting=_reporting(data.get("reporting", {})),
        source=source,
    )


def _reporting(data: dict[str, Any]) -> Reporting:
    base = Reporting()
    return Reporting(
        revenue_events=tuple(data.get("revenue_events", base.revenue_events)),
        dormant_after=parse_duration(data["dormant_after"]) if "dormant_after" in data else base.dormant_after,
        reactivation_within=(parse_duration(data["reactivation_within"]) if "reactivation_within" in data
                             else base.reactivation_within),
    )


def _backend_options(delivery: dict[str, Any], backend: str, root: Path) -> dict[str, Any]:
    """The chosen backend's settings; a maildir path is relative to the config file, like every folder in it."""
    options = dict(delivery.get(backend, {}))
    if backend == "maildir":
        options["path"] = str(root / options.get("path", "outbox"))
    return options


def _renamed(mapping: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names.get(key, key): value for key, value in mapping.items()}
