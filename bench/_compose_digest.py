"""Digests of every `compose_email` output over the shipped campaigns, steps and variants x the example customers
(plus awkward names) x tracking settings (UTM, click tracking, none), to compare two commits byte for byte:

    .venv/bin/python bench/_compose_digest.py before.json    # on the old commit
    .venv/bin/python bench/_compose_digest.py after.json     # on the new one, then diff the two files

A helper, not a benchmark (its name starts with `_`); docs/templates.md says when it was used."""

import csv
import dataclasses
import hashlib
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ["REKINDLE_UNSUBSCRIBE_SECRET"] = "golden-secret"

from engine.project import load_project  # noqa: E402
from engine.rendering.compose import compose_email  # noqa: E402
from engine.store.models import Customer  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
project = load_project(ROOT / "rekindle.yaml")
people = []
extra = [("Zoë", "Ørsted", "da-DK"), ("  padded ", "x", None), ("Tom & Jerry", "<b>", "en-US"), ("line\nbreak", "", None),
         ("José", "Martínez", "es-ES"), (None, None, None), ("é" * 40, "Å" * 30, "fr-FR"), ("\ue000", "q", None), ("O'Brien \"q\"", "x", None)]
with open("examples/data/customers.csv") as f:
    for row in csv.DictReader(f):
        people.append(Customer(external_id=row["id"], email=row["email"], first_name=row["first_name"] or None,
                               last_name=row["last_name"] or None, locale=row["locale"] or None, timezone=row["timezone"] or None,
                               created_at=datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")), subscribed=True,
                               attributes={"plan": row["plan"], "birthday": row["birthday"], "lifetime_value": float(row["lifetime_value"] or 0), "country": row["country"], "company": row["company"]}))
for i, (f_, l, loc) in enumerate(extra):
    people.append(Customer(external_id=f"x{i}", email=f"x{i}@example.com", first_name=f_, last_name=l, locale=loc, timezone="Europe/London",
                           created_at=datetime(2023, 1, 1), subscribed=True, attributes={"plan": "pro", "birthday": "1990-02-03", "lifetime_value": 12.5}))
configs = {"plain": project.config,
           "click": dataclasses.replace(project.config, tracking=dataclasses.replace(project.config.tracking, click_url="https://t.example/c/{token}")),
           "noutm": dataclasses.replace(project.config, tracking=dataclasses.replace(project.config.tracking, utm={}))}
out = {}
for mode, config in configs.items():
    for camp in project.campaigns:
        for step in camp.steps:
            for variant in [None, *step.variants]:
                for n, person in enumerate(people):
                    key = f"{mode}/{camp.id}/{step.id}/{variant.id if variant else '-'}/{person.external_id}"
                    try:
                        c = compose_email(config, camp, step, person, variant=variant, now=NOW, message_id=f"<g.{n}@x.example>")
                        out[key] = hashlib.sha256(repr((c.subject, c.preheader, c.html, c.text, c.message, c.template, c.links)).encode()).hexdigest()
                    except Exception as e:
                        out[key] = f"error {type(e).__name__}: {e}"
json.dump(out, open(sys.argv[1], "w"), indent=0, sort_keys=True)
print(len(out), sum(v.startswith("error") for v in out.values()))
