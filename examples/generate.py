"""Generate the example customers and events (examples/data/*.csv) that the demo and the docs use.

Deterministic: the same `--seed` and `--now` always write byte-identical files, so the committed data can be
checked (tests/importer/test_example_data.py regenerates it). Every customer belongs to one lifecycle persona,
chosen so that each shipped campaign has an audience on the reference date 2026-11-23 (a Monday):

    new          signed up 0-3 days ago                         -> welcome
    onboarding   signed up 4-20 days ago, onboarding not done   -> (nothing yet)
    onboarded    completed onboarding in the last 7 days        -> onboarding-complete
    month-in     signed up 30-45 days ago, 5+ logins in 30 days -> feedback-request
    engaged      8-14 logins in 30 days on a paid plan          -> referral-ask (some already referred)
    heavy-low    15+ logins and 3+ projects, plan free or basic -> upsell-heavy-users
    heavy-pro    as heavy, on pro or team                       -> referral-ask, not upsell
    regular      a few logins a month                           -> (baseline)
    quiet-90     last login/purchase 90-179 days ago            -> winback-90
    quiet-180    last login/purchase 180+ days ago              -> (too far gone for winback-90)

Across personas: birthdays today and in the next days, sign-up anniversaries today, unsubscribed customers,
names in many scripts, and time zones with and without daylight saving time.

The fortnight after the reference date goes to `events-later.csv`, which the demo imports before running the
campaigns on for two weeks, so `rekindle report` has something to measure: win-back purchases (customers who
get the emails buy more often than the held-out 10%, and some held-out ones buy anyway), first projects of new
customers, feedback, referrals and upgrades, and the logins of everyday use. It uses its own random stream,
so customers.csv and events.csv do not change with it.

Usage: python examples/generate.py [--now 2026-11-23T09:00:00Z] [--seed 7] [--out examples/data]
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REFERENCE_NOW = "2026-11-23T09:00:00Z"
SEED = 7
OUT = Path(__file__).parent / "data"

PERSONAS = {  # persona -> number of customers
    "new": 24,
    "onboarding": 26,
    "onboarded": 18,
    "month-in": 26,
    "engaged": 40,
    "heavy-low": 22,
    "heavy-pro": 12,
    "regular": 60,
    "quiet-90": 40,
    "quiet-180": 28,
}
# (time zone, country, locale, UTC offset written on some events to show offsets are normalised)
PLACES = [
    ("America/New_York", "US", "en-US", -5),
    ("America/Los_Angeles", "US", "en-US", -8),
    ("Europe/London", "GB", "en-GB", 0),
    ("Europe/Paris", "FR", "fr-FR", 1),
    ("Europe/Berlin", "DE", "de-DE", 1),
    ("America/Sao_Paulo", "BR", "pt-BR", -3),
    ("Asia/Tokyo", "JP", "ja-JP", 9),
    ("Asia/Kolkata", "IN", "en-IN", 5.5),
    ("Australia/Sydney", "AU", "en-AU", 11),
    ("Pacific/Auckland", "NZ", "en-NZ", 13),
    ("", "ES", "es-ES", 1),  # time zone unknown: campaigns fall back to defaults.timezone
]
FIRST = ["Ava", "Liam", "Maya", "Noah", "Emma", "Lucas", "Chloé", "Jonas", "Sofia", "Mateo", "Aiko", "Ravi",
         "Olivia", "Ethan", "Zoë", "Hugo", "Ingrid", "Kwame", "Léa", "Omar", "Priya", "Sven", "Yara", "Tomás"]
LAST = ["Smith", "Martin", "García", "Müller", "Rossi", "Nguyen", "Kowalski", "Dubois", "Silva", "Tanaka",
        "Patel", "Johansson", "O'Brien", "Okafor", "Novak", "Haddad", "Schmidt", "Costa", "Lee", "Andersen"]
ODD_NAMES = [  # first name, last name: scripts, apostrophes, hyphens, one-word names, a missing first name
    ("李", "小龙"), ("Οδυσσέας", "Παπαδόπουλος"), ("Анастасия", "Иванова"), ("محمد", "الحسن"),
    ("Siobhán", "Ní Bhraonáin"), ("Jean-Luc", "Lévesque-Tremblay"), ("Björk", ""), ("", "Ødegård"),
    ("D'Arcy", "McAllister-Ó Súilleabháin"), ("Nguyễn", "Thị Minh Khai"),
]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises", "Hooli",
             "Vandelay Industries", "Soylent", "Tyrell"]
SKUS = [("SKU-STARTER", 19.0), ("SKU-PRO-MONTH", 49.0), ("SKU-TEAM-MONTH", 99.0), ("SKU-ADDON-STORAGE", 9.5)]


@dataclass
class Customer:
    persona: str
    id: str
    email: str
    first_name: str
    last_name: str
    locale: str
    timezone: str
    created_at: datetime
    subscribed: bool
    plan: str
    birthday: str
    company: str
    country: str
    offset: float
    events: list[tuple[str, datetime, dict]] = field(default_factory=list)


class Generator:
    def __init__(self, now: datetime, seed: int) -> None:
        self.now = now
        self.rng = random.Random(seed)
        self.customers: list[Customer] = []

    # --- time helpers -------------------------------------------------------------------------------------
    def ago(self, low_days: float, high_days: float) -> datetime:
        """A random instant between `high_days` and `low_days` before now, to the minute."""
        seconds = self.rng.uniform(low_days * 86400, high_days * 86400)
        return (self.now - timedelta(seconds=seconds)).replace(second=0, microsecond=0)

    def add(self, customer: Customer, name: str, count: int, low: float, high: float, **properties) -> None:
        for _ in range(count):
            customer.events.append((name, self.ago(low, high), dict(properties)))

    def purchases(self, customer: Customer, count: int, low: float, high: float) -> None:
        for _ in range(count):
            sku, amount = self.rng.choice(SKUS)
            customer.events.append(("purchase", self.ago(low, high), {"amount": amount, "sku": sku}))

    # --- customers -----------------------------------------------------------------------------------------
    def customer(self, persona: str, created_low: float, created_high: float, plan: str | None = None) -> Customer:
        number = len(self.customers) + 1
        place = self.rng.choice(PLACES)
        if number % 17 == 0:
            first, last = ODD_NAMES[(number // 17) % len(ODD_NAMES)]
            email = f"customer{number:04d}@example.org"
        else:
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            local = f"{_ascii(first)}.{_ascii(last)}{number}".lower()
            email = f"{local}+news@example.com" if number % 23 == 0 else f"{local}@example.com"
        born = date(self.rng.randint(1960, 2004), 1, 1) + timedelta(days=self.rng.randint(0, 364))
        created = self.ago(created_low, created_high)
        customer = Customer(
            persona=persona,
            id=f"cus_{number:04d}",
            email=email,
            first_name=first,
            last_name=last,
            locale=place[2] if number % 9 else "",
            timezone=place[0],
            created_at=created,
            subscribed=number % 29 != 0,  # a few unsubscribed in every persona
            plan=plan or self.rng.choices(["free", "basic", "pro", "team"], weights=[4, 3, 2, 1])[0],
            birthday=born.isoformat() if number % 7 else "",
            company=self.rng.choice(COMPANIES) if number % 3 == 0 else "",
            country=place[1],
            offset=place[3],
        )
        self.customers.append(customer)
        return customer

    def build(self) -> None:
        rng = self.rng
        for _ in range(PERSONAS["new"]):
            c = self.customer("new", 0.05, 3)
            age = (self.now - c.created_at).total_seconds() / 86400
            self.add(c, "login", rng.randint(1, 4), 0, age)
            if rng.random() < 0.4:
                self.add(c, "project_created", 1, 0, age)
        for _ in range(PERSONAS["onboarding"]):
            c = self.customer("onboarding", 4, 20)
            age = (self.now - c.created_at).total_seconds() / 86400
            self.add(c, "login", rng.randint(2, 7), 0, age)
            self.add(c, "project_created", rng.randint(0, 2), 0, age)
        for _ in range(PERSONAS["onboarded"]):
            c = self.customer("onboarded", 8, 25)
            age = (self.now - c.created_at).total_seconds() / 86400
            self.add(c, "login", rng.randint(4, 9), 0, age)
            self.add(c, "project_created", rng.randint(1, 3), 1, age)
            self.add(c, "onboarding_completed", 1, 0.2, 6.8)
        for _ in range(PERSONAS["month-in"]):
            c = self.customer("month-in", 30.2, 44.8)
            self.add(c, "onboarding_completed", 1, 20, 29)
            self.add(c, "login", rng.randint(5, 7), 0.1, 29.5)
            self.add(c, "project_created", rng.randint(1, 2), 1, 29)
            if rng.random() < 0.2:
                self.add(c, "feedback_submitted", 1, 1, 20, score=rng.randint(6, 10))
            if rng.random() < 0.3:
                self.purchases(c, 1, 1, 29)
        for _ in range(PERSONAS["engaged"]):
            c = self.customer("engaged", 60, 900, plan=rng.choice(["basic", "pro", "pro", "team"]))
            self.add(c, "login", rng.randint(8, 14), 0.1, 29.5)
            self.add(c, "login", rng.randint(5, 20), 31, 200)
            self.purchases(c, rng.randint(1, 6), 1, 400)
            if rng.random() < 0.25:
                self.add(c, "referral_sent", 1, 5, 80)
        for persona, plans in (("heavy-low", ["free", "basic"]), ("heavy-pro", ["pro", "team"])):
            for _ in range(PERSONAS[persona]):
                c = self.customer(persona, 45, 700, plan=rng.choice(plans))
                self.add(c, "login", rng.randint(15, 30), 0.1, 29.5)
                self.add(c, "project_created", rng.randint(3, 7), 0.5, 29.5)
                self.add(c, "login", rng.randint(10, 30), 31, 180)
                if c.plan in ("pro", "team"):
                    self.purchases(c, rng.randint(2, 8), 1, 300)
                    previous = "basic" if c.plan == "pro" else "pro"
                    self.add(c, "plan_changed", 1, 30, 300, **{"from": previous, "to": c.plan})
        for _ in range(PERSONAS["regular"]):
            c = self.customer("regular", 50, 1100)
            self.add(c, "login", rng.randint(1, 6), 0.5, 29.5)
            self.add(c, "login", rng.randint(3, 15), 31, 300)
            self.add(c, "project_created", rng.randint(0, 2), 1, 200)
            if c.plan != "free":
                self.purchases(c, rng.randint(1, 4), 2, 300)
        for persona, low, high in (("quiet-90", 90.5, 178.5), ("quiet-180", 181, 700)):
            for _ in range(PERSONAS[persona]):
                c = self.customer(persona, high + 30, high + 900)
                last_seen = self.ago(low, high)
                span = (self.now - c.created_at).total_seconds() / 86400
                seen_days = (self.now - last_seen).total_seconds() / 86400
                c.events.append(("login", last_seen, {}))
                self.add(c, "login", rng.randint(2, 12), seen_days, span)
                if c.plan != "free":
                    self.purchases(c, rng.randint(1, 3), seen_days, span)
                self.add(c, "feedback_submitted", int(rng.random() < 0.15), seen_days, span, score=rng.randint(1, 10))
        self.calendar_days()

    def calendar_days(self) -> None:
        """Birthdays today and just ahead, sign-up anniversaries today (and one that is not a full year yet)."""
        today = self.now.date()
        subscribed = [c for c in self.customers if c.subscribed]
        for i, c in enumerate(subscribed[5::31]):  # spread over personas
            c.birthday = today.replace(year=1975 + 3 * i).isoformat()
        for offset, c in enumerate(subscribed[11::41], start=1):
            c.birthday = (today + timedelta(days=offset)).replace(year=1988 + offset).isoformat()
        subscribed[20].birthday = "2000-02-29"  # a leap-day birthday
        # Moving a sign-up earlier never puts it after the customer's events, so each persona keeps its shape.
        moved: set[str] = set()
        for years in (1, 2, 3, 5):
            signed_up = self.now.replace(year=today.year - years)
            c = next(c for c in subscribed[years * 7 :]
                     if c.persona in ("engaged", "regular") and c.created_at > signed_up and c.id not in moved)
            c.created_at = signed_up.replace(hour=c.created_at.hour)
            moved.add(c.id)
        newcomer = next(c for c in subscribed if c.persona == "new")
        newcomer.created_at = self.now.replace(hour=7)  # signed up today: no anniversary before a full year

    def fortnight_after(self, seed: int) -> list[tuple[datetime, Customer, str, dict]]:
        """What customers do in the two weeks after now (goal events after enrolment, for the report)."""
        from engine.scheduling.hashing import in_holdout  # who the win-back campaign holds out (10%)

        rng = random.Random(seed * 1000 + 1)
        later: list[tuple[datetime, Customer, str, dict]] = []

        def ahead(low_days: float, high_days: float) -> datetime:
            return (self.now + timedelta(seconds=rng.uniform(low_days * 86400, high_days * 86400))).replace(
                second=0, microsecond=0)

        for c in self.customers:
            if c.persona == "quiet-90":
                chance = 0.25 if in_holdout("winback-90", c.id, 0.1) else 0.45  # the emails help
                if rng.random() < chance:
                    sku, amount = rng.choice(SKUS)
                    later.append((ahead(0.5, 12), c, "purchase", {"amount": amount, "sku": sku}))
            elif c.persona == "new" and rng.random() < 0.6:
                later.append((ahead(0.3, 6), c, "project_created", {}))
            elif c.persona == "month-in" and rng.random() < 0.35:
                later.append((ahead(0.5, 10), c, "feedback_submitted", {"score": rng.randint(6, 10)}))
            elif c.persona == "engaged" and rng.random() < 0.25:
                later.append((ahead(1, 13), c, "referral_sent", {}))
            elif c.persona == "heavy-low" and rng.random() < 0.3:
                later.append((ahead(1, 12), c, "plan_changed", {"from": c.plan, "to": "pro"}))
            if c.persona in ("new", "onboarded", "month-in", "engaged", "heavy-low", "heavy-pro", "regular"):
                for _ in range(rng.randint(1, 5)):
                    later.append((ahead(0.2, 13.9), c, "login", {}))
        return later

    # --- output --------------------------------------------------------------------------------------------
    def write_later(self, out: Path, seed: int) -> None:
        rows = sorted(self.fortnight_after(seed), key=lambda row: (row[0], row[1].id, row[2]))
        with open(out / "events-later.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["customer_id", "name", "occurred_at", "amount", "sku", "properties"])
            for when, c, name, props in rows:
                props = dict(props)
                amount, sku = props.pop("amount", ""), props.pop("sku", "")
                writer.writerow([c.id, name, _iso(when), f"{amount:.2f}" if amount != "" else "", sku,
                                 _json(props) if props else ""])

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "customers.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["id", "email", "first_name", "last_name", "locale", "timezone", "created_at",
                             "subscribed", "plan", "birthday", "company", "country", "lifetime_value"])
            for c in self.customers:
                value = sum(p.get("amount", 0) for name, _, p in c.events if name == "purchase")
                writer.writerow([c.id, c.email, c.first_name, c.last_name, c.locale, c.timezone, _iso(c.created_at),
                                 "true" if c.subscribed else "false", c.plan, c.birthday, c.company, c.country,
                                 f"{value:.2f}"])
        rows = [
            (when, c.id, name, props, c.offset)
            for c in self.customers
            for name, when, props in c.events
            if when <= self.now
        ]
        rows.sort(key=lambda row: (row[0], row[1], row[2]))
        with open(out / "events.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["customer_id", "name", "occurred_at", "amount", "sku", "properties"])
            for number, (when, customer_id, name, props, offset) in enumerate(rows):
                props = dict(props)
                amount, sku = props.pop("amount", ""), props.pop("sku", "")
                # Every fifth event carries the customer's local offset instead of Z: the import normalises it.
                stamp = _iso(when, offset if number % 5 == 0 else 0)
                extra = _json(props) if props else ""
                writer.writerow([customer_id, name, stamp, f"{amount:.2f}" if amount != "" else "", sku, extra])


def _ascii(name: str) -> str:
    table = str.maketrans("éèëöüäóáíúñçøåÆØÅ'", "eeeouaoaiuncoaEOA ")
    return "".join(ch for ch in name.translate(table) if ch.isascii() and ch.isalpha()) or "x"


def _iso(when: datetime, offset_hours: float = 0) -> str:
    if not offset_hours:
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.replace(tzinfo=timezone.utc).astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


def _json(props: dict) -> str:
    import json

    return json.dumps(props, sort_keys=True, ensure_ascii=False)


def generate(now: datetime, seed: int, out: Path) -> None:
    generator = Generator(now.astimezone(timezone.utc).replace(tzinfo=None), seed)
    generator.build()
    generator.write(out)
    generator.write_later(out, seed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--now", default=REFERENCE_NOW, help="reference instant (default %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    generate(datetime.fromisoformat(args.now.replace("Z", "+00:00")), args.seed, args.out)
    print(f"wrote {args.out / 'customers.csv'}, {args.out / 'events.csv'} and {args.out / 'events-later.csv'}")


if __name__ == "__main__":
    main()
