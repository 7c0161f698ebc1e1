"""Rendering throughput: raw Jinja vs the full compose_email, and four ways to build the MIME message.

    .venv/bin/python -m bench render                # 100,000 messages per run, 3 runs (several minutes)
    .venv/bin/python -m bench render --count 5000   # a quick look

Reports messages per CPU second (see `interleaved`), as the median of --repeat runs, for:
  jinja       the raw Jinja render of the winback/offer HTML and text templates, in a plain environment of the
              same settings and filters (the floor any approach pays)
  compose     compose_email end to end: context, subject/preheader, HTML, text, UTM links, signed unsubscribe
              link, MIME bytes (what `rekindle run` pays per queued email)
  compose+gen the same for welcome/getting-started, which has no hand-written .txt (plain text generated from
              the HTML), beside the raw Jinja render of its .html, on half the messages
and, on the same rendered parts, the MIME builders that were compared (each output is parsed back with
policy.default and checked to carry the same subject, recipients and bodies):
  EmailMessage(policy=default), EmailMessage(policy=SMTP), compat32 MIMEMultipart, precompiled (Rekindle's).
"""

from __future__ import annotations

import argparse
import email
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email import policy
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import Figure  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.rendering.compose import compose_email  # noqa: E402
from engine.rendering.context import build_context, customer_view  # noqa: E402
from engine.rendering.environment import make_environment  # noqa: E402
from engine.rendering.message import Envelope, build_message  # noqa: E402
from engine.rendering.renderer import renderer_for  # noqa: E402
from engine.store.models import Customer  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
NAMES = [("Ada", "Lovelace", "en-GB"), ("Grace", "Hopper", "en-US"), ("Zoë", "Ørsted", "da-DK"),
         ("Katherine", "Johnson", "en-US"), ("José", "Martínez", "es-ES"), (None, None, None)]


def customers(count: int) -> list[Customer]:
    people = []
    for index in range(count):
        first, last, locale = NAMES[index % len(NAMES)]
        people.append(Customer(external_id=f"c{index}", email=f"person{index}@example.com", first_name=first,
                               last_name=last, locale=locale, timezone="Europe/London",
                               created_at=datetime(2023, 1, 1), subscribed=True, attributes={"plan": "pro"}))
    return people


def interleaved(count: int, contenders: dict[str, Callable[[int], object]], chunk: int = 500) -> dict[str, float]:
    """Messages per CPU second of each contender, run in alternating chunks so that each sees the same machine
    load (this benchmark is often run on a busy box; sequential runs would compare different conditions).
    CPU time (`time.process_time`) rather than wall time: on a machine whose cores other work shares, the wall
    time of a chunk counts the time the process waited for a core, which differs from chunk to chunk; its CPU
    time is what a rendering worker pays per message. Both are printed."""
    spent = dict.fromkeys(contenders, 0.0)
    walls = dict.fromkeys(contenders, 0.0)
    done = 0
    while done < count:
        size = min(chunk, count - done)
        for label, work in contenders.items():
            started, wall = time.process_time(), time.perf_counter()
            for index in range(done, done + size):
                work(index)
            spent[label] += time.process_time() - started
            walls[label] += time.perf_counter() - wall
        done += size
    rates = {label: count / seconds for label, seconds in spent.items()}
    for label, per_second in rates.items():
        print(f"  {label:<42} {per_second:>9,.0f} msgs/s   ({count:,} in {spent[label]:.1f} CPU s, "
              f"{walls[label]:.1f} s wall)")
    return rates


# --- the MIME builders compared, all from the same rendered parts -------------------------------------------

def _headers(message, parts) -> None:
    message["From"] = parts["from"]
    message["To"] = parts["to"]
    message["Subject"] = parts["subject"]
    message["Date"] = format_datetime(NOW)
    message["Message-ID"] = parts["message_id"]
    message["List-Unsubscribe"] = parts["list_unsubscribe"]
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def with_email_message(parts: dict, chosen: policy.Policy) -> bytes:
    message = EmailMessage(policy=chosen)
    _headers(message, parts)
    message.set_content(parts["text"], cte="quoted-printable")
    message.add_alternative(parts["html"], subtype="html", cte="quoted-printable")
    return message.as_bytes(policy=policy.SMTP)


