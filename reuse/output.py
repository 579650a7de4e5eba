"""Writing reports: to standard output for '-', else atomically to a file.

Atomic (a temporary file renamed over the target) so that an interrupted
run never leaves a half-written report where a program expects a whole one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def write_text(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)


def write_json(target: str, data: Any) -> None:
    write_text(target, json.dumps(data, ensure_ascii=False, indent=1))
