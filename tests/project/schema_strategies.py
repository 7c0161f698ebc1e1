"""Hypothesis strategies that build documents from a JSON Schema of `schemas/`, with hostile text mixed in.

hypothesis-jsonschema cannot generate recursive schemas (a condition holds conditions), so this reads the
schema itself: `$ref`, `const`, `enum`, `type`, `pattern`, lengths, bounds, item counts, `oneOf` (including the
"exactly one operator" form), `properties`/`required`, `propertyNames` and `if`/`then`. Every free-text value
is, now and then, replaced by a string from HOSTILE, and every bounded value, now and then, by one just beyond
its bound, so generated files cover both what `validate` must accept and what it must refuse.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

HOSTILE = [
    '"', "\\", "'", "a\"b", "a\\b", "\x00", "a\x00b", "\ud800", "x\udfff", "\x1b[31m", "\r\n", "é", "jösé", "🎉",
    "\u202e", " ", "'; DROP TABLE customers; --", "%s%n", "{{ 7 * 7 }}", "${HOME}", "$.a", "a.b", "a[0]",
    "a" * 300, "99999999999999999999d", "800000d", "36501d", "0m", "1e308",
]
HOSTILE_NUMBERS = [10**20, -(10**20), 1e308, -1e308, 2**63, 36501, 10**9 + 1, 0.5000001, -1]


class SchemaStrategies:
    """Strategies for the documents of one schema (its `$defs` resolve `$ref`)."""

    def __init__(self, schema: dict[str, Any], max_depth: int = 3, *, hostile: bool = True) -> None:
        self.schema = schema
        self.max_depth = max_depth
        self.hostile = hostile

    def document(self) -> st.SearchStrategy[Any]:
        return self.of(self.schema, 0)

    def of(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if "$ref" in node:
            return self.of(self._resolve(node["$ref"]), depth)
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return self._mostly(st.sampled_from(node["enum"]), st.sampled_from(HOSTILE))
        if "oneOf" in node and "properties" not in node:
            branches = node["oneOf"]
            if depth >= self.max_depth:  # stop recursing: only branches that hold no condition
                leaves = [b for b in branches if not _holds_conditions(b)]
                branches = leaves or branches
            return st.one_of(*(self.of(branch, depth + 1) for branch in branches))
        kind = node.get("type")
        if isinstance(kind, list):
            return st.one_of(*(self.of({**node, "type": one}, depth) for one in kind))
        if kind == "object" or "properties" in node:
            return self._object(node, depth)
        if kind == "array":
            return self._array(node, depth)
        if kind == "string":
            return self._string(node)
        if kind == "integer":
            return self._number(node, integer=True)
        if kind == "number":
            return self._number(node, integer=False)
        if kind == "boolean":
            return st.booleans()
        return st.one_of(st.text(max_size=5), st.integers(), st.booleans())

    def _mostly(self, valid: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        """`valid` four times in five, else `hostile`; only `valid` for a well-meaning author's documents."""
        return st.one_of(valid, valid, valid, valid, hostile) if self.hostile else valid

    def _resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self.schema
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def _string(self, node: dict[str, Any]) -> st.SearchStrategy[str]:
        if node.get("format") == "rekindle-duration" and not self.hostile:
            return st.builds(lambda amount, unit: f"{amount}{unit}", st.integers(0, 400), st.sampled_from("mhdw"))
        if "pattern" in node:
            valid = st.from_regex(node["pattern"], fullmatch=True).filter(lambda s: len(s) <= node.get("maxLength", 80))
        else:
            valid = st.text(min_size=node.get("minLength", 0), max_size=min(node.get("maxLength", 20), 20))
        if not self.hostile:  # text a marketer could type: no NUL, no unpaired surrogates
            valid = valid.filter(lambda s: not _UNSTORABLE.search(s))
        examples = node.get("examples")
        if examples:
            valid = st.one_of(valid, st.sampled_from(examples))
        return self._mostly(valid, st.sampled_from(HOSTILE))

    def _number(self, node: dict[str, Any], *, integer: bool) -> st.SearchStrategy[Any]:
        low, high = node.get("minimum"), node.get("maximum")
        if integer:
            valid: st.SearchStrategy[Any] = st.integers(min_value=None if low is None else int(low),
                                                        max_value=None if high is None else int(high))
        else:
            valid = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
        return self._mostly(valid, st.sampled_from(HOSTILE_NUMBERS))

    def _array(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[list[Any]]:
        items = self.of(node.get("items", {}), depth + 1)
        low = node.get("minItems", 0)
        high = min(node.get("maxItems", 3), max(low, 3))
        valid = st.lists(items, min_size=low, max_size=high, unique_by=repr if node.get("uniqueItems") else None)
        return self._mostly(valid, st.lists(items, min_size=0, max_size=high + 2))

    def _object(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
        properties = node.get("properties", {})
        required = list(node.get("required", []))
        one_key = [b["required"][0] for b in node.get("oneOf", []) if set(b) == {"required"}]

        @st.composite
        def build(draw: st.DrawFn) -> dict[str, Any]:
            keys = list(required)
            if one_key:  # "exactly one operator": one of them (sometimes two, which validate must refuse)
                keys += draw(st.lists(st.sampled_from(one_key), min_size=1, max_size=2 if self.hostile else 1,
                                      unique=True))
            optional = [k for k in properties if k not in keys and k not in one_key]
            keys += draw(st.lists(st.sampled_from(optional), unique=True, max_size=3)) if optional else []
            document = {key: draw(self.of(properties[key], depth + 1)) for key in dict.fromkeys(keys)}
            then = node.get("then", {}).get("required", [])
            condition = node.get("if", {}).get("properties", {})
            if then and all(document.get(k) == v.get("const") for k, v in condition.items()):
                for key in then:
                    document.setdefault(key, draw(self.of(properties[key], depth + 1)))
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and draw(st.booleans()):
                names = node.get("propertyNames", {}).get("pattern", r"^[a-z_]{1,8}$")
                name = draw(self._mostly(st.from_regex(names, fullmatch=True).filter(lambda s: len(s) < 20),
                                    st.sampled_from(HOSTILE)))
                document[name] = draw(self.of(extra, depth + 1))
            return document

        return build()


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _holds_conditions(branch: dict[str, Any]) -> bool:
    return branch.get("title") in ("all", "any", "not")
