"""``reuse check``: the argparse registration, the handler and the terminal rendering.

The lead wires it into ``reuse.cli``: ``register(subparsers)`` adds the
subcommand, ``run(args)`` returns the exit code (0 fine, 1 some draft over
``--fail-over``, 2 a problem the user can fix, raised as ``InputError`` or
``IndexFileError`` for ``reuse.cli`` to print, or printed here).
"""

from __future__ import annotations

import argparse
import stat
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from reuse import cli_html
from reuse.check import (
    CheckParams,
    CheckResult,
    IndexPhrases,
    check_corpus,
    check_text,
    phrase_cache_path,
)
from reuse.corpus import (
    DecodeFailure,
    InputError,
    SourceFile,
    _kind_of,
    decode_bytes,
    read_source,
)
from reuse.index import Index
from reuse.model import Document, Skipped
from reuse.output import write_json

out = Console()
err = Console(stderr=True)


def register(subparsers: Any) -> None:
    """Add ``check`` to the ``reuse`` command's subparsers."""
    c = subparsers.add_parser(
        "check",
        help="check drafts for text reused from an index or a corpus",
        description="Highlight the spans of each draft found in the indexed corpus, "
        "with their sources, the reused share and the stock phrases the draft uses.",
    )
    c.add_argument("drafts", nargs="+", metavar="DRAFT", help="draft files ('-' for stdin)")
    where = c.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="index file built by `reuse index`")
    where.add_argument(
        "--corpus", type=Path, metavar="DIR", help="check against this folder (indexed on the fly)"
    )
    c.add_argument("--json", metavar="FILE", help="write the findings as JSON ('-' for stdout)")
    c.add_argument(
        "--fail-over",
        type=float,
        metavar="SHARE",
        help="exit 1 when a draft's reused share is above SHARE (0..1); one line per draft",
    )
    c.add_argument(
        "--top",
        type=int,
        default=20,
        help="matches and distinct stock phrases shown (default %(default)s)",
    )
    c.add_argument(
        "--sources",
        type=int,
        default=CheckParams().sources,
        help="sources listed per reused span; the rest are counted (default %(default)s)",
    )
    c.add_argument("--workers", type=int, default=2, help="processes for --corpus indexing")
    cli_html.add_option(c, "check")


def read_drafts(
    name: str, on_skip: Callable[[Skipped], None] | None = None
) -> list[tuple[str, str]]:
    """The ``(draft id, text)`` pairs of one DRAFT argument.

    A file is read exactly as the corpus reader reads a file of its kind (`read_source`):
    the encoding detected, an HTML page's or a ``.docx`` file's text extracted, so the
    offsets reported are into the text ``reuse text`` prints for it. A file whose
    extension the corpus reader does not know is read as plain text: a draft is named
    on purpose, whatever its name. A ``.jsonl`` file holds one draft a line, named ``FILE:ID``;
    its bad lines go to ``on_skip`` and the others are checked. ``-`` is standard input,
    read as plain text. Raises `InputError` when there is nothing to check.
    """
    if name == "-":
        try:
            text, _ = decode_bytes(sys.stdin.buffer.read())
        except DecodeFailure as exc:
            raise InputError("<stdin>", exc.reason) from None
        return [("-", text)]
    src = _draft_source(name)
    docs: list[Document] = []
    notices: list[Skipped] = []
    for item in read_source(src):
        if isinstance(item, Document):
            docs.append(item)
        elif item.path == str(src.path):
            raise InputError(name, item.reason)  # the whole file, not one of its lines
        else:
            notices.append(item)
    for notice in notices:
        (on_skip or _warn_skipped_one)(notice)
    if not docs:
        raise InputError(name, "no line holds a draft (a JSON object with a 'text' string)")
    if src.kind != "jsonl":
        return [(name, docs[0].text)]
    return [(_line_draft_id(name, src.id, d.id), d.text) for d in docs]


