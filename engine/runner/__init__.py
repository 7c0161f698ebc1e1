"""The run engine: one tick enrols customers, ends sequences, advances due steps and queues emails.

Modules: `tick` (the orchestration of one tick), `entry` (set-based enrolment), `lifecycle` (set-based
version changes, goals and exits), `sequence` (the pure per-enrolment state machine), `advance` (due
enrolments in batches: render and queue), `decisions` (the decisions ledger), `summary` (counts per campaign
and step), `lock` (one run at a time), `provenance` (the rules' git commit).
"""
