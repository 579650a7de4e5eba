"""`reuse cluster`: the topics a corpus holds, as a table, a JSON file and a map.

Kept apart from ``reuse.cli`` so the lead wires it with two calls: `register` adds the
subcommand to an argparse sub-parser group, `run` executes parsed arguments.
"""

from __future__ import annotations

import argparse
import importlib.util

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from reuse import cli_html
from reuse.cluster import ClusterParams, ClusterResult, cluster_documents, plot_map
from reuse.output import load_documents, write_json

__all__ = ["register", "run"]

DEFAULT_TOP_TERMS = 10
PLOT_UNAVAILABLE = "reuse: error: --plot needs matplotlib, which is not installed"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cluster`` subcommand and its options."""
    p = subparsers.add_parser(
        "cluster",
        help="group documents by topic, with each group's distinctive terms and formulas",
        description=(
            "Cluster documents by topic (TF-IDF of jieba words with mined formulas kept whole); "
            "reposts are collapsed first. Without --k the number of clusters comes from a "
            "consensus of many k-means runs (the longest-lived level of their co-association "
            "tree, checked by silhouette)."
        ),
    )
    p.add_argument("paths", nargs="+", help="files or folders (.txt, .md, .jsonl)")
    p.add_argument("--k", type=int, help="number of clusters (default: chosen from the data)")
    p.add_argument(
        "--k-max",
        type=int,
        default=ClusterParams().k_max,
        help="largest k tried when --k is not given (default %(default)s)",
    )
    p.add_argument("--json", metavar="FILE", help="write the clusters as JSON ('-' for stdout)")
    p.add_argument("--plot", metavar="FILE.png", help="draw a 2-D map of the documents (PNG)")
    p.add_argument(
        "--top-terms",
        type=int,
        default=DEFAULT_TOP_TERMS,
        help="distinctive terms per cluster (default %(default)s)",
    )
    p.add_argument(
        "--dict",
        metavar="FILE",
        dest="user_dict",
        help="known formulas, one per line: kept whole by jieba and reported per cluster",
    )
    cli_html.add_option(p, "cluster")


def run(args: argparse.Namespace, out: Console | None = None, err: Console | None = None) -> int:
    """Execute ``reuse cluster``; returns the exit code (2 for a usage problem)."""
    out = out or Console()
    err = err or Console(stderr=True)
    k = getattr(args, "k", None)
    top_terms = getattr(args, "top_terms", DEFAULT_TOP_TERMS)
    if (k is not None and k < 1) or top_terms < 1:
        err.print("reuse: error: --k and --top-terms must be at least 1")
        return 2
    plot = getattr(args, "plot", None)
    if plot and importlib.util.find_spec("matplotlib") is None:
        # Said before the work starts, not after minutes of clustering.
        err.print(PLOT_UNAVAILABLE, highlight=False, markup=False)
        return 2
    docs = load_documents(args.paths, err)
    if docs is None:
        return 2

    formulas: list[str] | None = None
    if getattr(args, "user_dict", None):
        from reuse.cluster import mine_formulas
        from reuse.phrases import load_user_dict

        formulas = load_user_dict(args.user_dict) + mine_formulas([d.text for d in docs])
    params = ClusterParams(
        k=k, k_max=getattr(args, "k_max", ClusterParams().k_max), top_terms=top_terms
    )
    html = getattr(args, "html", None)
    result = cluster_documents(
        docs, params, formulas=formulas, with_map=bool(plot) or html is not None
    )
    if args.json:
        write_json(args.json, result.to_json())
    if html is not None:
        from reuse.html import cluster_html

        titles = {d.id: str(d.metadata.get("title") or "") for d in docs}
        page = cluster_html(
            result, [d.id for d in docs], titles, cli_html.title_for("cluster", args.paths)
        )
        cli_html.write_report(html, "cluster", page, err)
    if plot:
        plot_map(result, plot, top_terms=min(3, top_terms))
    if args.json == "-":
        return 0
    out.print(cluster_table(result))
    if plot:
        out.print(f"map written to {plot}", highlight=False)
    return 0


def cluster_table(result: ClusterResult) -> Table:
    """One row per cluster: size, distinctive terms, typical formulas, representative."""
    how = f"k={result.k}"
    if result.method == "consensus":
        how += f" found by consensus clustering ({result.rule}"
        if result.silhouette is not None:
            how += f", silhouette {result.silhouette:.3f}"
        how += ")"
    elif result.method == "given k":
        how += " as given"
    t = Table(
        title=(
            f"Topic clusters: {result.documents:,} documents, {how}; "
            f"{result.collapsed:,} reposts collapsed into their original's cluster"
        ),
        box=box.SIMPLE_HEAVY,
        show_lines=True,
    )
    t.add_column("#", justify="right", style="dim")
    t.add_column("docs", justify="right")
    t.add_column("distinctive terms")
    t.add_column("formulas", style="cyan")
    t.add_column("representative document")
    for c in result.clusters:
        size = f"{len(c.docs):,}"
        if c.collapsed:
            size += f"\n({len(c.collapsed)} reposts)"
        t.add_row(
            str(c.id),
            size,
            " ".join(c.terms),
            " ".join(c.formulas),
            # Text, not markup: ids are file names and titles come from metadata.
            Text(c.representative) + Text(f"\n{c.title}", style="dim")
            if c.title
            else Text(c.representative),
        )
    return t
