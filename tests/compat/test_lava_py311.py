"""The contained Python 3.11 import fix for lava-nc 0.10.0."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from snn2hw.compat.lava_py311 import rewrite_var_model_source

SOURCE = '''from __future__ import annotations
from dataclasses import dataclass

@dataclass
class ByteEncoder:
    base: int = 0

@dataclass
class CoreEncoder:
    x: ByteEncoder = ByteEncoder()
    y: ByteEncoder  =  ByteEncoder()
'''


def test_rewrite_turns_instance_defaults_into_factories():
    rewritten = rewrite_var_model_source(SOURCE)
    assert "ByteEncoder()" not in rewritten
    assert rewritten.startswith("from __future__ import annotations\n")
    namespace: dict = {}
    exec(compile(rewritten, "var_model", "exec"), namespace)  # noqa: S102 (our own text)
    a, b = namespace["CoreEncoder"](), namespace["CoreEncoder"]()
    assert a.x == namespace["ByteEncoder"]() and a.x is not b.x


def test_rewrite_leaves_other_sources_alone():
    assert rewrite_var_model_source("x = 1\n") == "x = 1\n"


def test_plain_import_fails_without_the_fix():
    """Guards the premise: if lava ever imports on its own, the fix can go. The start-up hook
    has installed the fix in this environment, so the child removes it first."""
    code = ("import sys\n"
            "hook = [f for f in sys.meta_path if type(f).__name__ == '_VarModelFinder']\n"
            "sys.meta_path.remove(hook[0])\n"
            "import lava.magma.compiler.var_model")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode != 0 and "mutable default" in proc.stderr


@pytest.mark.lava
def test_the_environment_imports_lava_directly():
    """The .pth start-up hook (placed by scripts/setup.sh / the wheel) applies the fix: a plain
    interpreter of this environment imports Lava's LIF without importing snn2hw."""
    code = "import lava.proc.lif.process; import sys; print('snn2hw.backends' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_the_start_up_hook_is_cheap():
    """Start-up only installs a finder: no torch, numpy, lava or importlib.abc (80 ms) loaded."""
    code = ("import sys\n"
            "heavy = ('torch', 'numpy', 'lava', 'importlib.abc', 'snn2hw.backends')\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n"
            "print([type(f).__name__ for f in sys.meta_path].count('_VarModelFinder'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "1"]


@pytest.mark.lava
@pytest.mark.parametrize("tag", ["floating_pt", "fixed_pt"])
def test_dense_lif_step_runs_after_the_fix(tag):
    from snn2hw.compat.lava_py311 import import_lava

    import_lava()
    import lava.lib.dl.netx  # noqa: F401  (lava-dl imports too)
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIF

    source = Source(data=np.array([[1, 0, 1, 1]]))
    dense = Dense(weights=np.array([[4]]))
    du = 4095 if tag == "fixed_pt" else 1.0  # clear the current every step in both models
    lif = LIF(shape=(1,), du=du, dv=0, vth=3)
    sink = Sink(shape=(1,), buffer=4)
    source.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    lif.s_out.connect(sink.a_in)
    try:
        source.run(condition=RunSteps(num_steps=4), run_cfg=Loihi2SimCfg(select_tag=tag))
        spikes = sink.data.get()[0]
    finally:
        source.stop()
    # Dense delays one step: input spikes at t = 0, 2, 3 arrive at t = 1, 3 (t = 4 is beyond).
    assert spikes.tolist() == [0, 1, 0, 1]


@pytest.mark.lava
def test_lava_imports_after_multiprocessing_was_used():
    """tqdm (and torch's DataLoader) fix the multiprocessing context before Lava sets it."""
    code = (
        "import multiprocessing as mp; mp.RLock()\n"
        "from snn2hw.compat.lava_py311 import import_lava; import_lava()\n"
        "from lava.proc.io.source import RingBuffer\n"
        "print(mp.get_start_method())"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "fork"
