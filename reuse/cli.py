"""Command line: parse arguments, call the library, print. Nothing more."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from reuse import __version__, cli_check, cli_cluster, cli_html, cli_phrases, cli_text
from reuse.align import AlignParams
from reuse.boilerplate import IgnoreList, Limit
from reuse.corpus import InputError
from reuse.index import (
    BuildInterrupted,
    Index,
    IndexFileError,
    IndexParams,
    build,
    consistency,
)
from reuse.model import Skipped, one_line
from reuse.output import write_json, write_text
from reuse.report import scan_report, skipped_lines
from reuse.scan import ScanOptions, ScanResult, scan_index, scan_paths

out = Console()
err = Console(stderr=True)


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reuse", description=__doc__)
    p.add_argument("--version", action="version", version=f"reuse {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("scan", help="find passages shared between documents")
    s.add_argument("paths", nargs="*", help="files or folders (.txt, .md, .jsonl, .html, .docx)")
    s.add_argument(
        "--db", type=Path, help="index file to update and scan (scan it alone without paths)"
    )
    s.add_argument("--json", metavar="FILE", help="write findings as JSON ('-' for stdout)")
    s.add_argument(
        "--min-len",
        type=int,
        default=AlignParams().min_len,
        help="shortest passage reported, in characters without punctuation (default %(default)s)",
    )
    s.add_argument(
        "--min-shared-keys",
        type=int,
        default=ScanOptions().min_shared,
        help="LSH band keys two documents must share to be aligned; 1 finds the most "
        "and is slowest on templated corpora (default %(default)s)",
    )
    s.add_argument("--top", type=int, default=10, help="families shown (default %(default)s)")
    cli_html.add_option(s, "scan")
    s.add_argument(
        "--ignore-families-over",
        metavar="N|N%",
        help="leave out families in more than N documents, or N%% of them (footers, formulas)",
    )
    s.add_argument(
        "--ignore",
        metavar="FILE",
        action="append",
        default=[],
        help="leave out families matching an entry of FILE: one passage or re:PATTERN a line",
    )
    s.add_argument(
        "--ignore-footers",
        action="store_true",
        help="leave out web-page furniture (copyright lines, ICP numbers; reuse/footers.txt)",
    )
    s.add_argument(
        "--max-pairs-per-family",
        type=int,
        default=0,
        metavar="N",
        help="list at most N pairs per family in --json, most similar first, members still "
        "all listed: keeps the file small where boilerplate chains thousands of documents "
        "(default %(default)s: every pair, as the contract says)",
    )
    s.add_argument("--skipped", metavar="FILE", help=_SKIPPED_HELP)
    s.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes to use (default %(default)s)",
    )

    cli_phrases.register(sub)
    cli_check.register(sub)
    cli_cluster.register(sub)
    cli_text.register(sub)

    i = sub.add_parser("index", help="build or update an index file")
    i.add_argument("paths", nargs="*", help="files or folders to index")
    i.add_argument("--db", type=Path, required=True, help="the index file")
    i.add_argument("--stats", action="store_true", help="print what the index holds")
    i.add_argument(
        "--check",
        action="store_true",
        help="verify the index is whole and consistent (reads all of it); exit 1 if not",
    )
    i.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    i.add_argument("--skipped", metavar="FILE", help=_SKIPPED_HELP)
    return p


_SKIPPED_HELP = "write the files not read to FILE, one 'path<TAB>reason' line each ('-' for stdout)"


@contextmanager
def _progress(enabled: bool) -> Iterator:
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update


def _warn(s: Skipped) -> None:
    label = "[cyan]note[/]" if s.kept else "[yellow]skipped[/]"
    err.print(f"{label} {escape(str(s))}", highlight=False, markup=True, soft_wrap=True)


def _write_skipped(target: str | None, skipped: Sequence[Skipped]) -> None:
    """``--skipped FILE``: every input not read, as ``path<TAB>reason`` lines (notes left out)."""
    if target:
        lines = [f"{one_line(s.path)}\t{one_line(s.reason)}\n" for s in skipped if not s.kept]
        write_text(target, "".join(lines))


def _check_paths(paths: Sequence[str]) -> None:
    for p in paths:
        if not Path(p).exists():
            raise UsageError(f"{p}: no such file or directory")


def _limit(text: str | None) -> Limit | None:
    if text is None:
        return None
    try:
        return Limit.parse(text)
    except ValueError as exc:
        raise UsageError(f"--ignore-families-over: {exc}") from None


def _ignore_list(files: Sequence[str], footers: bool) -> IgnoreList | None:
    lists = [IgnoreList.footers()] if footers else []
    try:
        lists += [IgnoreList.load(f) for f in files]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return sum(lists, IgnoreList()) or None


def cmd_scan(args: argparse.Namespace) -> int:
    if not args.paths and args.db is None:
        raise UsageError("scan needs a folder or file to scan, or --db FILE")
    _check_paths(args.paths)
    options = ScanOptions(
        align=replace(AlignParams(), min_len=args.min_len),
        min_shared=args.min_shared_keys,
        workers=args.workers,
        ignore_over=_limit(args.ignore_families_over),
        ignore=_ignore_list(args.ignore, args.ignore_footers),
    )
    show = args.json != "-"
    with _progress(show) as progress:
        if args.paths:
            result = scan_paths(args.paths, options, db=args.db, progress=progress, on_skip=_warn)
        else:
            index = Index.open(args.db)
            try:
                result = scan_index(index, replace(options, index=index.params), progress)
            finally:
                index.close()
    _write_skipped(args.skipped, result.skipped)
    if not result.documents:
        raise UsageError(
            f"no documents found in {' '.join(args.paths) or args.db}"
            " (readable .txt, .md, .jsonl, .html or .docx files)"
        )
    if args.json:
        write_json(args.json, result.to_json(args.max_pairs_per_family))
    if args.html is not None:
        cli_html.scan_report(args.html, result, args.paths, args.db, err)
    if show:
        _print_scan(result, args.top)
    return 0


def _print_scan(result: ScanResult, top: int) -> None:
    if len(result.skipped) > 10:
        out.print(skipped_lines(result.skipped))
    out.print(scan_report(result, top))


# Workers of `reuse index` yield the CPU to interactive work: an archive
# takes minutes, and the machine should stay usable meanwhile.
_INDEX_NICE = 10


def cmd_index(args: argparse.Namespace) -> int:
    _check_paths(args.paths)
    if not args.paths:
        if not (args.stats or args.check):
            raise UsageError("index needs folders or files to index (or --stats, --check)")
        index = Index.open(args.db)
    else:
        index = Index.create(args.db, IndexParams())
    try:
        if args.paths:
            try:
                with _progress(True) as progress:
                    stats = build(
                        index,
                        args.paths,
                        workers=args.workers,
                        on_progress=(lambda d, t: progress("reading", d, t)),
                        on_skip=_warn,
                        nice=_INDEX_NICE,
                    )
            except BuildInterrupted as stop:
                done = stop.stats
                where = (
                    f"{done.files_done:,} of {done.files:,} files indexed "
                    f"({done.added:,} documents added by this run)"
                    if done.files
                    else "while listing files, before indexing any"
                )
                err.print(
                    f"interrupted: {where}; run the same command again to resume",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
                return 130
            _write_skipped(args.skipped, stats.skipped)
            skipped = sum(not s.kept for s in stats.skipped)
            out.print(
                f"indexed {stats.added} documents, {stats.unchanged} files unchanged, "
                f"{stats.removed} removed, {skipped} skipped"
            )
        if args.stats:
            for k, v in index.stats().items():
                out.print(f"{k:>10}: {v}", highlight=False)
        if args.check:
            problems = consistency(index)
            for p in problems:
                out.print(f"{args.db}: {p}", highlight=False, markup=False, soft_wrap=True)
            if problems:
                return 1
            out.print(f"{args.db}: consistent", highlight=False, markup=False, soft_wrap=True)
    finally:
        index.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        # Inside the try: building the parser is start-up too, and Ctrl-C may come then.
        args = _parser().parse_args(argv)
        if args.command == "scan":
            return cmd_scan(args)
        if args.command == "phrases":
            return cli_phrases.run(args)
        if args.command == "check":
            return cli_check.run(args)
        if args.command == "cluster":
            return cli_cluster.run(args)
        if args.command == "text":
            return cli_text.run(args)
        return cmd_index(args)
    except (UsageError, InputError, IndexFileError) as exc:
        err.print(f"reuse: error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("reuse: interrupted; the index keeps every document written so far")
        return 130


if __name__ == "__main__":
    sys.exit(main())
