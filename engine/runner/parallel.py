"""Rendering a tick's due emails on every core: a pool of worker processes, each with the project loaded.

The tick still decides everything in SQL and in the pure state machine, in one process, and still writes
every delivery row itself; only the rendering (most of a tick's time) is handed out, one batch of due
emails at a time, in chunks. Each message is rendered exactly once and its bytes are stored in its delivery
row before the batch commits and before any SMTP traffic, as without workers, so the crash guarantee and the
stable Message-ID (derived from enrolment and step, not from who rendered it) hold. The results come back in
job order, so a run with workers writes byte for byte what a run without them writes.

Workers start on first use, and only for a batch with at least `min_jobs` emails: a small tick renders in
process and never pays the pool's start-up. They are started with the `spawn` method (no fork of a process
holding database connections and threads) and get the project and the run's instant once, at start.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from engine.rendering.errors import RenderError
from engine.rules.model import Campaign, Step, Variant
from engine.runner.render import Rendered, Renderer, compose_renderer

#: Below this many emails in a batch, rendering in process is cheaper than shipping the work out.
MIN_JOBS = 64


@dataclass(frozen=True)
class RenderJob:
    """One email to render, as plain data (it travels to a worker process)."""

    campaign_id: str
    step_id: str
    customer: dict[str, Any]
    variant_id: str | None
    message_id: str


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_WORKER: dict[str, Any] = {}


def _start_worker(project, now: datetime, secret: bytes | None) -> None:
    _WORKER["project"] = project
    _WORKER["render"] = compose_renderer(project, now, secret)
    _WORKER["campaigns"] = {campaign.id: campaign for campaign in project.campaigns}


def _render_chunk(jobs: Sequence[RenderJob]) -> list[Rendered | tuple[str, str, str, int]]:
    """Rendered emails, or (code, message, template, line) of the RenderError of one that failed."""
    out: list[Rendered | tuple[str, str, str, int]] = []
    for job in jobs:
        campaign = _WORKER["campaigns"][job.campaign_id]
        try:
            out.append(render_job(_WORKER["render"], campaign, job))
        except RenderError as exc:
            out.append((exc.code, exc.message, exc.template, exc.line))
    return out


def _variant(step: Step, variant_id: str | None) -> Variant | None:
    return next((v for v in step.variants if v.id == variant_id), None) if variant_id else None


def render_job(render: Renderer, campaign: Campaign, job: RenderJob) -> Rendered:
    step = campaign.step(job.step_id)
    assert step is not None  # jobs are made from the campaign's own queued steps
    return render(campaign, step, SimpleNamespace(**job.customer), _variant(step, job.variant_id), job.message_id)


class RenderPool:
    """`render_many(campaign, jobs)`: each job's Rendered or RenderError, in job order, using `workers`
    processes for large batches. Use as a context manager (the workers stop at the end)."""

    def __init__(self, project, now: datetime, secret: bytes | None, workers: int, *,
                 min_jobs: int = MIN_JOBS) -> None:
        self.project, self.now, self.secret = project, now, secret
        self.workers, self.min_jobs = max(1, workers), min_jobs
        self.inline = compose_renderer(project, now, secret)
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, campaign: Campaign, step: Step, customer: Any, variant: Variant | None,
                 msgid: str) -> Rendered:
        return self.inline(campaign, step, customer, variant, msgid)

    def render_many(self, campaign: Campaign, jobs: Sequence[RenderJob]) -> list[Rendered | RenderError]:
        if self.workers == 1 or len(jobs) < self.min_jobs:
            return [_attempt(self.inline, campaign, job) for job in jobs]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self.project, self.now, self.secret))
        size = -(-len(jobs) // (self.workers * 4))  # a few chunks per worker, so a slow one is not the tail
        chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        results: list[Rendered | RenderError] = []
        for chunk in self._pool.map(_render_chunk, chunks):
            results.extend(item if isinstance(item, Rendered) else RenderError(*item) for item in chunk)
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _attempt(render: Renderer, campaign: Campaign, job: RenderJob) -> Rendered | RenderError:
    try:
        return render_job(render, campaign, job)
    except RenderError as exc:
        return exc


def render_many(render: Renderer, campaign: Campaign, jobs: Sequence[RenderJob]) -> list[Rendered | RenderError]:
    """Any renderer's results for a batch: the pool's when it is one, else one after the other in process."""
    if isinstance(render, RenderPool):
        return render.render_many(campaign, jobs)
    return [_attempt(render, campaign, job) for job in jobs]
