"""``--html [FILE]`` for the commands: the option, the default file name, the document
texts a report needs, and the atomic write. The pages themselves are ``reuse.html``.

A scan or check result holds spans, not texts. With an index (``--db``) the texts come
from it; otherwise the files are read again and only the documents the report shows are
kept (``reuse.html`` drops a text whose length is not the one the scan saw, so a file
changed in between shows no wrong characters).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from reuse.corpus import iter_documents
from reuse.index import Index
from reuse.output import write_text

REPORTS = Path("reports")


def add_option(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument(
        "--html",
        nargs="?",
        const="",
        metavar="FILE",
        help="write a self-contained HTML report that opens offline in a browser "
        f"(default name: {REPORTS}/{command}-DATE-TIME.html)",
    )


def report_path(value: str, command: str, now: datetime | None = None) -> str:
    """``value``, or a new timestamped file under ``reports/`` when no file was named."""
    if value:
        return value
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path, n = REPORTS / f"{command}-{stamp}.html", 2
    while path.exists():
        path, n = REPORTS / f"{command}-{stamp}-{n}.html", n + 1
    return str(path)


def write_report(value: str, command: str, page: str, err: Console) -> str:
    target = report_path(value, command)
    write_text(target, page)
    if target != "-":
        err.print(f"HTML report written to {target}", highlight=False, markup=False)
    return target


def texts_from_paths(
    paths: Sequence[str | Path], wanted: Iterable[str]
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Texts and metadata of the ``wanted`` documents under ``paths`` (read again)."""
    want = set(wanted)
    texts: dict[str, str] = {}
    meta: dict[str, dict[str, Any]] = {}
    if not want:
        return texts, meta
    for doc in iter_documents(paths, on_skip=lambda _s: None):
        if doc.id in want:
            texts[doc.id] = doc.text
            meta[doc.id] = doc.metadata
    return texts, meta


class IndexTexts:
    """Texts by document id from an open index, read when asked."""

    def __init__(self, index: Index) -> None:
        self.index = index
        docs = index.documents()
        self.numbers = {d.id: d.n for d in docs}
        self.meta = {d.id: d.metadata for d in docs}

    def __call__(self, doc: str) -> str | None:
        n = self.numbers.get(doc)
        return None if n is None else self.index.text(n)


def title_for(command: str, paths: Sequence[str | Path], db: Path | None = None) -> str:
    where = " ".join(str(p) for p in paths) or (str(db) if db else "")
    return f"reuse {command}: {where}" if where else f"reuse {command}"


def scan_report(
    value: str, result: Any, paths: Sequence[str], db: Path | None, err: Console
) -> str:
    """Write the scan's HTML report; texts from the index when there is one."""
    from reuse.html import scan_html

    title = title_for("scan", paths, db)
    if db is not None:
        index = Index.open(db)
        try:
            page = scan_html(result, IndexTexts(index), title=title)
        finally:
            index.close()
    else:
        wanted = {m.doc for p in result.passages for m in p.members}
        texts, _ = texts_from_paths(paths, wanted)
        page = scan_html(result, texts.get, title=title)
    return write_report(value, "scan", page, err)


def check_report(
    value: str,
    results: Sequence[Any],
    db: Path | None,
    corpus: Path | None,
    err: Console,
) -> str:
    """Write the check's HTML report, with the sources' texts for the side-by-side view."""
    from reuse.html import check_html

    title = "reuse check: " + " ".join(r.draft for r in results)
    if db is not None:
        index = Index.open(db)
        try:
            texts = IndexTexts(index)
            page = check_html(results, texts, texts.meta, title=title)
        finally:
            index.close()
    else:
        wanted = {s.span.doc for r in results for m in r.matches for s in m.sources}
        found, meta = texts_from_paths([corpus] if corpus else [], wanted)
        page = check_html(results, found.get, meta, title=title)
    return write_report(value, "check", page, err)