def with_compat32(parts: dict) -> bytes:
    charset = Charset("utf-8")
    charset.body_encoding = QP
    message = MIMEMultipart("alternative")
    _headers(message, {**parts, "subject": Header(parts["subject"], "utf-8").encode(),
                       "to": formataddr(("", parts["to_addr"])) if not parts["to_name"] else
                       formataddr((parts["to_name"], parts["to_addr"]), charset="utf-8")})
    message.attach(MIMEText(parts["text"], "plain", charset))
    message.attach(MIMEText(parts["html"], "html", charset))
    return message.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))


def precompiled(parts: dict) -> bytes:
    envelope = Envelope(subject=parts["subject"], from_address=parts["from"], to_address=parts["to_addr"],
                        to_name=parts["to_name"], message_id=parts["message_id"], date=NOW,
                        list_unsubscribe=(parts["list_unsubscribe"].strip("<>"),))
    return build_message(envelope, parts["text"], parts["html"])


def same_meaning(raw: bytes, parts: dict) -> bool:
    message = email.message_from_bytes(raw, policy=policy.default)
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    return (message["Subject"] == parts["subject"] and message["To"].addresses[0].addr_spec == parts["to_addr"]
            and plain.get_content().replace("\r\n", "\n").rstrip("\n") == parts["text"].rstrip("\n")
            and html.get_content().replace("\r\n", "\n").rstrip("\n") == parts["html"].rstrip("\n")
            and max(len(line) for line in raw.split(b"\r\n")) <= 998)


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="messages per render row")
    parser.add_argument("--builder-count", type=int, default=10_000, help="messages per MIME builder row")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the report gives the median")
    args = parser.parse_args(argv)
    os.environ.setdefault("REKINDLE_UNSUBSCRIBE_SECRET", "bench-secret")

    project = load_project(ROOT / "rekindle.yaml")
    winback = project.campaign("winback-90")
    offer = winback.step("offer")
    welcome = project.campaign("welcome")
    getting_started = welcome.step("getting-started")  # no .txt: text generated from the HTML
    people = customers(min(args.count, 10_000))
    renderer = renderer_for(project.config)
    # The floor: the same templates in a plain environment of the same settings and filters, without the
    # `finalize` hook compose_email's skeletons use (engine/rendering/slots.py).
    plain = make_environment(renderer.templates_dir)
    plain.finalize = None
    html_t, text_t = plain.get_template("winback/offer.html"), plain.get_template("winback/offer.txt")
    started_t = plain.get_template("welcome/getting-started.html")
    contexts = [build_context(winback, offer, customer_view(c), variant=None, now=NOW,
                              unsubscribe_url="https://rekindle.example/unsubscribe?token=x") for c in people]
    started_contexts = [build_context(welcome, getting_started, customer_view(c), variant=None, now=NOW,
                                      unsubscribe_url="https://rekindle.example/unsubscribe?token=x")
                        for c in people]
    n = len(people)

    print(f"Python {sys.version.split()[0]}, {args.count:,} messages per run, {n:,} distinct customers, "
          f"{args.repeat} runs\n")
    runs = []
    for run in range(1, args.repeat + 1):
        print(f"run {run}: render (interleaved)")
        jinja, compose = interleaved(args.count, {
            "jinja (offer .html + .txt)": lambda i: (html_t.render(contexts[i % n]), text_t.render(contexts[i % n])),
            "compose_email (offer, hand-written .txt)": lambda i: compose_email(
                project.config, winback, offer, people[i % n], variant=None, now=NOW, message_id=f"<r.{i}.offer@x.example>"),
        }).values()
        jinja_started, generated = interleaved(max(args.count // 2, 1), {
            "jinja (getting-started .html)": lambda i: started_t.render(started_contexts[i % n]),
            "compose_email (text generated from HTML)": lambda i: compose_email(
                project.config, welcome, getting_started, people[i % n], variant=None, now=NOW,
                message_id=f"<r.{i}@x.example>"),
        }).values()
        runs.append((jinja, compose, jinja_started, generated))
    jinja, compose, jinja_started, generated = (median(column) for column in zip(*runs))
    hand_ratio = median(c / j for j, c, _, _ in runs)
    gen_ratio = median(g / j for _, _, j, g in runs)

    sample = compose_email(project.config, winback, offer, people[2], variant=None, now=NOW, message_id="<s@x>")
    parts = {"from": "Rekindle Demo <hello@rekindle.example>", "to": formataddr(("Zoë Ørsted", "zoe@example.com"), "utf-8"),
             "to_name": "Zoë Ørsted", "to_addr": "zoe@example.com", "subject": sample.subject,
             "message_id": "<s@rekindle.example>", "list_unsubscribe": "<https://rekindle.example/u?token=x>",
             "text": sample.text, "html": sample.html}
    builders = {
        "EmailMessage(policy=default)": lambda: with_email_message(parts, policy.default),
        "EmailMessage(policy=SMTP)": lambda: with_email_message(parts, policy.SMTP),
        "compat32 MIMEMultipart": lambda: with_compat32(parts),
        "precompiled (Rekindle)": lambda: precompiled(parts),
    }
    print("\nMIME building only, same rendered parts (interleaved)")
    for label, build in builders.items():
        if not same_meaning(build(), parts):
            raise SystemExit(f"{label} does not round-trip the message; its rate would mean nothing")
    results = interleaved(args.builder_count, {label: (lambda _i, b=build: b()) for label, build in builders.items()},
                          chunk=200)
    print(f"\nmedian of {args.repeat} runs: compose_email runs at {hand_ratio:.0%} of the raw Jinja rate "
          f"({compose:,.0f} vs {jinja:,.0f} msgs/s); text generated from HTML: {gen_ratio:.0%} "
          f"({generated:,.0f} vs {jinja_started:,.0f} msgs/s)")
    fastest_other = max(v for k, v in results.items() if not k.startswith("precompiled"))
    print(f"precompiled builder: {results['precompiled (Rekindle)'] / results['EmailMessage(policy=default)']:.0f}x "
          f"EmailMessage(policy=default), {results['precompiled (Rekindle)'] / fastest_other:.1f}x the fastest "
          "stdlib alternative")
    default = results["EmailMessage(policy=default)"]
    return [
        Figure("compose_email, hand-written .txt (winback/offer)", f"{compose:,.0f} msg/s",
               f"raw Jinja of offer .html + .txt: {jinja:,.0f}/s", f"{hand_ratio:.0%} (target 50%)",
               _bounds(hand_ratio, 0.50)),
        Figure("compose_email, text generated from HTML (welcome/getting-started)", f"{generated:,.0f} msg/s",
               f"raw Jinja of the .html: {jinja_started:,.0f}/s", f"{gen_ratio:.0%} (target 35%)",
               _bounds(gen_ratio, 0.35)),
        Figure("MIME bytes: precompiled builder", f"{results['precompiled (Rekindle)']:,.0f} msg/s",
               f"stdlib EmailMessage(policy=default): {default:,.0f}/s",
               f"{results['precompiled (Rekindle)'] / default:.0f}x"),
    ]


def _bounds(ratio: float, target: float) -> str:
    """What bounds a missed render ratio (docs/templates.md has the measurements behind it)."""
    if ratio >= target:
        return ""
    return ("by instruction count (callgrind) compose_email is at 62% and 48% of the raw render, above both "
            "targets, but per message it also takes about 1.5x the raw render's cache misses and mispredicted "
            "branches (its code and data are larger), so its time ratio stays lower, on a quiet machine too. "
            "What would move it: the customer view and the unsubscribe token (about a tenth), the Renderer "
            "around the render (block taps, budget), the MIME headers (docs/templates.md)")


if __name__ == "__main__":
    main(sys.argv[1:])
