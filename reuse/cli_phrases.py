"""`reuse phrases`: the stock-phrase report, its files, the --by table and the concordance.

Kept apart from ``reuse.cli`` so the lead wires it with two calls: `register` adds the
subcommand to an argparse sub-parser group, `run` executes parsed arguments.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from reuse import cli_html
from reuse.model import Document
from reuse.output import load_documents, write_json, write_text
from reuse.phrases import (
    Family,
    GroupTable,
    Hit,
    MineParams,
    PhraseResult,
    add_to_jieba,
    by_group,
    kwic,
    load_user_dict,
    mine_documents,
    sources_of,
)

__all__ = ["register", "run"]

DEFAULT_TOP = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``phrases`` subcommand and its options."""
    p = subparsers.add_parser(
        "phrases",
        help="mine the stock phrases (formulas) a corpus repeats across documents",
        description="Rank recurring formulas by how many documents use them.",
    )
    p.add_argument("paths", nargs="+", help="files or folders (.txt, .md, .jsonl)")
    p.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        help="phrases reported, in the terminal and in --json/--csv (default %(default)s)",
    )
    p.add_argument(
        "--min-df",
        type=int,
        default=MineParams().min_df,
        help="fewest documents a phrase must occur in (default %(default)s)",
    )
    p.add_argument(
        "--max-len",
        type=int,
        default=MineParams().max_len,
        help="longest phrase considered, in characters (default %(default)s)",
    )
    p.add_argument("--json", metavar="FILE", help="write phrases as JSON ('-' for stdout)")
    p.add_argument("--csv", metavar="FILE", help="write phrases as CSV ('-' for stdout)")
    p.add_argument(
        "--by",
        metavar="FIELD",
        help="phrase counts per group: a metadata field (year, source, region...) or 'folder'",
    )
    p.add_argument(
        "--kwic",
        metavar="PHRASE",
        help="print every occurrence of PHRASE in context instead of mining",
    )
    p.add_argument("--width", type=int, default=20, help="context characters per side for --kwic")
    p.add_argument(
        "--dict",
        metavar="FILE",
        dest="user_dict",
        help="known formulas, one per line: always counted, and added to jieba",
    )
    p.add_argument("--families", action="store_true", help="also list templated formula families")
    cli_html.add_option(p, "phrases")


def run(args: argparse.Namespace, out: Console | None = None, err: Console | None = None) -> int:
    """Execute ``reuse phrases``; returns the exit code (2 for a usage problem)."""
    out = out or Console()
    err = err or Console(stderr=True)
    docs = load_documents(args.paths, err)
    if docs is None:
        return 2
    if args.top < 1 or args.min_df < 1:
        err.print("reuse: error: --top and --min-df must be at least 1")
        return 2
    quiet = "-" in (args.json, args.csv)
    html = getattr(args, "html", None)
    if html is not None and args.kwic:
        err.print("reuse: error: --html is for the phrase report, not --kwic")
        return 2

    if args.kwic:
        hits = list(kwic(docs, args.kwic, width=args.width))
        if args.json:
            write_json(args.json, {"phrase": args.kwic, "hits": [h.to_json() for h in hits]})
        if not quiet:
            out.print(kwic_table(args.kwic, hits, args.width))
        return 0

    user: list[str] = load_user_dict(args.user_dict) if args.user_dict else []
    params = MineParams(min_df=args.min_df, max_len=args.max_len)
    result = mine_documents(docs, params, sources=sources_of(docs, args.paths))
    _add_user_phrases(result, docs, user)
    add_to_jieba([p.phrase for p in result.phrases[: max(args.top, 1000)]] + user)
    shown = result.phrases[: args.top]

    table: GroupTable | None = None
    if args.by:
        table = by_group(docs, [p.phrase for p in shown], args.by)
    if args.json:
        data = result.to_json(args.top)
        if table is not None:
            data["by"] = table.to_json()
        write_json(args.json, data)
    if args.csv:
        write_text(args.csv, phrases_csv(result, args.top))
    if html is not None:
        from reuse.html import phrases_html

        page = phrases_html(result, table, args.top, cli_html.title_for("phrases", args.paths))
        cli_html.write_report(html, "phrases", page, err)
    if quiet:
        return 0
    out.print(phrases_table(result, args.top))
    if args.families and result.families:
        out.print(families_table(result.families))
    if table is not None:
        out.print(group_table(table))
    return 0


