"""The CI and scheduling examples work as written: each workflow is parsed and its shell steps run, in order,
in a fresh `git clone` of this repository with this checkout's `rekindle` on PATH; the cron line runs (and its
flock holds a second copy off); `systemd-analyze verify` checks the units; the CronJob is checked for what
keeps runs safe. All of them run on the schedule rekindle.yaml declares.

Skipped, and why (SKIPPED below names each one):
  - `uses:` steps (actions/checkout, setup-python, the JUnit and sticky-comment actions, upload-artifact):
    GitHub actions run only on GitHub; the clone and this Python stand in for the first two.
  - installing Rekindle from its git repository (`pip install "$REKINDLE_SOURCE"`) and `apt-get`: they need
    the network; this checkout's installed `rekindle` is put on PATH instead.
  - posting the merge request note: it needs GitLab's API and a token; post-mr-note.py is tested against a
    local stand-in of that API instead.
  - `kubectl apply --dry-run`: kubectl needs a cluster to validate against.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from engine.config.loader import load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BIN = Path(sys.executable).parent
SKIPPED = {
    "install": "needs the network (pip from git); this checkout's rekindle is on PATH instead",
    "apt-get": "needs root and the network; the test machine has git and curl",
    "pip install": "needs the network (pip from git); this checkout's rekindle is on PATH instead",
    "post-mr-note.py": "needs GitLab's API and a token; tested against a local stand-in below",
}
PROJECT_FOLDERS = ("rules", "segments", "templates", "rule_tests", "schemas", "examples/data")


def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


def _env(extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("REKINDLE_", "GITHUB_", "CI_"))}
    return {**keep, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **{k: str(v) for k, v in extra.items()}}


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _declared_every() -> timedelta:
    config, problems = load_config(ROOT / "rekindle.yaml", environ={})
    assert config is not None and config.schedule is not None, problems
    return config.schedule.every


def test_the_shipped_schedule_is_what_every_scheduler_example_runs():
    assert _declared_every() == timedelta(minutes=15)
    cron = [line for line in (EXAMPLES / "schedule/rekindle.cron").read_text().splitlines()
            if line and not line.startswith("#") and "=" not in line.split()[0]]
    assert [line.split()[:6] for line in cron] == [["*/15", "*", "*", "*", "*", "rekindle"]]
    assert "OnCalendar=*-*-* *:00/15:00 UTC" in (EXAMPLES / "schedule/rekindle-run.timer").read_text()
    cronjob = next(d for d in yaml.safe_load_all((EXAMPLES / "schedule/rekindle-cronjob.yaml").read_text())
                   if d["kind"] == "CronJob")
    assert cronjob["spec"]["schedule"] == "*/15 * * * *"


def test_every_scheduler_example_sends_by_smtp():
    """The shipped rekindle.yaml delivers to demo/outbox unless REKINDLE_DELIVERY says otherwise: a production
    run started by these examples must send (and on the CronJob's read-only filesystem a maildir would fail)."""
    config, problems = load_config(ROOT / "rekindle.yaml", environ={})
    assert config is not None and config.delivery.backend == "maildir", problems
    cron = (EXAMPLES / "schedule/rekindle.cron").read_text().splitlines()
    assert "REKINDLE_DELIVERY=smtp" in cron
    assert "Environment=REKINDLE_DELIVERY=smtp" in (EXAMPLES / "schedule/rekindle-run.service").read_text().splitlines()
    config, problems = load_config(ROOT / "rekindle.yaml", environ={"REKINDLE_DELIVERY": "smtp"})
    assert config is not None and config.delivery.backend == "smtp", problems


def test_github_workflow_runs_as_written_in_a_fresh_clone(tmp_path):
    workflow = yaml.safe_load((EXAMPLES / "ci/rekindle-pull-request.yml").read_text())
    paths = workflow[True]["pull_request"]["paths"]  # YAML 1.1 reads the key `on` as True
    assert all(f"{folder}/**" in paths for folder in PROJECT_FOLDERS) and "rekindle.yaml" in paths
    job = workflow["jobs"]["review"]
    clone = _clone(tmp_path)
    summary = tmp_path / "summary.md"
    env = _env({**job["env"], "GITHUB_BASE_REF": "main", "GITHUB_STEP_SUMMARY": summary})
    ran, skipped = [], []
    for step in job["steps"]:
        name = step.get("name") or step.get("uses")
        if "uses" in step:
            skipped.append((name, "a GitHub action: runs only on GitHub"))
            continue
        if step.get("id") in SKIPPED:
            skipped.append((name, SKIPPED[step["id"]]))
            continue
        if step.get("id") != "validate":
            assert "!cancelled()" in step.get("if", ""), f"{name}: one failed step must not hide the others"
        done = _run(step["run"], clone, env)
        assert done.returncode == 0, f"{name}\n{done.stdout}\n{done.stderr}"
        ran.append(name)
    assert ran == ["Validate rules (annotations on the pull request)", "Rule tests (rule_tests/*.test.yaml)",
                   "Store for the plan (masked snapshot of production, else the example data)",
                   "Plan against the base branch", "Preview gallery"]
    assert [s[0] for s in skipped] == ["actions/checkout@v4", "actions/setup-python@v5", "Install Rekindle (pinned)",
                                        "Publish the rule tests", "Post the plan as one sticky comment",
                                        "actions/upload-artifact@v4"]
    plan = (clone / "reports/plan.md").read_text(encoding="utf-8")
    assert plan.startswith("<!-- rekindle-plan -->\n### Rekindle plan: this branch compared with `origin/main`")
    assert plan in summary.read_text(encoding="utf-8")
    assert ET.parse(clone / "reports/rule-tests.xml").getroot().tag == "testsuites"
    assert (clone / "gallery/index.html").is_file()
    comment = next(step for step in job["steps"] if step.get("name") == "Post the plan as one sticky comment")
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]  # forks can't comment
    install = next(step["run"] for step in job["steps"] if step.get("id") == "install")
    assert install == 'python -m pip install --quiet "$REKINDLE_SOURCE"'  # never the unrelated PyPI project
    assert job["env"]["REKINDLE_SOURCE"].startswith("git+https://") and "@" in job["env"]["REKINDLE_SOURCE"]


