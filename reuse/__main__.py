"""Entry point of the ``reuse`` command (the console script and ``python -m reuse``).

Importing the commands takes most of a second (numba, scikit-learn, jieba), and
``reuse.cli.main`` can only catch Ctrl-C once they are loaded. So this module
imports nothing heavy itself: while the commands load, Ctrl-C writes one line and
exits 130, as an interrupt later does, instead of a traceback from inside whatever
library was being imported.
"""

from __future__ import annotations

# Both are loaded by the interpreter before any of this runs: importing them here costs
# nothing and leaves no moment unguarded. Everything else is imported inside run's try.
import os
import sys

__all__ = ["run"]

INTERRUPTED = b"reuse: interrupted\n"
EXIT_INTERRUPTED = 130


def _exit_interrupted(*_signal: object) -> None:
    # os._exit, not an exception: an exception raised inside a library's import can be
    # caught there and come out as something else; nothing is open or buffered yet.
    os.write(2, INTERRUPTED)
    os._exit(EXIT_INTERRUPTED)


def run() -> int:
    """Load the commands with Ctrl-C exiting quietly, then run ``reuse.cli.main``."""
    try:
        import signal

        # Only Python's own handler is replaced: SIGINT ignored (a background job) stays so.
        guarded = signal.getsignal(signal.SIGINT) is signal.default_int_handler
        if guarded:
            signal.signal(signal.SIGINT, _exit_interrupted)
        from reuse.cli import main

        if guarded:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        return main()
    except KeyboardInterrupt:
        # main catches Ctrl-C itself; this one came before the handler above was
        # installed, or after it was put back and before main's own try.
        os.write(2, INTERRUPTED)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(run())
