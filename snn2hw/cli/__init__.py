"""The ``snn2hw`` command line: a thin click layer over :mod:`snn2hw.api`.

Each command lives in its own module here, registered in ``COMMANDS`` and imported only when
it is asked for (``snn2hw --help`` imports the light command modules, never torch: each
command imports what it needs inside its body).

Errors: any :class:`~snn2hw.errors.Snn2hwError`, a bad option and an operating-system error
(unreadable or unwritable file) become one line on stderr and exit code 2; anything else is a
bug and says so in one line with exit code 1. A traceback only with ``--debug``.
"""

from __future__ import annotations

import errno
import importlib
import sys
import warnings

import click

from snn2hw.errors import Snn2hwError, one_line

# command name -> module under snn2hw.cli (each defines `command`), in the order of --help
COMMANDS: dict[str, str] = {
    "demo": "demo_cmd",
    "train": "train_cmd",
    "evaluate": "evaluate_cmd",
    "export": "export_cmd",
    "inspect": "inspect_cmd",
    "verify": "verify_cmd",
    "quantize": "quantize_cmd",
    "run": "run_cmd",
    "energy": "energy_cmd",
    "plot": "plot_cmd",
    "compare": "compare_cmd",
    "metrics": "metrics_cmd",
    "map": "map_cmd",
    "backends": "backends_cmd",
}

EXIT_BAD_INPUT = 2
EXIT_BUG = 1


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, and whose errors are one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        return importlib.import_module(f"snn2hw.cli.{COMMANDS[cmd_name]}").command

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # `snn2hw` alone: its help
            click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
            sys.exit(0)
        except click.UsageError as exc:  # bad options and arguments: click's own checks
            hint = f" (see {exc.ctx.command_path} --help)" if exc.ctx else ""
            _say(f"error: {one_line(exc.format_message())}{hint}")
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            _say(f"error: {one_line(exc.format_message())}")
            sys.exit(exc.exit_code)
        except click.Abort:  # Ctrl-C
            _say("aborted")
            sys.exit(130)
        except OSError as exc:
            if exc.errno != errno.EPIPE:  # a closed pipe (| head) is not an error
                raise
            code = 0
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            code, message = describe(exc)
            _say(message)
            sys.exit(code)


def describe(exc: Exception) -> tuple[int, str]:
    """Exit code and one-line message for an error that reached the command line."""
    if isinstance(exc, Snn2hwError):
        return EXIT_BAD_INPUT, f"error: {one_line(exc)}"
    if isinstance(exc, MemoryError):
        return EXIT_BAD_INPUT, "error: not enough memory for this input"
    if isinstance(exc, OSError) and exc.errno:
        where = f"{exc.filename}: " if exc.filename else ""
        return EXIT_BAD_INPUT, f"error: {where}{exc.strerror or one_line(exc)}"
    return EXIT_BUG, (f"internal error: {type(exc).__name__}: {one_line(exc)} "
                      "(a bug in snn2hw: rerun with --debug and report it)")


def _say(line: str) -> None:
    click.echo(line, err=True)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.version_option(package_name="snn2hw")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """snn2hw: deploy spiking neural networks (IMP/LTS models) to neuromorphic hardware via NIR.

    Exit codes: 0 success, 2 bad input (one line on stderr), 1 a bug in snn2hw."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if not debug:
        warnings.showwarning = _one_line_warning


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, (DeprecationWarning, FutureWarning)):
        return  # third-party noise (torch.jit, lava) that users cannot act on
    click.echo(f"warning: {one_line(message)}", err=True)
