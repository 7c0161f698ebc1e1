"""Post the plan as ONE merge request note and update it on every push (GitLab's sticky comment).

Copy to ci/post-mr-note.py in the campaigns repository (next to .gitlab-ci.yml's ci/ folder); `.gitlab-ci.yml` runs it with the plan's Markdown file.
The note is found again by the hidden marker the plan starts with (`<!-- rekindle-plan -->`). Standard library
only, so it runs in the job's plain Python image. Needs REKINDLE_NOTE_TOKEN (a project access token, api scope)
and GitLab's predefined CI_API_V4_URL, CI_PROJECT_ID and CI_MERGE_REQUEST_IID.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

MARKER = "<!-- rekindle-plan -->"


def _call(method: str, url: str, token: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"PRIVATE-TOKEN": token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main(plan_file: str) -> int:
    token = os.environ.get("REKINDLE_NOTE_TOKEN")
    if not token:
        print("REKINDLE_NOTE_TOKEN is not set; the plan is in the job artifacts only", file=sys.stderr)
        return 0
    body = Path(plan_file).read_text(encoding="utf-8")
    notes = (f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}"
             f"/merge_requests/{os.environ['CI_MERGE_REQUEST_IID']}/notes")
    existing = [n for n in _call("GET", f"{notes}?per_page=100&sort=asc", token) if MARKER in n.get("body", "")]
    if existing:
        _call("PUT", f"{notes}/{existing[0]['id']}", token, {"body": body})
    else:
        _call("POST", notes, token, {"body": body})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
