"""A small real project for the web endpoint's tests: config, two campaigns of two categories with linked
templates, customers imported by the CLI, and the app built by `create_app` on the `store_url` of each dialect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from engine.cli.app import app as cli
from engine.project import load_project
from engine.store.database import open_engine
from engine.store.models import CategoryOptOut, Customer, Delivery, Event, Suppression
from engine.suppression.tokens import sign
from engine.web.app import create_app

SECRET = "web-test-secret"
API_TOKEN = "api-test-token"
ENVIRON = {"REKINDLE_UNSUBSCRIBE_SECRET": SECRET, "REKINDLE_API_TOKEN": API_TOKEN}
NOW = "2026-11-23T10:00:00Z"
BASE = "http://testserver"
TEMPLATE = (
    "{% block subject %}News for {{ customer.first_name }}{% endblock %}"
    '<p>Hello {{ customer.first_name }}. <a href="https://shop.example/sale">The sale</a>, '
    '<a href="https://shop.example/blog?a=1&amp;b=2">the blog</a>, '
    '<a href="https://shop.example/sale">the sale again</a>, <a href="mailto:help@shop.example">help</a>.</p>'
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
)


def write_project(root: Path, store_url: str, web: str = "  rate_limit: 100000/minute\n") -> Path:
    (root / "rules").mkdir(parents=True, exist_ok=True)
    for cid, category in (("news", "newsletter"), ("offers", "offers")):
        (root / "rules" / f"{cid}.yaml").write_text(
            f"version: 1\nid: {cid}\ncategory: {category}\naudience: {{subscribed: true}}\n"
            f"steps:\n  - {{id: hello, template: {cid}/hello}}\n", encoding="utf-8")
        (root / "templates" / cid).mkdir(parents=True, exist_ok=True)
        (root / "templates" / cid / "hello.html").write_text(TEMPLATE, encoding="utf-8")
    config = root / "rekindle.yaml"
    config.write_text(
        "version: 1\n"
        f"store:\n  url: \"{store_url}\"\n"
        "sender:\n  from: \"Shop <news@shop.example>\"\n"
        "delivery:\n  backend: maildir\n  maildir: {path: outbox}\n"
        f"unsubscribe:\n  url: \"{BASE}/unsubscribe?token={{token}}\"\n"
        f"tracking:\n  utm: {{source: rekindle, medium: email}}\n  click_url: \"{BASE}/c/{{token}}\"\n"
        f"web:\n{web}",
        encoding="utf-8",
    )
    return config


@dataclass
class WebKit:
    root: Path
    config: Path
    store: Engine

    def rekindle(self, *args: str, env: dict[str, str] | None = None):
        result = CliRunner().invoke(cli, [*args, "-c", str(self.config)], env={**ENVIRON, **(env or {})})
        assert result.exit_code == 0, result.output
        return result

    def customers(self, count: int) -> list[tuple[str, str]]:
        """Import `count` customers c0..; returns their (external id, email)."""
        people = [(f"c{i}", f"person{i}@example.com") for i in range(count)]
        lines = "id,email,first_name\n" + "".join(f"{cid},{email},P{cid}\n" for cid, email in people)
        path = self.root / "customers.csv"
        path.write_text(lines, encoding="utf-8")
        self.rekindle("import", "customers", str(path))
        return people

    def app(self, environ: dict[str, str] | None = None, **options):
        return create_app(load_project(self.config), self.store, environ=ENVIRON if environ is None else environ,
                          **options)

    def client(self, environ: dict[str, str] | None = None, **options) -> TestClient:
        return TestClient(self.app(environ, **options), base_url=BASE, follow_redirects=False)

    # --- reading the store back -------------------------------------------------------------------
    def scalar(self, query):
        with self.store.connect() as conn:
            return conn.execute(query).scalar()

    def rows(self, query) -> list[tuple]:
        with self.store.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]

    def subscribed(self, external_id: str) -> bool:
        return self.scalar(select(Customer.subscribed).where(Customer.external_id == external_id))

    def suppressions(self) -> list[tuple]:
        return self.rows(select(Suppression.email, Suppression.reason).order_by(Suppression.email))

    def count(self, model) -> int:
        return self.scalar(select(func.count()).select_from(model))

    def events(self) -> list[tuple]:
        return self.rows(select(Event.customer_id, Event.name, Event.properties, Event.event_id).order_by(Event.id))

    def optouts(self) -> list[tuple]:
        return self.rows(select(CategoryOptOut.customer_id, CategoryOptOut.category).order_by(CategoryOptOut.category))

    def deliveries(self) -> list[tuple]:
        return self.rows(select(Delivery.campaign_id, Delivery.customer_id, Delivery.message_id, Delivery.links,
                                Delivery.message).order_by(Delivery.id))


def token(external_id: str, email: str, secret: str = SECRET) -> str:
    return sign(external_id, email, secret.encode())


def make_kit(root: Path, store_url: str, web: str | None = None) -> WebKit:
    config = write_project(root, store_url, *(() if web is None else (web,)))
    kit = WebKit(root, config, open_engine(store_url))
    kit.rekindle("db", "init")
    return kit


__all__ = ["WebKit", "make_kit", "token", "API_TOKEN", "SECRET", "ENVIRON", "NOW", "BASE", "Delivery"]