def test_gitlab_job_runs_as_written_in_a_fresh_clone(tmp_path):
    job = yaml.safe_load((EXAMPLES / "ci/gitlab-ci.yml").read_text())["rekindle"]
    changes = job["rules"][0]["changes"]
    assert all(f"{folder}/**/*" in changes for folder in PROJECT_FOLDERS) and "rekindle.yaml" in changes
    assert job["artifacts"]["reports"] == {"codequality": "reports/code-quality.json",
                                           "junit": "reports/rule-tests.xml"}
    assert job["artifacts"]["when"] == "always"
    lines = [*job["before_script"], *job["script"]]
    skipped = [line for line in lines if any(key in line for key in ("apt-get", "pip install", "post-mr-note.py"))]
    assert len(skipped) == 3
    clone = _clone(tmp_path)
    env = _env({**job["variables"], "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
                "CI_PIPELINE_SOURCE": "merge_request_event"})
    script = "\n".join(line for line in lines if line not in skipped)  # one shell, as the runner does
    done = _run(script, clone, env)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert json.loads((clone / "reports/code-quality.json").read_text()) == []
    assert ET.parse(clone / "reports/rule-tests.xml").getroot().tag == "testsuites"
    assert (clone / "reports/plan.md").read_text().startswith("<!-- rekindle-plan -->")
    assert (clone / "gallery/index.html").is_file()


