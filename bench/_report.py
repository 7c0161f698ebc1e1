"""The benchmark report: `python -m bench` writes BENCHMARKS.md from what each benchmark printed and returned.

A benchmark's `main(argv)` may return a list of `Figure`s: one measured figure beside the baseline measured in
the same run (raw Jinja, the stdlib MIME builder, sequential smtplib...), and the ratio between them. Its
printed output is kept too, verbatim, so every figure can be traced to the run that produced it.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

PACKAGES = ("jinja2", "sqlalchemy", "psycopg", "aiosmtplib", "inscriptis", "lxml", "markupsafe")


@dataclass(frozen=True)
class Figure:
    what: str
    figure: str
    baseline: str
    """The yardstick measured in the same run, with its own figure."""
    ratio: str
    """figure / baseline (and the target, where the issue sets one)."""
    bounds: str = ""
    """Where the figure misses its target: what bounds it and what would move it (empty where it is met or
    there is no target), so a missed target is never just a number in the report."""


@dataclass
class Section:
    name: str
    argv: list[str]
    seconds: float
    output: str
    figures: list[Figure]
    error: str | None = None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _postgres_version() -> str:
    url = os.environ.get("REKINDLE_BENCH_POSTGRES_URL") or os.environ.get("REKINDLE_TEST_POSTGRES_URL")
    if not url:
        return "not measured (set REKINDLE_BENCH_POSTGRES_URL)"
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
        return f"PostgreSQL {version}"
    except Exception as exc:  # noqa: BLE001 - the report says why, it does not fail
        return f"unreachable ({type(exc).__name__})"


def _git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return [
        ("date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("commit", _git_head()),
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} logical cores"),
        ("memory", _memory_gib()),
        ("load average (1/5/15 min) at the start", load),
        ("OS", platform.platform()),
        ("Python", sys.version.split()[0]),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", _postgres_version()),
        ("packages", ", ".join(versions)),
    ]


def write(path: Path, sections: list[Section], argv: list[str], before: list[tuple[str, str]],
          load_after: tuple[float, ...]) -> None:
    """The report; `before` is `machine()` as it was when the benchmarks started."""
    lines = ["# Benchmarks", "",
             f"Written by `python -m bench {' '.join(argv)}`".rstrip() + " (see [bench/README.md](bench/README.md) "
             "for what each benchmark measures and how). Do not edit by hand: run `make bench` again.", "",
             "**Figures were taken under load**: the machine is shared with other busy processes, so absolute "
             "rates move from run to run. Each figure stands next to a baseline measured in the same run, "
             "interleaved where the benchmark allows, so the ratio is the meaningful number. A command's peak RSS "
             "is its own: commands are started from a small launcher (bench/_child.py), because a child's peak "
             "never reads below that of the process that forked it.", "",
             "## Machine", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in before]
    lines += [f"| load average at the end | {', '.join(f'{v:.1f}' for v in load_after)} |", ""]
    figures = [(section.name, figure) for section in sections for figure in section.figures]
    if figures:
        lines += ["## Figures beside their same-run baselines", "",
                  "| benchmark | what | figure | baseline (same run) | ratio |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {name} | {f.what} | {f.figure} | {f.baseline} | {f.ratio} |" for name, f in figures]
        lines.append("")
    missed = [(name, figure) for name, figure in figures if figure.bounds]
    if missed:
        lines += ["## Targets missed: what bounds them and what would move them", ""]
        lines += [f"- **{name}, {f.what}** ({f.figure}; {f.ratio}): {f.bounds}" for name, f in missed]
        lines.append("")
    lines += ["## Each benchmark's output", ""]
    for section in sections:
        lines += [f"### `{section.name}` ({section.seconds:.0f} s)", "",
                  f"`python -m bench {section.name} {' '.join(section.argv)}`".replace(" `", "`"), ""]
        if section.error:
            lines += [f"**failed**: {section.error}", ""]
        lines += ["```text", section.output.rstrip(), "```", ""]
    path.write_text("\n".join(lines))
