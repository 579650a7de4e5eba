"""Ctrl-C while `reuse` is still loading its modules: one line, exit 130, no traceback.

The command runs in a subprocess with ``-X importtime``, which writes a line to stderr
as each import finishes; the test reads them and sends SIGINT to the process group (what
a terminal does) when a chosen module has loaded, so it lands at a known stage of
start-up instead of after a guessed delay. The first stage is the first import after
the ``reuse`` package itself: from there on the code is ours. (Before it, the
interpreter is still starting and running ``site``; no Python code of a package can
catch a signal then.)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| ( *)(\S+)$")


# When to press Ctrl-C: after the first import that follows the `reuse` package, after
# numpy, after numba (the slow part), after all of reuse.cli (start-up over: the command
# is parsing its arguments or running, or has finished).
STAGES = {
    "first-import-of-run": lambda _name, seen: "reuse" in seen,
    "numpy": lambda name, _seen: name == "numpy",
    "numba": lambda name, _seen: name == "numba",
    "cli-loaded": lambda name, _seen: name == "reuse.cli",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("startup")
    (root / "a.txt").write_text("关于进一步加强基层治理工作的通知。各单位要高度重视。", "utf-8")
    (root / "b.txt").write_text("各单位要高度重视，认真抓好落实。关于进一步加强基层治理。", "utf-8")
    return root


def _interrupt_at(stage: str, folder: Path) -> tuple[int, list[str], bool]:
    """Run ``python -X importtime -m reuse scan`` and press Ctrl-C at ``stage``.

    Returns the exit code, the stderr lines that are not import timings, and whether
    the signal was sent (it is not when the run ended before reaching the stage).
    """
    cmd = [sys.executable, "-X", "importtime", "-m", "reuse", "scan", str(folder), "--workers", "1"]
    p = subprocess.Popen(
        cmd,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        start_new_session=True,
    )
    other: list[str] = []
    seen: list[str] = []
    sent = False
    try:
        assert p.stderr is not None
        for line in p.stderr:
            found = IMPORT_LINE.match(line.rstrip("\n"))
            if not found:
                if not line.startswith("import time:"):  # the column headings
                    other.append(line.rstrip("\n"))
                continue
            name = found.group(2)
            if not sent and STAGES[stage](name, seen):
                os.killpg(p.pid, signal.SIGINT)
                sent = True
            seen.append(name)
        code = p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return code, [x for x in other if x.strip()], sent


@pytest.mark.parametrize("stage", ["first-import-of-run", "numpy", "numba"])
def test_ctrl_c_while_loading_exits_130_with_one_line(stage: str, folder: Path) -> None:
    code, lines, sent = _interrupt_at(stage, folder)
    assert sent
    assert not any("Traceback" in x for x in lines), lines
    assert code == 130, lines
    # The start-up line, or (had the child run ahead of the signal) main's own.
    assert len(lines) == 1 and lines[0].startswith("reuse: interrupted"), lines


def test_ctrl_c_once_loaded_is_main_s_or_too_late(folder: Path) -> None:
    code, lines, sent = _interrupt_at("cli-loaded", folder)
    assert sent
    assert not any("Traceback" in x for x in lines), lines
    if code == 130:
        assert lines and lines[-1].startswith("reuse: interrupted"), lines
    else:
        assert code == 0, lines  # the scan of two small files was already done


def test_the_console_script_goes_through_the_guarded_entry() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    module, _, attr = scripts["reuse"].partition(":")
    assert (module, attr) == ("reuse.__main__", "run")
    # Importing the entry module must not load the commands: that is what it guards.
    probe = (
        "import sys; import reuse.__main__ as m; "
        "print(callable(m.run), 'reuse.cli' in sys.modules, 'numpy' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown == ["True", "False", "False"]
