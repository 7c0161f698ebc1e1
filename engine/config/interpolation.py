"""`${ENV_VAR}` interpolation in config string values, so secrets live in the environment, never in YAML.

Forms: `${NAME}` (must be set), `${NAME:-fallback}` (fallback when unset or empty), `$${` for a literal `${`.
Values that came from the environment are remembered so error messages never print them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.diagnostics import Diagnostic
from engine.diagnostics.docpath import DocPath, format_path
from engine.documents.yaml_loader import YamlDocument

_REFERENCE = re.compile(r"\$\$\{|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<fallback>[^}]*))?\}")


def interpolate(document: YamlDocument, environ: Mapping[str, str]) -> tuple[frozenset[DocPath], list[Diagnostic]]:
    """Replace references in every string value of `document.data` in place.

    Returns the paths whose value used the environment (to keep out of messages) and a C103 per unset variable.
    """
    hidden: set[DocPath] = set()
    problems: list[Diagnostic] = []

    def substitute(text: str, path: DocPath) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match["name"]
            if name is None:
                return "${"
            hidden.add(path)
            value = environ.get(name)
            if value:
                return value
            if match["fallback"] is not None:
                return match["fallback"]
            if value is None:
                problems.append(
                    Diagnostic("C103", f'environment variable "{name}" is not set (used in {format_path(path)})',
                               document.location(path), format_path(path),
                               hint=f"export {name}=... before running rekindle, or write ${{{name}:-default}}")
                )
            return ""

        return _REFERENCE.sub(replace, text)

    def walk(node: Any, path: DocPath) -> Any:
        if isinstance(node, dict):
            return {key: walk(value, (*path, key)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, (*path, index)) for index, item in enumerate(node)]
        if isinstance(node, str) and "$" in node:
            return substitute(node, path)
        return node

    document.data = walk(document.data, ())
    return frozenset(hidden), problems
