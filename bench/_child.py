"""Run a command in a child process and read its own wall time, CPU time and peak memory.

Why a launcher: on Linux a child's peak RSS (`ru_maxrss` from wait4) never reads below the high-water mark of
the process that forked it, because fork copies that mark and exec keeps it. `python -m bench` is hundreds of
MiB by the time it starts a child, so every child read as large as the bench itself (838 MiB for
`python -c pass`). The command is therefore forked from this small script, run in an isolated interpreter
(`-I -S`: no site packages, a few MiB), which reports the grandchild's figures on a pipe. Wall time is taken
inside the launcher, around fork and wait, so the launcher's own start-up is not counted.

`process_cpu` reads the CPU time so far of a process that is not our child (a database server's backend,
Postfix's smtp-sink), from /proc.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of process `pid` so far, from /proc; None once it has ended."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    returncode: int
    wall: float
    cpu: float
    peak_mib: int


class Child:
    """A started command; `finish()` waits for it and returns its own figures."""

    def __init__(self, command: list[str], **popen: Any) -> None:
        self._read, write = os.pipe()
        launcher = [sys.executable, "-I", "-S", __file__, str(write), *command]
        self.process = subprocess.Popen(launcher, pass_fds=(write,), **popen)
        os.close(write)

    def finish(self) -> Usage:
        self.process.wait()
        with os.fdopen(self._read, "rb") as pipe:
            report = pipe.read()
        if not report:
            raise SystemExit(f"the bench launcher failed (exit {self.process.returncode})")
        return Usage(**json.loads(report))


def _launch(report_fd: int, command: list[str]) -> int:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(report_fd)
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    returncode = os.waitstatus_to_exitcode(status)
    with os.fdopen(report_fd, "w") as report:
        json.dump({"returncode": returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                   "peak_mib": usage.ru_maxrss // 1024}, report)
    return returncode if returncode >= 0 else 1


if __name__ == "__main__":
    sys.exit(_launch(int(sys.argv[1]), sys.argv[2:]))
