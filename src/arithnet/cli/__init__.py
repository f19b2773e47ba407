"""The ``arithnet`` command line: the only part of arithnet that writes to the
terminal.

Commands parse their options, choose the Keras backend before Keras is
imported, and call the library. Every error on user input ends as one line,
``error: ...``, with exit code 2 and no traceback.
"""

import logging
import os
import sys

import typer

from arithnet.cli import _seed, _train
from arithnet.cli.bench import app as bench_app

app = typer.Typer(
    name="arithnet",
    help="Train neural networks to do exact integer arithmetic.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("seed")(_seed.seed)
app.command("explain")(_seed.explain)
_train.register(app)
app.add_typer(bench_app, name="bench", help="Benchmark units over many seeds.")


def _fail(message: str) -> None:
    message = " ".join(str(message).split())
    typer.echo(f"error: {message}", err=True)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """Runs the CLI; user errors exit with code 2 and one line on stderr."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Keras imports TensorFlow, when installed, to serialize models; its
    # oneDNN notice is the one line the log level above does not silence.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    # The library reports restarts and other events through logging.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Abort:
        _fail("aborted")
    except typer.TyperException as error:
        format_message = getattr(error, "format_message", None)
        _fail(format_message() if format_message else str(error))
    except (ValueError, OSError) as error:
        _fail(str(error))
    except KeyboardInterrupt:
        _fail("interrupted")
    sys.exit(code if isinstance(code, int) else 0)