def _add_user_phrases(result: PhraseResult, docs: Sequence[Document], user: Sequence[str]) -> None:
    """A user's formulas are reported even when the miner ranked them low or missed them."""
    from reuse.phrases import Phrase, count_in

    known = {p.phrase for p in result.phrases}
    total = max(result.chars, 1)
    for word in user:
        if word in known:
            continue
        counts = [count_in(d.text, word) for d in docs]
        tf = sum(counts)
        df = sum(1 for c in counts if c)
        if df:
            result.phrases.append(Phrase(word, df, tf, float(df), per_k=1000.0 * tf / total))
    result.phrases.sort(key=lambda p: (-p.score, -p.df, -p.tf, p.phrase))


# --------------------------------------------------------------------------- output


def phrases_csv(result: PhraseResult, top: int) -> str:
    """rank, phrase, df, tf, per_1000_chars, score: one row per reported phrase."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["rank", "phrase", "df", "tf", "per_1000_chars", "score"])
    for rank, p in enumerate(result.phrases[:top], start=1):
        w.writerow([rank, p.phrase, p.df, p.tf, f"{p.per_k:.4f}", f"{p.score:.4f}"])
    return buf.getvalue()


def phrases_table(result: PhraseResult, top: int) -> Table:
    shown = result.phrases[:top]
    t = Table(
        title=(
            f"Stock phrases: top {len(shown)} of {len(result.phrases):,} "
            f"({result.documents:,} documents, {result.chars:,} characters)"
        ),
        box=box.SIMPLE_HEAVY,
    )
    t.add_column("#", justify="right", style="dim")
    t.add_column("phrase")
    t.add_column("df", justify="right")
    t.add_column("tf", justify="right")
    t.add_column("per 1,000 chars", justify="right")
    t.add_column("score", justify="right", style="dim")
    for rank, p in enumerate(shown, start=1):
        t.add_row(str(rank), p.phrase, f"{p.df:,}", f"{p.tf:,}", f"{p.per_k:.3f}", f"{p.score:.1f}")
    return t


def families_table(fams: Sequence[Family], top: int = 20) -> Table:
    t = Table(title="Formula families (templated four-character patterns)", box=box.SIMPLE_HEAVY)
    t.add_column("template")
    t.add_column("pattern", style="dim")
    t.add_column("fillers (documents)")
    for f in fams[:top]:
        t.add_row(f.template, f.pattern, ", ".join(f"{p} ({d})" for p, d in f.members))
    return t


def _bar(value: int, peak: int, width: int = 8) -> Text:
    cells = 0 if peak == 0 else round(width * value / peak)
    if value and cells == 0:
        cells = 1
    return Text("█" * cells, style="cyan") + Text("·" * (width - cells), style="dim")


def group_table(table: GroupTable, max_groups: int = 12) -> Table:
    """Phrase x group occurrences, each cell with a bar scaled to the phrase's own peak, so
    a formula's rise and fall reads along its row."""
    groups = table.groups[-max_groups:]
    t = Table(title=f"Occurrences by {table.field}", box=box.SIMPLE_HEAVY)
    t.add_column("phrase")
    for g in groups:
        t.add_column(f"{escape(str(g))}\n({table.group_docs[g]} docs)", justify="right")
    for phrase in table.phrases:
        row = table.counts[phrase]
        peak = max((row.get(g, 0) for g in groups), default=0)
        cells = [Text(f"{row.get(g, 0):>4} ") + _bar(row.get(g, 0), peak, 6) for g in groups]
        t.add_row(phrase, *cells)
    if len(table.groups) > max_groups:
        t.caption = f"last {max_groups} of {len(table.groups)} groups; --json has all"
    return t


def kwic_table(phrase: str, hits: Sequence[Hit], width: int) -> Group:
    """AntConc-style concordance: one line per occurrence, the keyword in one column.

    Plain lines rather than a table so a narrow terminal wraps nothing away: the document,
    its original offset, left context right-aligned (by display cells, since CJK characters
    are two cells wide), the match, right context.
    """
    docs = len({h.doc for h in hits})
    where = [f"{h.doc}:{h.start}" for h in hits]
    pad = max((cell_len(w) for w in where), default=0)
    lines = [Text(f"{phrase}: {len(hits)} occurrences in {docs} documents", style="bold")]
    for w, h in zip(where, hits, strict=True):
        left = h.left[-width:]
        line = Text(w + " " * (pad - cell_len(w) + 2), style="cyan")
        line += Text(" " * max(0, 2 * width - cell_len(left)) + left)
        line += Text(f" {h.match} ", style="bold red")
        line += Text(h.right[:width])
        line.no_wrap = True
        line.overflow = "crop"
        lines.append(line)
    return Group(*lines)
