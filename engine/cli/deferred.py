"""Modules a command's libraries import but seldom use, loaded on first use instead.

SQLAlchemy imports `asyncio` and `importlib.metadata` when it is imported (sqlalchemy/util/compat.py,
concurrency.py, langhelpers.py) and uses them only for its asyncio extension and for plugins found through
entry points; its SQLite dialect imports its asyncio driver, `aiosqlite` (with sqlalchemy/connectors/asyncio.py),
beside the `pysqlite` one every SQLite store uses. No Rekindle command asks for any of them; together they were
about a twelfth of the instructions of `rekindle audience` on an empty store (callgrind; bench/startup.py).

`defer()` puts a finder first on `sys.meta_path` that answers for these names only: `import asyncio` (or the
dialect's `from . import aiosqlite`) then binds a placeholder module, and the first attribute read from it
(`asyncio.run`, `from asyncio import Queue`, `aiosqlite.dialect`) executes the real module into the
placeholder, which from then on is the module itself. A command that never reads one never loads it; one that
does (`rekindle serve`, a library that really uses asyncio) sees no difference. A finder, rather than a
placeholder put in `sys.modules` at once, because a submodule's spec cannot be looked up before its parent
package is imported, and `rekindle validate` imports no SQLAlchemy at all.

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
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader  # not at run time: it imports importlib.resources

DEFERRED: dict[str, tuple[str, ...]] = {
    "asyncio": ("iscoroutine",),
    "importlib.metadata": (),
    "sqlalchemy.dialects.sqlite.aiosqlite": (),
}
"""Module name -> FORWARDED functions (see the module docstring)."""

_LOCK = threading.RLock()
"""Held while a placeholder loads: another thread reading it waits for the whole module, as `import` would."""

_PROBED = frozenset({"__path__"})
"""What the import system reads from every module it creates (a package's is in the dictionary): for a module
that is not a package, the answer is the real module's, AttributeError, without loading it."""


class _Placeholder(types.ModuleType):
    """A module whose code has not run yet; reading a name it does not hold runs it (`_load`)."""

    def __getattr__(self, name: str) -> Any:  # called only for names the dictionary does not hold
        if name in _PROBED:
            raise AttributeError(name)
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


class _PlaceholderLoader:
    """Creates the placeholder of the module `real` describes; running it is left to its first use."""

    def __init__(self, real: ModuleSpec, forwarded: tuple[str, ...]) -> None:
        self.real = real
        self.forwarded = forwarded

    def create_module(self, spec: ModuleSpec) -> types.ModuleType:
        module = importlib.util.module_from_spec(self.real)
        module.__class__ = _Placeholder
        for attribute in self.forwarded:
            setattr(module, attribute, _forwarding(module, attribute))
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # the import system has set this loader's spec on the module: the real one runs the code, in `_load`
        module.__spec__ = self.real
        module.__loader__ = self.real.loader


class _Finder:
    """First on `sys.meta_path`: the deferred modules' placeholders; any other name is left to the finders
    after it, and so is reloading a deferred module (`importlib.reload` passes the module as `target`)."""

    def __init__(self, modules: dict[str, tuple[str, ...]]) -> None:
        self.modules = modules

    def find_spec(self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
                  ) -> ModuleSpec | None:
        forwarded = self.modules.get(name)
        if forwarded is None or target is not None:
            return None
        real = _real_spec(self, name, path)
        if real is None or real.loader is None:
            return None
        return ModuleSpec(name, cast("Loader", _PlaceholderLoader(real, forwarded)), origin=real.origin,
                          is_package=real.submodule_search_locations is not None)


def _real_spec(skipped: _Finder, name: str, path: Sequence[str] | None) -> ModuleSpec | None:
    """The spec the import system would have found for `name` without the placeholders."""
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if finder is skipped or find_spec is None:
            continue
        spec = find_spec(name, path, None)
        if spec is not None:
            return spec
    return None


def defer(modules: dict[str, tuple[str, ...]] | None = None) -> None:
    """Import `modules` (default DEFERRED) as placeholders from now on; one already imported stays as it is."""
    finder = next((f for f in sys.meta_path if isinstance(f, _Finder)), None)
    if finder is None:
        finder = _Finder({})
        sys.meta_path.insert(0, finder)
    finder.modules.update(DEFERRED if modules is None else modules)


def is_loaded(name: str) -> bool:
    """Whether `name` is imported and its code has run (a placeholder that nothing has read is not)."""
    module = sys.modules.get(name)
    return module is not None and type(module) is not _Placeholder
