"""The catalogue of diagnostic codes. Codes are stable: a retired code is commented out, never reused.

Ranges: C1xx project config, R1xx rule-file syntax and schema, R2xx rule semantics, S1xx segments,
T3xx templates, I4xx data import, K1xx the data catalog, U1xx rule-test files, P5xx plan review warnings. Every code is documented in docs/diagnostics.md (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str


_CODES = [
    # --- C1xx: project config (rekindle.yaml) ---
    Code("C101", "config file not found"),
    Code("C102", "config does not match its schema"),
    Code("C103", "environment variable in ${...} is not set"),
    Code("C104", "secret written in the config file"),
    Code("C105", "invalid config value"),
    Code("C106", "folder not found"),
    Code("C107", "folder outside the project"),
    Code("C108", "store URL Rekindle cannot use"),
    # --- R1xx: rule-file syntax and schema ---
    Code("R101", "YAML syntax error"),
    Code("R102", "unknown key"),
    Code("R103", "wrong type"),
    Code("R104", "value not allowed"),
    Code("R105", "required key missing"),
    Code("R106", "duplicate key"),
    Code("R107", "unsafe YAML tag"),
    Code("R108", "invalid duration"),
    Code("R109", "empty or unreadable file"),
    Code("R110", "schema violation"),
    Code("R111", "nested too deeply"),
    Code("R112", "document too large (YAML aliases expand too far)"),
    Code("R113", "text that cannot be stored (NUL or unpaired surrogate)"),
    Code("R114", "file outside its folder (a link leaving the project)"),
    # --- R2xx: rule semantics ---
    Code("R201", "duplicate campaign id"),
    Code("R202", "duplicate step id"),
    Code("R203", "unknown template"),
    Code("R204", "unknown segment"),
    Code("R205", "value out of range"),
    Code("R206", "condition not allowed here"),
    Code("R207", "unknown timezone"),
    Code("R208", "unknown event"),
    Code("R209", "unknown event property"),
    Code("R210", "unknown customer field or attribute"),
    Code("R211", "value type does not match the catalog"),
    Code("R212", "name never seen in the store"),
    Code("R213", "trigger event not in the audience"),
    # --- S1xx: segments ---
    Code("S101", "duplicate segment id"),
    Code("S102", "segment id differs from its file name"),
    Code("S103", "segments refer to each other in a cycle"),
    # --- T3xx: templates ---
    Code("T301", "template syntax error"),
    Code("T302", "template uses an undefined variable"),
    Code("T303", "template failed to render"),
    Code("T304", "template sandbox refused an unsafe operation"),
    Code("T305", "email template has no subject"),
    Code("T306", "template file not found"),
    Code("T307", "template variable set but never used"),
    Code("T309", "template is a link outside the templates folder"),
    Code("T310", "template exceeded its render budget"),
    # --- I4xx: data import ---
    Code("I401", "bad row"),
    Code("I402", "import file columns do not match the contract"),
    Code("I403", "required value missing"),
    Code("I404", "invalid time"),
    Code("I405", "invalid value"),
    Code("I406", "event for an unknown customer"),
    Code("I407", "duplicate customer id in the file"),
    Code("I408", "unreadable import file"),
    Code("I409", "name not declared in the catalog"),
    # --- K1xx: the data catalog (catalog.yaml) ---
    Code("K101", "catalog does not match its schema"),
    # --- U1xx: rule-test files (rule_tests/*.test.yaml) ---
    Code("U101", "rule-test file does not match its schema"),
    Code("U102", "duplicate test name or customer id"),
    Code("U103", "invalid time in a rule test"),
    Code("U104", "unknown campaign in a rule test"),
    Code("U105", "unknown customer in a rule test"),
    Code("U106", "invalid tick schedule"),
    Code("U107", "no rule tests found"),
    # --- P5xx: plan review warnings (rekindle plan; --strict turns them into exit 1) ---
    Code("P501", "audience above the audience guard"),
    Code("P502", "customers wait at a renamed or removed step"),
    Code("P503", "send window the declared schedule never reaches"),
]

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}
