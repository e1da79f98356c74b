"""The ``snn2hw`` command line: a thin click layer over :mod:`snn2hw.api`.

Each command lives in its own module here and is registered in ``COMMANDS``. Any
:class:`~snn2hw.errors.Snn2hwError` becomes one line on stderr and exit code 2 (a traceback
only with ``--debug``).
"""

from __future__ import annotations

import importlib
import sys
import warnings

import click

from snn2hw.errors import Snn2hwError

# module name under snn2hw.cli (each defines `command`)
COMMANDS: list[str] = [
    "demo_cmd",
    "train_cmd",
    "energy_cmd",
    "evaluate_cmd",
    "backends_cmd",
    "run_cmd",
    "export_cmd",
    "inspect_cmd",
    "quantize_cmd",
]


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Snn2hwError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.version_option(package_name="snn2hw")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """snn2hw: deploy spiking neural networks (IMP/LTS models) to neuromorphic hardware via NIR."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if not debug:
        warnings.showwarning = _one_line_warning


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, (DeprecationWarning, FutureWarning)):
        return  # third-party noise (torch.jit, lava) that users cannot act on
    click.echo(f"warning: {message}", err=True)


for _name in COMMANDS:
    main.add_command(importlib.import_module(f"snn2hw.cli.{_name}").command)
