"""Diagnostics: every problem Rekindle reports about user input, as data first and formatted late.

`Diagnostic` carries a stable code from `codes.CATALOGUE`, a location and a hint; `formatters` turn a list
of them into text, JSON or GitHub workflow annotations.
"""

from engine.diagnostics.diagnostic import Diagnostic, Location, Severity
from engine.diagnostics.codes import CATALOGUE, Code

__all__ = ["CATALOGUE", "Code", "Diagnostic", "Location", "Severity"]
