"""Click types shared by the commands: every option is checked when it is parsed, before any
heavy import and before any work, so a bad value costs one line and exit code 2.

Nothing here imports torch (only ``--device cuda`` asks torch whether a GPU is there)."""

from __future__ import annotations

import math
import os
import re
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

import click

# --- numbers ---------------------------------------------------------------------------------

POSITIVE_INT = click.IntRange(min=1)
NON_NEGATIVE_INT = click.IntRange(min=0)
MAX_T = 100_000  # steps: the graph validator's limit (snn2hw.ir.validate.MAX_T, tested equal)
STEPS = click.IntRange(1, MAX_T)
"""A number of time steps a graph may store."""


class FiniteFloat(click.FloatRange):
    """A float range that also refuses NaN and infinity (click's FloatRange lets NaN through,
    since every comparison with NaN is false)."""

    name = "finite float"

    def convert(self, value, param, ctx):
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)


POSITIVE_FLOAT = FiniteFloat(min=0, min_open=True)
INPUT_SCALE = FiniteFloat(min=0, min_open=True, max=2.0**24)
"""Integer input = input x scale: positive, and no more than Loihi's 24-bit states hold."""
MAX_DT = 3600.0  # seconds: the graph validator's limit (snn2hw.ir.validate.MAX_DT, tested equal)
TIME_STEP = FiniteFloat(min=sys.float_info.min, max=MAX_DT)
"""A dt in seconds that a graph may store (positive and normal, at most an hour)."""


# --- shapes and devices ----------------------------------------------------------------------


class ShapeType(click.ParamType):
    """One sample's shape, ``3,32,32`` or ``3x32x32``, positive sizes only."""

    name = "shape"

    def convert(self, value, param, ctx):
        if isinstance(value, (list, tuple)):
            return [int(v) for v in value]
        parts = [p.strip() for p in re.split(r"[,x]", str(value).lower())]
        if not all(re.fullmatch(r"[0-9]+", p) for p in parts) or min(map(int, parts)) < 1:
            self.fail(f"'{value}' is not a list of positive sizes like 3,32,32", param, ctx)
        return [int(p) for p in parts]


SHAPE = ShapeType()

_DEVICE = re.compile(r"^(cpu|mps|cuda(:\d+)?)$")


class DeviceType(click.ParamType):
    """A torch device name that exists here: ``cpu``, ``cuda``, ``cuda:N`` or ``mps``."""

    name = "device"

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        if not _DEVICE.match(text):
            self.fail(f"'{value}' is not a device (use cpu, cuda, cuda:N or mps)", param, ctx)
        if text.startswith("cuda"):
            import torch  # only when a GPU is asked for: the run needs torch anyway

            count = torch.cuda.device_count() if torch.cuda.is_available() else 0
            index = int(text.partition(":")[2] or 0)
            if index >= count:
                self.fail(f"'{value}': no such CUDA device here ({count} found)", param, ctx)
        if text == "mps":
            import torch

            if not torch.backends.mps.is_available():
                self.fail("'mps': no Apple GPU here", param, ctx)
        return text


DEVICE = DeviceType()


# --- files -----------------------------------------------------------------------------------


class InputFile(click.Path):
    """An existing regular file: a FIFO, a device or a folder is refused at once (reading a
    FIFO would block forever)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            self.fail(f"{path}: no such file", param, ctx)
        except OSError as exc:
            self.fail(f"{path}: {exc.strerror}", param, ctx)
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            self.fail(f"{path}: {kind}", param, ctx)
        return path


class OutputFile(click.Path):
    """A file that can be written: refused at once when it names a folder, when a folder on
    its way is a file, when its name is too long, or when its nearest existing folder cannot
    be written (so a long run does not end in a write error)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value, param, ctx):
        try:
            problem = output_problem(Path(os.fsdecode(value)))
        except OSError as exc:
            problem = exc.strerror or str(exc)
        if problem:
            self.fail(f"{os.fsdecode(value)}: {problem}", param, ctx)
        return super().convert(value, param, ctx)


def output_problem(path: Path) -> str | None:
    """Why ``path`` cannot be written, or None."""
    folder = path.parent
    while not os.path.lexists(folder):
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    for part in path.parts:
        if len(os.fsencode(part)) > limit:
            return f"file name longer than {limit} bytes"
    if path.is_dir():
        return "is a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write in {folder}"
    return None


def refuse_overwriting(inputs: Iterable[str | os.PathLike | None],
                       outputs: dict[str, str | os.PathLike | None]) -> None:
    """Refuse an output option (name -> path) that names one of the input files, or another
    output, before anything is written."""
    seen: dict[str, str] = {}
    sources = [Path(p) for p in inputs if p]
    for option, out in outputs.items():
        if not out:
            continue
        out = Path(out)
        for source in sources:
            if _same_file(source, out):
                raise click.UsageError(f"{option} {out}: is an input of this command (it would "
                                       "be replaced); choose another file")
        key = os.path.realpath(out)
        if key in seen:
            raise click.UsageError(f"{option} {out}: is also given to {seen[key]}")
        seen[key] = option


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


# --- datasets --------------------------------------------------------------------------------


class DatasetType(click.ParamType):
    """A ``--dataset`` spec (snn2hw.data.spec), its paths checked when parsed."""

    name = "dataset"

    def convert(self, value, param, ctx):
        from snn2hw.data.spec import DatasetSpec, parse_spec
        from snn2hw.errors import BadInputError

        if isinstance(value, DatasetSpec):
            return value
        try:
            return parse_spec(value)
        except BadInputError as exc:
            self.fail(str(exc), param, ctx)


DATASET = DatasetType()
DATASET_HELP = ("digits | imagefolder:PATH (PATH/<class>/<image>) | events:PATH "
                "(PATH/<class>/<.aedat|.bin|.npz|.npy>) | npy:X.npy[,y.npy]")


# Options that read the same on every command that runs a graph (one wording, one type).
input_option = click.option(
    "--input", "input_path", type=InputFile(),
    help=".npy input, [T, B, ...] or a static [B, ...] batch repeated over T.")
dt_option = click.option("--dt", type=POSITIVE_FLOAT,
                         help="Time step in seconds (default: the graph's, else 1e-4).")
device_option = click.option("--device", type=DEVICE, default="cpu", show_default=True,
                             help="Torch device (cpu, cuda, cuda:N).")


def dataset_option(what: str):
    """The shared ``--dataset`` option; ``what`` says what the command does with the data."""
    return click.option("--dataset", type=DATASET, help=f"{what}: {DATASET_HELP}.")