class _FakeNotes(BaseHTTPRequestHandler):
    """GitLab's merge request notes API, as far as post-mr-note.py uses it."""

    notes: list[dict] = []
    tokens: list[str] = []

    def _reply(self, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_GET(self) -> None:  # noqa: N802
        self.tokens.append(self.headers["PRIVATE-TOKEN"])
        self._reply(self.notes)

    def do_POST(self) -> None:  # noqa: N802
        self.notes.append({"id": len(self.notes) + 1, **self._body()})
        self._reply(self.notes[-1])

    def do_PUT(self) -> None:  # noqa: N802
        note_id = int(self.path.rsplit("/", 1)[1])
        note = next(n for n in self.notes if n["id"] == note_id)
        note.update(self._body())
        self._reply(note)

    def log_message(self, *args) -> None:
        pass


def test_the_merge_request_note_is_posted_once_then_updated(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _FakeNotes)
    _FakeNotes.notes = [{"id": 1, "body": "a reviewer's own note"}]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = _env({"REKINDLE_NOTE_TOKEN": "t0ken", "CI_API_V4_URL": f"http://127.0.0.1:{server.server_port}/api/v4",
                    "CI_PROJECT_ID": "7", "CI_MERGE_REQUEST_IID": "3"})
        plan = tmp_path / "plan.md"
        for version in ("first", "second"):
            plan.write_text(f"<!-- rekindle-plan -->\n### plan, {version} push\n", encoding="utf-8")
            done = subprocess.run([sys.executable, str(EXAMPLES / "ci/post-mr-note.py"), str(plan)], env=env,
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
    finally:
        server.shutdown()
    assert [n["body"] for n in _FakeNotes.notes] == ["a reviewer's own note",
                                                     "<!-- rekindle-plan -->\n### plan, second push\n"]
    assert set(_FakeNotes.tokens) == {"t0ken"}


def _substituted(text: str, clone: Path, tmp_path: Path) -> str:
    return (text.replace("/srv/campaigns", str(clone)).replace("/etc/rekindle/rekindle.env", str(tmp_path / "env"))
            .replace("/opt/rekindle/bin/rekindle", str(BIN / "rekindle"))
            .replace("/var/log/rekindle/run.log", str(tmp_path / "run.log"))
            .replace("/tmp/rekindle-run.lock", str(tmp_path / "run.lock")))


def _store_for(clone: Path, tmp_path: Path) -> None:
    (tmp_path / "env").write_text(f"REKINDLE_STORE_URL=sqlite:///{tmp_path / 'cron.db'}\nREKINDLE_DELIVERY=memory\n"
                                  "REKINDLE_UNSUBSCRIBE_SECRET=cron-test-secret\n", encoding="utf-8")
    env = _env({"REKINDLE_STORE_URL": f"sqlite:///{tmp_path / 'cron.db'}"})
    for args in (["db", "init"], ["import", "customers", "examples/data/customers.csv"]):
        subprocess.run([str(BIN / "rekindle"), *args], cwd=clone, env=env, check=True, capture_output=True)


def test_the_cron_line_runs_and_flock_keeps_a_second_copy_off(tmp_path):
    clone = _clone(tmp_path)
    _store_for(clone, tmp_path)
    line = next(line for line in (EXAMPLES / "schedule/rekindle.cron").read_text().splitlines()
                if line.startswith("*/15"))
    command = _substituted(line.split(None, 6)[6], clone, tmp_path)
    assert "flock -n" in command and str(tmp_path / "env") in command
    env = _env({})
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (tmp_path / "run.log").read_text()
    assert "Run 1 at" in (tmp_path / "run.log").read_text()
    with open(tmp_path / "run.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a tick still running
        busy = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, timeout=60)
    assert busy.returncode == 1
    assert "Run 2 at" not in (tmp_path / "run.log").read_text()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    clone = _clone(tmp_path)
    (tmp_path / "env").write_text("REKINDLE_DELIVERY=memory\n", encoding="utf-8")
    units = []
    for name in ("rekindle-run.service", "rekindle-run.timer"):
        text = (EXAMPLES / "schedule" / name).read_text()
        if name.endswith(".service"):
            assert "EnvironmentFile=/etc/rekindle/rekindle.env" in text and "PASSWORD" not in text.upper()
        target = tmp_path / name
        target.write_text(_substituted(text, clone, tmp_path).replace("User=rekindle", "User=root")
                          .replace("Group=rekindle", "Group=root"), encoding="utf-8")
        units.append(str(target))
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=120)
    mine = [line for line in (done.stdout + done.stderr).splitlines() if "rekindle-run" in line]
    assert done.returncode == 0 and mine == [], done.stdout + done.stderr


def test_the_cronjob_never_overlaps_and_reads_secrets_from_a_secret():
    documents = list(yaml.safe_load_all((EXAMPLES / "schedule/rekindle-cronjob.yaml").read_text()))
    secret = next(d for d in documents if d["kind"] == "Secret")
    cronjob = next(d for d in documents if d["kind"] == "CronJob")
    assert cronjob["apiVersion"] == "batch/v1" and cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == [{"secretRef": {"name": secret["metadata"]["name"]}}]
    assert container["env"] == [{"name": "REKINDLE_DELIVERY", "value": "smtp"}]  # no secret value in the pod spec
    assert set(secret["stringData"]) == {"REKINDLE_STORE_URL", "REKINDLE_SMTP_URL", "REKINDLE_UNSUBSCRIBE_SECRET"}
    assert container["args"][:2] == ["rekindle", "run"]
