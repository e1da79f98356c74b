"""A user's own model code as an export source, without unpickling code.

``--arch path/to/models.py:build_net`` imports the user's file, calls ``build_net(**arch_args)``
for the module (snn2hw, SpikingJelly or the paper's classes) and loads the weights file with
torch's weights-only unpickler (:func:`snn2hw.checkpoint.read_torch_file`): a state dict, or one
under ``'model'``/``'state_dict'`` as the paper's code and mmengine save them. Lazy parameters
(IMP neurons that create ``init_state`` on their first forward pass) are created by one forward
pass on zeros before the weights are loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, TypeGuard

from torch import nn

from snn2hw.checkpoint import fit_state_dict, read_torch_file
from snn2hw.errors import BadInputError
from snn2hw.frontends.spikingjelly import dry_run
from snn2hw.paper_checkpoint import split_checkpoint


def is_user_arch(arch: str | None) -> TypeGuard[str]:
    """True for ``FILE.py:FUNCTION`` (the registry's names have no ``.py:``)."""
    return arch is not None and ".py:" in arch


def build_user_model(spec: str, arch_args: dict[str, Any] | None = None) -> nn.Module:
    """``FUNCTION(**arch_args)`` from the Python file of ``spec`` (``FILE.py:FUNCTION``)."""
    file, _, name = spec.rpartition(":")
    path = Path(file)
    if not path.is_file():
        raise BadInputError(f"--arch {spec}: no such file '{file}'")
    module = _import(path)
    builder = getattr(module, name, None)
    if not callable(builder):
        raise BadInputError(f"--arch {spec}: '{file}' defines no function '{name}'")
    try:
        model = builder(**dict(arch_args or {}))
    except Exception as exc:  # the user's code may raise anything
        raise BadInputError(f"--arch {spec}: {name}(**{arch_args or {}}) failed "
                            f"({_first_line(exc)})") from exc
    if not isinstance(model, nn.Module):
        raise BadInputError(f"--arch {spec}: {name} returned a {type(model).__name__}, "
                            "not a torch.nn.Module")
    return model


def _import(path: Path) -> ModuleType:
    """The module of ``path``, under a name of its own; its folder is importable meanwhile, so
    that it can import the files next to it."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(f"snn2hw_user_{digest}", path)
    if spec is None or spec.loader is None:  # no loader for the file's suffix
        raise BadInputError(f"{path}: cannot import (not a Python source file)")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # SyntaxError, ImportError, anything at import time
        raise BadInputError(f"{path}: cannot import ({_first_line(exc)})") from exc
    finally:
        sys.path.remove(str(path.resolve().parent))
    return module


def load_weights(model: nn.Module, path: str | os.PathLike, input_shape: list[int],
                 trust: bool = False) -> nn.Module:
    """``model`` with the weights of ``path`` (a whole pickled module only with ``trust``)."""
    data = read_torch_file(path, trust=trust)
    state = data.state_dict() if isinstance(data, nn.Module) else split_checkpoint(data, path)[0]
    state = _without_prefix(state, model, "module.")  # DataParallel
    if any(key not in model.state_dict() for key in state):
        dry_run(model, input_shape)  # lazy parameters exist after a forward pass
    model.load_state_dict(fit_state_dict(model.state_dict(), state, f"{path}"))
    return model.eval()


def _without_prefix(state: dict, model: nn.Module, prefix: str) -> dict:
    keys = model.state_dict().keys()
    if state and all(k.startswith(prefix) for k in state) and not any(
            k.startswith(prefix) for k in keys):
        return {k[len(prefix):]: v for k, v in state.items()}
    return state


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
