"""Static analysis of a template's syntax tree: the names and `a.b.c` chains it reads, with their lines.

This finds a misspelt variable in a branch no sample customer happens to take. A use wrapped in `| default(...)`
or tested with `is defined` is an explicit fallback and is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import meta, nodes

GUARD_FILTERS = frozenset({"default", "d"})
GUARD_TESTS = frozenset({"defined", "undefined"})


@dataclass(frozen=True)
class Use:
    """`customer.attributes.plan` read on `line`; `guarded` when it has an explicit fallback."""

    chain: tuple[str, ...]
    line: int
    guarded: bool


def _declared(ast: nodes.Template) -> set[str]:
    """Names the template itself defines anywhere: `{% set %}`, loop targets, imports and macros. Jinja's own
    analysis treats each block as a separate scope, but a top-level `{% set %}` is visible in every block."""
    names = {node.name for node in ast.find_all(nodes.Name) if node.ctx in ("store", "param")}
    names |= {node.name for node in ast.find_all(nodes.Macro)}
    names |= {node.target for node in ast.find_all(nodes.Import)}
    for node in ast.find_all(nodes.FromImport):
        names |= {alias if isinstance(alias, str) else alias[1] for alias in node.names}
    return names


def undeclared_names(ast: nodes.Template) -> dict[str, int]:
    """Names the template reads but never sets, with the first line each is read on."""
    names = meta.find_undeclared_variables(ast) - _declared(ast)
    lines: dict[str, int] = {}
    for node in ast.find_all(nodes.Name):
        if node.name in names and node.ctx == "load":
            lines.setdefault(node.name, node.lineno)
    return {name: lines.get(name, 1) for name in sorted(names)}


def _chain(node: nodes.Expr) -> tuple[tuple[str, ...], list[nodes.Node]] | None:
    """(`('customer', 'attributes', 'plan')`, subscript expressions to visit) for an access chain on a name."""
    parts: list[str] = []
    rest: list[nodes.Node] = []
    while isinstance(node, (nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            parts.append(node.arg.value)
        else:
            rest.append(node.arg)
            parts.clear()  # a computed key: only what follows it is known, and that is not a fixed chain
        node = node.node
    if not isinstance(node, nodes.Name) or not parts:
        return None
    return (node.name, *reversed(parts)), rest


def _is_guard(parent: nodes.Node | None, child: nodes.Node) -> bool:
    if isinstance(parent, nodes.Filter) and parent.name in GUARD_FILTERS and parent.node is child:
        return True
    return isinstance(parent, nodes.Test) and parent.name in GUARD_TESTS and parent.node is child


def attribute_uses(ast: nodes.Template) -> Iterator[Use]:
    """Every maximal access chain rooted at a name. A method call (`x.items()`) drops the method name."""

    def visit(node: nodes.Node, parent: nodes.Node | None) -> Iterator[Use]:
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            found = _chain(node)
            if found is not None:
                chain, rest = found
                if isinstance(parent, nodes.Call) and parent.node is node:
                    chain = chain[:-1]
                if len(chain) > 1:
                    yield Use(chain, node.lineno, _is_guard(parent, node))
                for expression in rest:
                    yield from visit(expression, node)
                return
        for child in node.iter_child_nodes():
            yield from visit(child, node)

    yield from visit(ast, None)


def referenced_templates(name: str, trees: dict[str, nodes.Template]) -> list[str]:
    """`name` and every layout/partial it extends, includes or imports, transitively."""
    seen, pending = [], [name]
    while pending:
        current = pending.pop()
        if current in seen or current not in trees:
            continue
        seen.append(current)
        pending += [ref for ref in meta.find_referenced_templates(trees[current]) if ref]
    return seen