def _draft_source(name: str) -> SourceFile:
    path = Path(name)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except OSError as exc:
        raise InputError(name, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(name, "a folder, not a file (name the drafts in it)")
    kind = _kind_of(path.name) or "text"
    return SourceFile(path, path.name, path.parent, kind, st.st_size, st.st_mtime_ns)


def _line_draft_id(name: str, file_id: str, doc_id: str) -> str:
    """``FILE:ID``; a line without an id is already ``NAME:LINE``, and keeps the path given."""
    if doc_id.startswith(file_id + ":"):
        return name + doc_id[len(file_id) :]
    return f"{name}:{doc_id}"


def run(args: argparse.Namespace) -> int:
    if args.fail_over is not None and not 0 <= args.fail_over <= 1:
        err.print("reuse: error: --fail-over takes a share between 0 and 1", highlight=False)
        return 2
    if sum(d == "-" for d in args.drafts) > 1:
        err.print("reuse: error: '-' (stdin) can be given once", highlight=False)
        return 2
    drafts = [pair for d in args.drafts for pair in read_drafts(d)]
    params = CheckParams(sources=max(1, args.sources))
    if args.db is not None:
        index = Index.open(args.db)
        try:
            phrases = IndexPhrases(index)
            if not phrases.ready():
                # Mining reads every indexed text: tens of seconds for a large index.
                with err.status(
                    "mining the index's stock phrases (once; cached in "
                    f"{phrase_cache_path(index.path).name} until the index changes) ..."
                ):
                    phrases.phrases()
            results = [check_text(t, index, params, phrases, draft_id=d) for d, t in drafts]
        finally:
            index.close()
    else:
        if not args.corpus.exists():
            raise InputError(args.corpus, "no such file or directory")
        results, skipped = check_corpus(drafts, [args.corpus], params, workers=args.workers)
        if not results or results[0].documents == 0:
            raise InputError(
                args.corpus, "no readable documents (.txt, .md, .jsonl, .html or .docx)"
            )
        _warn_skipped(skipped)
    for r in results:
        r.phrases = limit_phrases(r, args.top)
    if args.json:
        _write_json(args.json, results)
    if getattr(args, "html", None) is not None:
        cli_html.check_report(args.html, results, args.db, args.corpus, err)
    show = args.json != "-"
    summary_only = len(results) > 1 or args.fail_over is not None
    if show:
        for r in results:
            if summary_only:
                out.print(summary_line(r, args.fail_over), soft_wrap=True, highlight=False)
            else:
                out.print(render(r, args.top))
    over = args.fail_over is not None and any(r.reused_fraction > args.fail_over for r in results)
    return 1 if over else 0


def limit_phrases(result: CheckResult, top: int) -> list:
    """Occurrences of the ``top`` distinct phrases with the highest df."""
    df = {p.phrase: p.df for p in result.phrases}
    chosen = set(sorted(df, key=lambda x: (-df[x], -len(x), x))[: max(0, top)])
    return [p for p in result.phrases if p.phrase in chosen]


def _warn_skipped(skipped: list[Skipped]) -> None:
    for s in skipped:
        _warn_skipped_one(s)


def _warn_skipped_one(s: Skipped) -> None:
    label = "[cyan]note[/]" if s.kept else "[yellow]skipped[/]"
    err.print(f"{label} {escape(str(s))}", highlight=False, soft_wrap=True)


def _write_json(target: str, results: list[CheckResult]) -> None:
    """One draft: the contract's object. Several: ``{"drafts": [object, ...]}``."""
    data: dict = (
        results[0].to_json() if len(results) == 1 else {"drafts": [r.to_json() for r in results]}
    )
    write_json(target, data)


# -- rendering ---------------------------------------------------------------

_REUSED = "bold black on yellow"
_PHRASE = "underline cyan"


def summary_line(result: CheckResult, fail_over: float | None) -> Text:
    """``draft  37.0% reused  12 spans  OVER`` for pipelines checking many drafts."""
    line = Text()
    over = fail_over is not None and result.reused_fraction > fail_over
    if fail_over is not None:
        line.append("OVER " if over else "ok   ", style="bold red" if over else "green")
    line.append(f"{result.reused_fraction:6.1%} reused", style="bold")
    line.append(f"  {len(result.matches):3d} spans  {result.chars:,} chars  ")
    line.append(result.draft)
    return line


def highlighted(result: CheckResult) -> Text:
    """The draft with reused spans and stock phrases styled."""
    # \r becomes a space, not nothing: the styles below use the draft's own offsets.
    t = Text(result.text.replace("\r", " "))
    for p in result.phrases:
        t.stylize(_PHRASE, p.start, p.end)
    for m in result.matches:
        t.stylize(_REUSED, m.start, m.end)
    return t


def matches_table(result: CheckResult, top: int) -> Table:
    t = Table(
        title=f"Reused spans ({min(top, len(result.matches))} of {len(result.matches)}, "
        "longest first)",
        box=box.SIMPLE_HEAVY,
        show_lines=True,
    )
    t.add_column("draft", justify="right", no_wrap=True)
    t.add_column("text", ratio=2)
    t.add_column("sources (doc  start-end  similarity)", ratio=2)
    for m in sorted(result.matches, key=lambda m: (m.start - m.end, m.start))[:top]:
        text = " ".join(result.text[m.start : m.end].split())
        if len(text) > 80:
            text = text[:79] + "…"
        src = Text()
        for s in m.sources:
            src.append(f"{s.span.doc}", style="cyan")
            src.append(f"  {s.span.start}-{s.span.end}  {s.similarity:.2f}\n")
        if m.more:
            src.append(f"+{m.more} more documents", style="dim")
        t.add_row(f"{m.start}-{m.end}", Text(text), src.rstrip() or src)
    return t


def phrases_table(result: CheckResult) -> Table:
    counts = Counter(p.phrase for p in result.phrases)
    df = {p.phrase: p.df for p in result.phrases}
    t = Table(title="Stock phrases in the draft", box=box.SIMPLE_HEAVY)
    t.add_column("phrase", style="cyan")
    t.add_column("in draft", justify="right")
    t.add_column("corpus df", justify="right")
    for phrase in sorted(counts, key=lambda x: (-df[x], x)):
        t.add_row(phrase, str(counts[phrase]), f"{df[phrase]:,}")
    return t


def render(result: CheckResult, top: int = 20) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column(justify="right")
    head.add_row("draft", Text(result.draft))
    head.add_row("characters", f"{result.chars:,}")
    head.add_row("reused share", f"{result.reused_fraction:.1%}")
    head.add_row("reused spans", f"{len(result.matches):,}")
    head.add_row("index documents", f"{result.documents:,}")
    parts: list[Any] = [
        Panel(highlighted(result), title=f"{escape(result.draft)}: reused text highlighted"),
        Panel(head, title="reuse check", expand=False),
    ]
    if result.matches:
        parts.append(matches_table(result, top))
    else:
        parts.append(Text("No reused spans found.", style="bold"))
    if result.phrases:
        parts.append(phrases_table(result))
    return Group(*parts)
