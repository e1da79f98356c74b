"""Mutation testing: plant one-line bugs, one at a time, in a copy of the repository and check
that the tests guarding that code fail.

Each mutant names a file, a fragment of one line (it must occur exactly once in the file), its
replacement and the tests to run (a per-mutant selection keeps a full run to minutes instead of
hours). The copy is ``git archive HEAD`` (the committed state; ``--worktree`` copies the working
tree's tracked and untracked files instead) under a temporary folder; the live tree is never
touched. The copy is imported through ``PYTHONPATH`` (the editable install's finder only answers
what the path does not), through its link ``snn2hw/backends -> ../backends``.

    .venv/bin/python scripts/mutate.py --list
    .venv/bin/python scripts/mutate.py --only 3 --only 7     # numbers from --list
    .venv/bin/python scripts/mutate.py                         # all, with a baseline run first

A mutant is *caught* when its tests fail (or time out), *survived* when they pass, *stale* when
its fragment is no longer in the file. The score is caught / (caught + survived).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Mutant:
    what: str
    path: str
    original: str
    mutated: str
    tests: tuple[str, ...]  # pytest arguments: files, node ids, -k expressions
    occurrence: int = 0  # 0: the fragment is unique in the file; n: mutate its n-th occurrence


REF = "backends/reference/neurons.py"
DISC = "snn2hw/ir/discretize.py"
FIX_N = "backends/fixed/neurons.py"
QL = "snn2hw/passes/quantize_loihi.py"
T_REF = "tests/backends/reference"
T_CUBA = f"{T_REF}/test_cuba_dynamics.py"
T_TIE = "tests/test_thresholds.py"
T_AGREE = "tests/backends/fixed/test_lava_agreement.py"
T_OVF = "tests/backends/fixed/test_overflow.py"
T_QL = "tests/passes/test_quantize_loihi.py"
T_NEURON = "tests/backends/fixed/test_loihi_neuron.py"
T_LBACK = "tests/backends/fixed/test_loihi_backend.py"
T_HAND = "tests/backends/energy/test_hand_counts.py"
T_COUNT = "tests/backends/energy/test_counting.py"
T_NN = "tests/nn/test_neurons.py"
T_NN_LEAK = "tests/nn/test_lif_leak.py"

MUTANTS = [
    # reference backend: neurons, reset, threshold, delays, initial state
    Mutant("reference: threshold > becomes >=", REF, "spikes = v > self.v_th",
           "spikes = v >= self.v_th", (T_TIE,)),
    Mutant("reference: CubaLIF synaptic decay deleted", REF,
           "self.i = self.syn_decay * self.i + self.syn_gain * x", "self.i = self.syn_gain * x",
           (T_CUBA,)),
    Mutant("reference: hard reset ignores v_reset", REF,
           "v = torch.where(spikes, self.v_reset, v)", "v = torch.where(spikes, 0 * v, v)",
           (T_CUBA,)),
    Mutant("reference: subtractive reset removes half the threshold", REF,
           "v = v - spikes * self.v_th", "v = v - spikes * self.v_th * 0.5",
           (f"{T_REF}/test_semantics.py",)),
    Mutant("reference: initial potential (IMP) ignored", REF,
           "self.v = zeros + self.v0 if self.v0 is not None else zeros", "self.v = zeros",
           (f"{T_REF}/test_semantics.py", "tests/frontends/test_torch_export.py")),
    Mutant("reference: delay one step too long", REF,
           "/ dt).astype(np.int64)", "/ dt + 1).astype(np.int64)",
           (f"{T_REF}/test_semantics.py",)),
    Mutant("reference compiled: runs every sample as the first", "backends/reference/simulator.py",
           "self.compiled(x, steps)", "self.compiled(x[:, :1].expand_as(x).contiguous(), steps)",
           (f"{T_REF}/test_compiled.py",)),
    Mutant("reference half: products stay float32", "backends/reference/ops.py",
           "        if self.half_dtype is None:\n", "        if True:\n",
           (f"{T_REF}/test_half.py",)),
    # Euler discretisation (shared by reference, fixed, onnx, lava)
    Mutant("discretize: LIF input gain dt/tau dropped", DISC,
           "return StepCoefficients(1.0 - k, k * r, k * leak)",
           "return StepCoefficients(1.0 - k, r, k * leak)", (T_CUBA,)),
    Mutant("discretize: tau off by 0.01 %", DISC, "    k = dt / tau",
           "    k = dt / (tau * 1.0001)", (f"{T_REF}/test_fixtures.py",)),
    Mutant("discretize: synaptic input weight w_in dropped", DISC,
           "SynapseCoefficients(1.0 - k, k * _arr(node.w_in))", "SynapseCoefficients(1.0 - k, k)",
           (T_CUBA,)),
    Mutant("discretize: IF gain without dt", DISC,
           "StepCoefficients(np.ones_like(r), dt * r,", "StepCoefficients(np.ones_like(r), r,",
           (T_CUBA, f"{T_REF}/test_fixtures.py", "tests/frontends/test_torch_export.py")),
    # fixed backend, loihi mode (Lava's bit-accurate arithmetic)
    Mutant("fixed: input rounding round becomes floor", "backends/fixed/loihi.py",
           "rounded = torch.round(scaled)", "rounded = torch.floor(scaled)",
           (T_AGREE, "-k", "non_integer")),
    Mutant("fixed: lava timing does not align fan-in", "backends/fixed/simulator.py",
           "_delayed(values[p], latest - depth.get(p, 0))", "_delayed(values[p], 0)",
           (T_AGREE, "-k", "fan_in")),
    Mutant("fixed: lava timing forgets the Dense/Conv delay", "backends/fixed/simulator.py",
           "default=0) + self.delays.get(name, 0)", "default=0) + 0", (T_LBACK,)),
    Mutant("fixed: conv accumulator wraps at 25 bits", "backends/fixed/formats.py",
           "CONV_ACCUMULATOR_BITS = 24", "CONV_ACCUMULATOR_BITS = 25", (T_OVF,)),
    Mutant("fixed: current wraps at +2^23 itself (> becomes >=)", "backends/fixed/intops.py",
           "high, low = x > half, x <= -half", "high, low = x >= half, x <= -half", (T_OVF,)),
    Mutant("fixed: -2^23 does not wrap (<= becomes <)", "backends/fixed/intops.py",
           "high, low = x > half, x <= -half", "high, low = x > half, x < -half", (T_OVF,)),
    Mutant("fixed: voltage saturates one too high (IF loop)", FIX_N,
           "intops.saturate(v, LOIHI.state_max)", "intops.saturate(v, LOIHI.state_max + 1)",
           (T_OVF,), occurrence=1),
    Mutant("fixed: voltage saturates one too high (decaying loop)", FIX_N,
           "intops.saturate(v, LOIHI.state_max)", "intops.saturate(v, LOIHI.state_max + 1)",
           (T_OVF,), occurrence=2),
    Mutant("fixed: saturation skipped (bound check always false)", FIX_N,
           "return top > limit or bottom < -limit", "return False", (T_OVF,)),
    *(Mutant(f"fixed: loihi threshold > becomes >= ({loop} loop)", FIX_N,
             "torch.gt(v, threshold, out=spikes[t])", "torch.ge(v, threshold, out=spikes[t])",
             (T_TIE,), occurrence=n) for n, loop in ((1, "IF"), (2, "decaying"))),
    *(Mutant(f"fixed: loihi reset at v == threshold ({loop} loop)", FIX_N,
             "torch.le(v, threshold, out=quiet)", "torch.lt(v, threshold, out=quiet)", (T_TIE,),
             occurrence=n) for n, loop in ((1, "IF"), (2, "decaying"))),
    Mutant("fixed: generic threshold > becomes >=", FIX_N, "fired = v > self.vth",
           "fired = v >= self.vth", (T_TIE,)),
    Mutant("fixed: voltage decay rounds toward -inf instead of zero", FIX_N,
           "v.mul_(factor).trunc_()", "v.mul_(factor).floor_()", (T_NEURON, T_AGREE)),
    Mutant("fixed: current decay rounds toward -inf instead of zero", FIX_N,
           'rounding_mode="trunc").to(torch.int32)', 'rounding_mode="floor").to(torch.int32)',
           (T_NEURON, T_AGREE)),
    Mutant("fixed: voltage decay offset 1 instead of 0", FIX_N,
           "(self.dv + VOLTAGE_DECAY_OFFSET)", "(self.dv + 1)", (T_NEURON,)),
    Mutant("fixed: current decay offset dropped", FIX_N, "(self.du + CURRENT_DECAY_OFFSET)",
           "(self.du)", (T_NEURON, T_LBACK)),
    Mutant("fixed: bias exponent ignored", FIX_N,
           "self.bias_mant << self.bias_exp.clamp(min=0)", "self.bias_mant",
           (T_NEURON, T_LBACK, T_AGREE)),
    Mutant("fixed: Dense weight exponent ignored", "backends/fixed/loihi.py",
           "synapses.affine(weights, None, device), exponent)",
           "synapses.affine(weights, None, device), 0)",
           (T_AGREE, "-k", "fixed_layer_scale")),
    Mutant("fixed generic: nearest rounding becomes truncation", "backends/fixed/intops.py",
           "return torch.sign(x) * ((x.abs() + half) >> bits)",
           "return torch.sign(x) * (x.abs() >> bits)", ("tests/backends/fixed/test_generic.py",)),
    # quantisation to Loihi's formats
    Mutant("quantize: vth truncated instead of rounded", QL, 'round(params["vth"] * scale)',
           'int(params["vth"] * scale)', (T_QL,)),
    Mutant("quantize: bias floored instead of rounded", QL,
           'bias = np.rint(np.asarray(params["bias_mant"]) * unit)',
           'bias = np.floor(np.asarray(params["bias_mant"]) * unit)', (T_QL,)),
    Mutant("quantize: weight exponent without the half-step margin", QL,
           "> fmt.weight_max(mixed) + step / 2:", "> fmt.weight_max(mixed):", (T_QL,)),
    Mutant("quantize: dv truncated instead of rounded", QL,
           'round(params["dv"] * fmt.decay_unity)', 'int(params["dv"] * fmt.decay_unity)',
           (T_QL,)),
    Mutant("quantize: weights floored instead of rounded", QL,
           "np.rint(weight / (2**exp * step))", "np.floor(weight / (2**exp * step))", (T_QL,)),
    Mutant("quantize: initial potential floored", QL,
           'v0_exact = np.rint(np.asarray(params["v_init"]) * unit)',
           'v0_exact = np.floor(np.asarray(params["v_init"]) * unit)', (T_QL,)),
    Mutant("quantize: conv weights lose their folded exponent", QL,
           "node.weight = mant * 2**exp if conv else mant", "node.weight = mant",
           (T_AGREE, "-k", "fixed_layer_scale")),
    # energy counting
    Mutant("energy: grouped conv counted as dense", "backends/energy/layers.py",
           "per_output = int(np.prod(weight.shape[1:]))",
           "per_output = int(np.prod(weight.shape[1:])) * int(node.groups)", (T_HAND,)),
    Mutant("energy: SumPool2d no longer passes spikes through", "backends/energy/layers.py",
           "PASS_THROUGH = caps.POOLS +", "PASS_THROUGH = (nir.AvgPool2d,) +", (T_HAND,)),
    Mutant("energy: effective count ignores groups", "backends/energy/rates.py",
           "* (c_out // groups)", "* c_out", (T_HAND, "tests/backends/energy/test_neurobench.py")),
    Mutant("energy: SOPs without the T factor", "backends/energy/estimate.py",
           "sops = opts.T * (rate or 0.0) * cost.macs", "sops = (rate or 0.0) * cost.macs",
           (T_COUNT,)),
    Mutant("energy: MAC and AC energies swapped", "backends/energy/estimate.py",
           "hw.e_mac_pj * macs / PJ_PER_MJ, hw.e_ac_pj * sops / PJ_PER_MJ",
           "hw.e_ac_pj * macs / PJ_PER_MJ, hw.e_mac_pj * sops / PJ_PER_MJ", (T_COUNT, T_HAND)),
    # onnx backend
    Mutant("onnx: threshold > becomes >=", "backends/onnx/neurons.py",
           'b.op("Greater", [v, v_th]', 'b.op("GreaterOrEqual", [v, v_th]', (T_TIE,)),
    Mutant("onnx: subtractive reset fires every step", "backends/onnx/neurons.py",
           'drop = b.op("Mul", [spikes, v_th], f"{name}/drop")',
           'drop = b.op("Mul", [spikes, v_th], f"{name}/drop") if False else v_th',
           ("tests/backends/onnx/test_agreement.py",)),
    Mutant("onnx: hard reset keeps v", "backends/onnx/neurons.py",
           'b.op("Where", [fired, b.scalar_or_array(f"{name}.v_reset", v_reset), v], name,',
           'b.op("Where", [fired, v, v], name,', ("tests/backends/onnx/test_agreement.py",)),
    # Lava backend
    Mutant("lava: initial potential not set", "backends/lava/build.py",
           'v0 = net.cast(lay.to_lava(p["v_init"]))', 'v0 = net.cast(lay.to_lava(0 * p["v_init"]))',
           ("tests/backends/lava/test_float.py", T_AGREE)),
    # training neurons and export
    Mutant("nn: Heaviside >= becomes >", "snn2hw/nn/surrogate.py",
           "return (x >= 0).to(x.dtype)", "return (x > 0).to(x.dtype)", (T_NN,)),
    Mutant("nn: hard reset ignores v_reset", "snn2hw/nn/neurons.py",
           "v = v * (1.0 - s_reset) + self.v_reset * s_reset", "v = v * (1.0 - s_reset)",
           (T_NN,)),
    Mutant("nn: LIF decay_input leaks to 0, not v_reset", "snn2hw/nn/neurons.py",
           "return v + (x - (v - self.v_reset)) / self.tau", "return v + (x - v) / self.tau",
           (T_NN, T_NN_LEAK)),
    Mutant("export: batch-norm folding without eps", "snn2hw/passes/fold_batchnorm.py",
           "scale = torch.rsqrt(var + bn.eps)", "scale = torch.rsqrt(var)",
           ("tests/passes/test_fold_batchnorm.py",)),
    Mutant("lava: conv kernel not flipped", "backends/lava/build.py",
           "weight=weight[:, :, ::-1, ::-1].transpose(0, 3, 2, 1)",
           "weight=weight.transpose(0, 3, 2, 1)", ("tests/backends/lava/test_float.py",)),
]


def make_copy(dest: Path, worktree: bool) -> None:
    """The repository at HEAD (or the working tree's files) in ``dest``."""
    dest.mkdir(parents=True)
    if worktree:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                                check=True, capture_output=True).stdout.decode().split("\0")
        for name in filter(None, listed):
            source = ROOT / name
            if source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    link = dest / "snn2hw" / "backends"
    if not link.is_symlink():  # older commits lack the committed link
        link.symlink_to(Path("..") / "backends")


