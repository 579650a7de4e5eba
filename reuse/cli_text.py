"""`reuse text ID`: print one document's text exactly as span offsets index it.

Offsets in every report are code points of this text (for HTML and .docx
files, of the extracted text), so ``reuse text ID > doc.txt`` followed by
``text[start:end]`` on the file's content shows a span. The text goes to
standard output as UTF-8 bytes, untouched: no markup, no added newline.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

from rich.console import Console

from reuse.corpus import InputError, iter_documents
from reuse.index import Index, IndexFileError

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``text`` subcommand and its options."""
    p = subparsers.add_parser(
        "text",
        help="print a document's text exactly as offsets index it",
        description="Print the text of document ID, from an index (--db) or from files.",
    )
    p.add_argument("id", metavar="ID", help="the document id, as reports show it")
    p.add_argument("paths", nargs="*", help="files or folders to read it from")
    p.add_argument("--db", type=Path, help="index file to read it from")


def run(args: argparse.Namespace, err: Console | None = None) -> int:
    """Execute ``reuse text``; returns the exit code (2 when there is no such document)."""
    err = err or Console(stderr=True)
    if args.db is not None and args.paths:
        err.print("reuse: error: text reads from --db FILE or from files, not both")
        return 2
    if args.db is None and not args.paths:
        err.print("reuse: error: text needs --db FILE or the files and folders that hold ID")
        return 2
    try:
        text, ids = _from_index(args.db, args.id) if args.db else _from_paths(args.paths, args.id)
    except (InputError, IndexFileError) as exc:
        err.print(f"reuse: error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return 2
    if text is None:
        where = str(args.db) if args.db else " ".join(args.paths)
        message = f"reuse: error: no document {args.id!r} in {where}"
        close = difflib.get_close_matches(args.id, ids, n=3)
        if close:
            message += f" (did you mean {', '.join(repr(c) for c in close)}?)"
        err.print(message, highlight=False, markup=False, soft_wrap=True)
        return 2
    _write_exact(text)
    return 0


def _from_index(db: Path, doc_id: str) -> tuple[str | None, list[str]]:
    index = Index.open(db)
    try:
        docs = index.documents()
        for d in docs:
            if d.id == doc_id:
                return index.text(d.n), []
        return None, [d.id for d in docs]
    finally:
        index.close()


def _from_paths(paths: list[str], doc_id: str) -> tuple[str | None, list[str]]:
    # Skips are not this command's business: the document asked for is either read or not.
    seen: list[str] = []
    for doc in iter_documents(paths):
        if doc.id == doc_id:
            return doc.text, []
        seen.append(doc.id)
    return None, seen


def _write_exact(text: str) -> None:
    # surrogatepass: the index stores text that way, so the bytes match it exactly.
    data = text.encode("utf-8", "surrogatepass")
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # `reuse text ID | head` closes the pipe early; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
