"""Make lava-nc 0.10.0 importable on Python 3.11 without editing site-packages.

lava-nc 0.10.0 declares ``Python <3.11``. On 3.11 exactly one thing breaks at import:
``lava/magma/compiler/var_model.py`` gives dataclass fields an instance of the (unhashable)
dataclass ``ByteEncoder`` as default, which Python 3.11 rejects as a mutable default.
We install a meta-path finder that, for that one module, rewrites those defaults to
``field(default_factory=ByteEncoder)`` while compiling the module's source. Nothing on
disk changes, and any other module loads untouched.

The package install places ``snn2hw-lava-py311.pth`` in site-packages (setup.py), which calls
:func:`install` at interpreter start-up, so ``import lava...`` works in this environment without
importing snn2hw first. That is why this module imports only what start-up has already loaded
(``sys``, ``re``); the loader machinery is imported when lava's module is first looked up.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType

PATCHED_MODULE = "lava.magma.compiler.var_model"
_MUTABLE_DEFAULT = re.compile(r"=\s*ByteEncoder\(\)")
_FIELD_IMPORT = "from dataclasses import field as _snn2hw_field\n"


def rewrite_var_model_source(source: str) -> str:
    """Return ``var_model.py`` source with ``ByteEncoder()`` defaults made factories."""
    rewritten = _MUTABLE_DEFAULT.sub("= _snn2hw_field(default_factory=ByteEncoder)", source)
    if rewritten == source:
        return source
    # Insert after the `from __future__` line, which must stay first.
    head, sep, tail = rewritten.partition("from __future__ import annotations\n")
    if not sep:
        return _FIELD_IMPORT + rewritten
    return head + sep + _FIELD_IMPORT + tail


def _patching_loader(fullname: str, origin: str):
    """A source loader for ``origin`` that compiles the rewritten source."""
    import importlib.machinery
    import importlib.util

    class _PatchingLoader(importlib.machinery.SourceFileLoader):
        def source_to_code(self, data, path, *, _optimize=-1):
            text = rewrite_var_model_source(importlib.util.decode_source(data))
            return compile(text, path, "exec", dont_inherit=True, optimize=_optimize)

        def get_code(self, fullname):  # bypass the bytecode cache: it holds the unpatched code
            source = self.get_data(self.path)
            return self.source_to_code(source, self.path)

    return _PatchingLoader(fullname, origin)


class _VarModelFinder:
    """A meta-path finder (the protocol needs only ``find_spec``) for lava's var_model."""

    def find_spec(self, fullname, path, target=None):
        if fullname != PATCHED_MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                spec.loader = _patching_loader(fullname, spec.origin)
                return spec
        return None


def install() -> None:
    """Install the import fix once (no-op when already installed)."""
    if any(isinstance(f, _VarModelFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _VarModelFinder())


LAVA_MP_MODULE = "lava.magma.runtime.message_infrastructure.multiprocessing"


def _import_lava_multiprocessing() -> None:
    """Import Lava's runtime, which calls ``multiprocessing.set_start_method('fork')`` at import
    and fails with "context has already been set" once anything in the process (a tqdm bar, a
    torch DataLoader) has used multiprocessing. Lava needs fork; when the context is already
    fork the call is skipped, otherwise it is forced."""
    import importlib
    import multiprocessing as mp

    if LAVA_MP_MODULE in sys.modules or mp.get_start_method(allow_none=True) is None:
        importlib.import_module(LAVA_MP_MODULE)
        return
    original = mp.set_start_method

    def set_start_method(method, force=False):
        if method != mp.get_start_method():
            original(method, force=True)

    mp.set_start_method = set_start_method
    try:
        importlib.import_module(LAVA_MP_MODULE)
    finally:
        mp.set_start_method = original


def import_lava() -> ModuleType:
    """Install the fix and import ``lava``; raises ImportError if lava-nc is absent."""
    install()
    import lava
    import lava.magma.compiler.var_model  # noqa: F401  (the module that needs the fix)

    _import_lava_multiprocessing()
    return lava
