"""Standard-library modules a command's libraries import but seldom use, loaded on first use instead.

SQLAlchemy imports `asyncio` and `importlib.metadata` when it is imported (sqlalchemy/util/compat.py,
concurrency.py, langhelpers.py) and uses them only for its asyncio extension and for plugins found through
entry points, neither of which a Rekindle command asks for; together they were a twentieth of the instructions
of `rekindle audience` on an empty store (callgrind; bench/startup.py). `defer()` puts a placeholder module
in `sys.modules` for each of them that is not imported yet: `import asyncio` binds the placeholder, and the
first attribute read from it (`asyncio.run`, `from asyncio import Queue`) executes the real module into the
placeholder, which from then on is the module itself. A command that never reads one never loads it; one that
does (`rekindle serve`, a library that really uses asyncio) sees no difference.

Python's own `importlib.util.LazyLoader` is not enough: on Python 3.11 the `import` statement reads the
module's `__spec__`, which makes LazyLoader load it at once. The placeholder keeps `__spec__`, `__path__`
and the other import attributes in its dictionary, so only reading anything else loads it.

FORWARDED names the functions a library reads from a deferred module while it is being imported (SQLAlchemy's
`iscoroutine = asyncio.iscoroutine`): the placeholder holds a function of that name that loads the module on
its first call and calls the real one. Any other attribute read at import time just loads the module then:
slower, never wrong (tests/cli/test_startup.py says which modules `rekindle audience` leaves unloaded).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

DEFERRED: dict[str, tuple[str, ...]] = {"asyncio": ("iscoroutine",), "importlib.metadata": ()}
"""Module name -> FORWARDED functions (see the module docstring)."""

_LOCK = threading.RLock()
"""Held while a placeholder loads: another thread reading it waits for the whole module, as `import` would."""


class _Placeholder(types.ModuleType):
    """A module whose code has not run yet; reading a name it does not hold runs it (`_load`)."""

    def __getattr__(self, name: str) -> Any:  # called only for names the dictionary does not hold
        _load(self)
        return getattr(self, name)


def _load(module: types.ModuleType) -> None:
    """Run the real module's code into `module`, once. While it runs, `module` is an ordinary module being
    imported (its own code, and the submodules it imports, may read names it does not hold yet and get
    AttributeError, as they would under `import`)."""
    with _LOCK:
        if type(module) is not _Placeholder:
            return
        setattr(module, "__class__", types.ModuleType)  # noqa: B010 - mypy refuses a narrowed __class__ assigned
        spec = module.__spec__
        assert spec is not None and spec.loader is not None
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(spec.name, None)  # as a failed import leaves it: the next `import` tries again
            raise


def _forwarding(module: types.ModuleType, name: str) -> Callable[..., Any]:
    def forward(*args: Any, **kwargs: Any) -> Any:
        _load(module)
        return getattr(module, name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    return forward


def defer(modules: dict[str, tuple[str, ...]] | None = None) -> None:
    """A placeholder in `sys.modules` for each of `modules` (default DEFERRED) not imported yet."""
    for name, forwarded in (DEFERRED if modules is None else modules).items():
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _Placeholder
        for attribute in forwarded:
            setattr(module, attribute, _forwarding(module, attribute))
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


def is_loaded(name: str) -> bool:
    """Whether `name` is imported and its code has run (a placeholder that nothing has read is not)."""
    module = sys.modules.get(name)
    return module is not None and type(module) is not _Placeholder
