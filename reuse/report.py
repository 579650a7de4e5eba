"""Terminal reports with rich: small renderables the CLI prints in order."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from reuse.model import Passage, Skipped
from reuse.scan import ScanResult


def _clip(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def summary(result: ScanResult) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    rows = [
        ("documents", f"{len(result.documents):,}"),
        ("characters", f"{result.chars:,}"),
        ("skipped files", f"{sum(not s.kept for s in result.skipped):,}"),
        ("candidate document pairs", f"{result.candidates:,}"),
        ("aligned passage pairs", f"{len(result.pairs):,}"),
        ("reuse families", f"{len(result.passages):,}"),
        *(
            [("left out as boilerplate", f"{len(result.ignored):,} families")]
            if result.ignored
            else []
        ),
        ("share of all text reused", f"{result.reused_share:.1%}"),
    ]
    for k, v in rows:
        grid.add_row(k, v)
    return Panel(grid, title="reuse scan", expand=False)


def _members(p: Passage, shown: int = 4) -> str:
    docs = list(dict.fromkeys(m.doc for m in p.members))
    head = ", ".join(docs[:shown])
    return head + (f" +{len(docs) - shown} more" if len(docs) > shown else "")


def families_table(passages: list[Passage], top: int = 10) -> Table:
    t = Table(
        title=f"Largest reuse families ({min(top, len(passages))} of {len(passages)})",
        box=box.SIMPLE_HEAVY,
        show_lines=True,
    )
    t.add_column("#", justify="right")
    t.add_column("docs", justify="right")
    t.add_column("chars", justify="right")
    t.add_column("passage, and where it occurs", ratio=1)
    for p in passages[:top]:
        longest = max(len(m) for m in p.members)
        cell = Text(_clip(p.text, 160)) + Text("\n") + Text(_members(p), style="dim cyan")
        t.add_row(str(p.id), str(p.docs), str(longest), cell)
    return t


def documents_table(result: ScanResult, top: int = 15) -> Table:
    docs = sorted(
        result.documents, key=lambda d: (-result.reused.get(d.id, 0) / max(d.chars, 1), d.id)
    )
    t = Table(
        title=f"Reused share per document (top {min(top, len(docs))} of {len(docs)})",
        box=box.SIMPLE_HEAVY,
    )
    t.add_column("document")
    t.add_column("chars", justify="right")
    t.add_column("reused", justify="right")
    t.add_column("share", justify="right")
    t.add_column("", min_width=20)
    for d in docs[:top]:
        r = result.reused.get(d.id, 0)
        share = r / d.chars if d.chars else 0.0
        bar = Text("█" * round(share * 20), style="red") + Text(
            "░" * (20 - round(share * 20)), style="dim"
        )
        t.add_row(Text(d.id), f"{d.chars:,}", f"{r:,}", f"{share:.0%}", bar)
    return t


def skipped_lines(skipped: list[Skipped], shown: int = 10) -> Text:
    out = Text()
    for s in skipped[:shown]:
        out.append(f"skipped {s}\n", style="yellow")
    if len(skipped) > shown:
        out.append(f"… and {len(skipped) - shown} more skipped files\n", style="yellow")
    return out


def scan_report(result: ScanResult, top: int = 10) -> Group:
    parts = [summary(result)]
    if result.passages:
        parts.append(families_table(result.passages, top))
        parts.append(documents_table(result, max(top, 15)))
    else:
        parts.append(Text("No shared passages found.", style="bold"))
    return Group(*parts)