def _env(copy: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(copy), "OMP_NUM_THREADS": "1"}


def check_isolated(copy: Path) -> None:
    """The copy, not the live tree, is what the tests import."""
    probe = "import snn2hw.backends.fixed as f, snn2hw; print(f.__file__); print(snn2hw.__file__)"
    out = subprocess.run([str(PYTHON), "-c", probe], cwd=copy, env=_env(copy), check=True,
                         capture_output=True, text=True).stdout.split()
    if not all(Path(p).resolve().is_relative_to(copy.resolve()) for p in out):
        sys.exit(f"the copy is not isolated: imports come from {out}")


def run_tests(copy: Path, tests: tuple[str, ...], timeout: float
              ) -> tuple[int | None, float, str]:
    """pytest's exit code (None on timeout), the seconds it took and the end of its output."""
    start = time.perf_counter()
    cmd = [str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(cmd, cwd=copy, env=_env(copy), capture_output=True, text=True,
                              timeout=timeout)
        code, tail = done.returncode, (done.stdout + done.stderr)[-3000:]
    except subprocess.TimeoutExpired:
        code, tail = None, "timed out"
    return code, time.perf_counter() - start, tail


def mutate(copy: Path, mutant: Mutant, timeout: float) -> tuple[str, float]:
    """Apply, test, restore; the outcome and seconds."""
    path = copy / mutant.path
    text = path.read_text()
    found = text.count(mutant.original)
    if found != 1 if mutant.occurrence == 0 else found < mutant.occurrence:
        return "stale", 0.0
    parts = text.split(mutant.original)
    n = max(mutant.occurrence, 1)
    path.write_text(mutant.original.join(parts[:n]) + mutant.mutated
                    + mutant.original.join(parts[n:]))
    try:
        code, seconds, _ = run_tests(copy, mutant.tests, timeout)
    finally:
        path.write_text(text)
    if code is None:
        return "caught (timeout)", seconds
    if code in (1, 2, 3):  # failures, interrupted by an error (e.g. import), internal error
        return "caught", seconds
    return ("survived" if code == 0 else f"error (pytest exit {code})"), seconds


def _selection(mutants: list[Mutant]) -> tuple[str, ...]:
    """Every test file the mutants name (without -k filters), once."""
    files: dict[str, None] = {}
    for m in mutants:
        for arg in m.tests:
            if arg.startswith("tests"):
                files[arg] = None
    return tuple(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="number and describe the mutants")
    parser.add_argument("--only", type=int, action="append", metavar="N",
                        help="run mutant N (from --list); repeatable")
    parser.add_argument("--worktree", action="store_true",
                        help="copy the working tree instead of HEAD")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the check that the selected tests pass unmutated")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per mutant")
    args = parser.parse_args()
    numbered = list(enumerate(MUTANTS, start=1))
    if args.list:
        for n, m in numbered:
            print(f"{n:3d}  {m.what}  [{m.path}]  -> {' '.join(m.tests)}")
        return 0
    if args.only:
        unknown = [n for n in args.only if not 1 <= n <= len(MUTANTS)]
        if unknown:
            parser.error(f"--only: no mutant {unknown[0]} (1..{len(MUTANTS)})")
        numbered = [(n, MUTANTS[n - 1]) for n in args.only]
    with tempfile.TemporaryDirectory(prefix="snn2hw-mutate-") as tmp:
        copy = Path(tmp) / "repo"
        make_copy(copy, args.worktree)
        check_isolated(copy)
        if not args.no_baseline:
            selection = _selection([m for _, m in numbered])
            code, seconds, tail = run_tests(copy, selection, args.timeout * 4)
            print(f"baseline: pytest exit {code} in {seconds:.0f} s", flush=True)
            if code != 0:
                print(f"{tail}\nthe unmutated tests fail: fix them first (or --no-baseline)")
                return 2
        outcomes = []
        for n, m in numbered:
            outcome, seconds = mutate(copy, m, args.timeout)
            outcomes.append(outcome)
            print(f"{n:3d}  {outcome:17s} {seconds:6.1f} s  {m.what}", flush=True)
    caught = sum(o.startswith("caught") for o in outcomes)
    survived = outcomes.count("survived")
    other = len(outcomes) - caught - survived
    total = caught + survived
    score = f"{100 * caught / total:.0f} %" if total else "n/a"
    print(f"caught {caught} of {total} ({score}); {other} stale or error")
    return 0 if survived == 0 and other == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
