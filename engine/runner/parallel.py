"""Rendering a tick's due emails on every core: a crew of worker processes claiming from the render queue.

The tick decides in its own process and writes what is due as `rendering` deliveries, batch after batch
(engine/runner/render_queue.py); the crew's processes claim those rows as they are committed and render
them meanwhile, so deciding and rendering overlap. When the tick has decided everything it renders what is
left itself, beside the crew, and waits for it (`Crew.finish`). Each message is rendered once (a claim is
exclusive; a lost lease writes nothing) and its bytes are stored before any SMTP traffic; the Message-ID
comes from enrolment and step, so who rendered it changes no byte.

`workers` counts every rendering process, the tick's own included: `--workers 1` starts none (the tick
decides, then renders), `--workers N` starts N-1, once the tick has found at least 64 enrolments due or
committed at least 64 emails to render (so a small tick never pays for them). Starting them when the due
enrolments are counted, before the first batch is decided, lets their start-up (about a second: an
interpreter, the imports, the project) overlap that batch instead of following it. They are started with the `spawn` method (no fork of a
process holding database connections and threads) and get the store URL, the project and the secret once.
A member that dies leaves its claims behind; the tick gives them back at once (`release`) and renders them,
and elsewhere (another machine) a dead renderer's lease expires.
"""

from __future__ import annotations

import multiprocessing
import os
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from engine.project import Project
from engine.runner.render import Renderer, compose_renderer
from engine.runner.render_queue import BATCH, RendererFor, drain, new_token, release, waiting

POLL = 0.05
"""Seconds an idle crew member waits before looking for newly decided work."""
MIN_JOBS = 64
"""The crew starts once the tick has left this many emails to render: a small tick renders in process and
never pays for starting interpreters (about a second each)."""


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def renderers(project: Project, secret: bytes | None, first: tuple[datetime, Renderer] | None = None) -> RendererFor:
    """One renderer per instant the claimed emails were decided at (normally the one tick's `now`)."""
    made: dict[datetime, Renderer] = dict([first]) if first else {}

    def renderer_for(moment: datetime) -> Renderer:
        if moment not in made:
            made[moment] = compose_renderer(project, moment, secret)
        return made[moment]

    return renderer_for


def render_until_decided(url: str, project: Project, secret: bytes | None, name: str, decided: Any,
                         size: int = BATCH) -> None:
    """A crew member (or `rekindle run --render-only` with `decided` already set): render what is waiting,
    then keep looking until the tick says it has decided everything, then render what is left and stop."""
    from engine.store.database import open_engine

    engine = open_engine(url)
    campaigns = {campaign.id: campaign for campaign in project.campaigns}
    renderer_for = renderers(project, secret)
    try:
        with engine.connect() as conn:
            while True:
                last_round = decided.is_set()  # read first: what was decided before it was set is now visible
                drain(conn, campaigns, renderer_for, token=new_token(name), size=size)
                if last_round:
                    return
                while not decided.is_set() and not _waiting_now(conn):
                    decided.wait(POLL)
    finally:
        engine.dispose()


def _waiting_now(conn: Connection) -> int:
    """How many emails wait to be rendered, read and let go at once (rolled back), so that a process that
    only looks never holds a transaction, nor SQLite's lock, while it waits or renders."""
    count = waiting(conn)
    conn.rollback()
    return count


class Crew:
    """`workers - 1` rendering processes beside the tick's own, started once `min_jobs` enrolments are due
    (`expect`, called by the tick before it decides them) or `min_jobs` emails wait (`grow`, called after each
    batch); a context manager (they stop at the end)."""

    def __init__(self, engine: Engine, project: Project, secret: bytes | None, workers: int, *,
                 min_jobs: int = MIN_JOBS) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.decided = self.context.Event()
        self.prefix = f"crew-{os.getpid()}-{os.urandom(3).hex()}"
        self.args = (engine.url.render_as_string(hide_password=False), project, secret)
        self.size, self.min_jobs, self.pending = max(0, workers - 1), min_jobs, 0
        self.members: list[Any] = []

    def grow(self, emails: int) -> None:
        """The tick committed `emails` more to render: start the members once there are enough."""
        self.pending += emails
        if self.pending >= self.min_jobs:
            self._start()

    def expect(self, due: int) -> None:
        """The tick is about to decide `due` enrolments: start the members now if that is enough work (most
        due enrolments become an email; the few held out or suppressed only mean a member waits a little)."""
        if due >= self.min_jobs:
            self._start()

    def _start(self) -> None:
        if self.members:
            return
        url, project, secret = self.args
        self.members = [
            self.context.Process(target=render_until_decided, args=(url, project, secret, f"{self.prefix}.{n}",
                                                                    self.decided), daemon=True)
            for n in range(self.size)
        ]
        for member in self.members:
            member.start()

    def finish(self, conn: Connection) -> int:
        """Tell the members everything is decided, wait for them; give back what a dead one had claimed.
        Returns how many claims were given back (the caller renders them)."""
        self.decided.set()
        given_back = 0
        for number, member in enumerate(self.members):
            member.join()
            if member.exitcode != 0:
                given_back += release(conn, f"{self.prefix}.{number}/")
        self.members = []
        return given_back

    def close(self) -> None:
        self.decided.set()
        for member in self.members:
            member.terminate()
            member.join()
        self.members = []

    def __enter__(self) -> Crew:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def render_waiting(engine: Engine, project: Project, secret: bytes | None, workers: int) -> tuple[int, int]:
    """`rekindle run --render-only`: render, with `workers` processes, what waits to be rendered in the store
    (decided by a tick here or on another machine), then stop. Returns how many waited at the start and how
    many wait at the end: a tick still deciding elsewhere may have added more, which its own renderers or the
    next call take (a failed render is no longer waiting: it is a `render_failed` decision)."""
    campaigns = {campaign.id: campaign for campaign in project.campaigns}
    with engine.connect() as conn:
        waited = _waiting_now(conn)
        with Crew(engine, project, secret, workers) as crew:
            crew.decided.set()  # nothing to wait for: the members render what waits, and stop
            crew.grow(waited)
            drain(conn, campaigns, renderers(project, secret))
            if crew.finish(conn):
                drain(conn, campaigns, renderers(project, secret))
        left = _waiting_now(conn)
    return waited, left
