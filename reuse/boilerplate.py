"""Boilerplate control: reuse families too widespread to be news, and known footers.

A site footer or a statutory formula copied into thousands of documents is
reuse, but it buries the copied paragraphs a reader is looking for. A scan can
leave such families out of its report: those spanning more than N documents
(or N% of the corpus), and those whose text is on an ignore list.

An ignore list is a text file, one entry per line: a literal passage (matched
after normalisation, so script, width, figures and punctuation do not matter)
or ``re:PATTERN``, a regular expression searched in the family's text. Blank
lines and lines starting with ``#`` are skipped. ``reuse/footers.txt`` is a
built-in list of web-page furniture (copyright lines, ICP numbers, "print this
page").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz

from reuse.model import Passage
from reuse.normalize import normalize

# A pattern names furniture; a family longer than this that contains it is a
# copied article that happens to carry a footer, and stays.
PATTERN_MAX_CHARS = 300
# A literal entry covers a family when the family's text is within it at
# this partial-ratio score (0-100), and not much longer than the entry.
LITERAL_MIN_SCORE = 90
LITERAL_MAX_STRETCH = 1.2


@dataclass(frozen=True, slots=True)
class Limit:
    """The most documents a reported family may span: ``value`` documents or percent."""

    value: float
    percent: bool = False

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``"50"`` is 50 documents, ``"5%"`` is 5% of the corpus."""
        raw = text.strip()
        percent = raw.endswith("%")
        try:
            value = float(raw[:-1] if percent else raw)
        except ValueError:
            raise ValueError(f"{text!r} is not a number of documents or a percentage") from None
        if value <= 0 or (percent and value > 100) or (not percent and value != int(value)):
            raise ValueError(f"{text!r}: give a whole number of documents or a percentage 0-100")
        return cls(value, percent)

    def max_docs(self, corpus_docs: int) -> int:
        if self.percent:
            return max(2, int(corpus_docs * self.value / 100))
        return int(self.value)


@dataclass(frozen=True, slots=True)
class IgnoreList:
    """Known boilerplate: normalised literal passages and regular expressions."""

    literals: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def parse(cls, lines: Iterable[str], source: str = "ignore list") -> IgnoreList:
        literals: list[str] = []
        patterns: list[re.Pattern[str]] = []
        for n, line in enumerate(lines, 1):
            entry = line.strip()
            if not entry or entry.startswith("#"):
                continue
            if entry.startswith("re:"):
                try:
                    patterns.append(re.compile(entry[3:]))
                except re.error as exc:
                    raise ValueError(f"{source}:{n}: bad regular expression: {exc}") from None
            else:
                folded = normalize(entry).text
                if folded:
                    literals.append(folded)
        return cls(tuple(literals), tuple(patterns))

    @classmethod
    def load(cls, path: str | Path) -> IgnoreList:
        """Read an ignore list; ``ValueError`` with a one-line reason if it cannot be used."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: cannot read ignore list: {exc}") from None
        return cls.parse(text.splitlines(), str(path))

    @classmethod
    def footers(cls) -> IgnoreList:
        """The built-in list of web-page furniture."""
        text = resources.files("reuse").joinpath("footers.txt").read_text(encoding="utf-8")
        return cls.parse(text.splitlines(), "reuse/footers.txt")

    def __add__(self, other: IgnoreList) -> IgnoreList:
        return IgnoreList(self.literals + other.literals, self.patterns + other.patterns)

    def __bool__(self) -> bool:
        return bool(self.literals or self.patterns)

    def matches(self, text: str) -> str | None:
        """The entry that covers ``text``, or None."""
        if len(text) <= PATTERN_MAX_CHARS:
            for p in self.patterns:
                if p.search(text):
                    return f"re:{p.pattern}"
        if self.literals:
            folded = normalize(text).text
            for lit in self.literals:
                if len(folded) <= LITERAL_MAX_STRETCH * len(lit) and (
                    fuzz.partial_ratio(folded, lit) >= LITERAL_MIN_SCORE
                ):
                    return lit
        return None


@dataclass(slots=True)
class Ignored:
    """A family left out of the report, and why."""

    passage: Passage
    reason: str

    def to_json(self) -> dict:
        return {
            "docs": self.passage.docs,
            "pairs": len(self.passage.pairs),
            "reason": self.reason,
            "text": self.passage.text[:200],
        }


def split(
    passages: Sequence[Passage],
    corpus_docs: int,
    limit: Limit | None = None,
    ignore: IgnoreList | None = None,
) -> tuple[list[Passage], list[Ignored]]:
    """Families to report, and those left out as boilerplate (texts must be filled in)."""
    kept: list[Passage] = []
    dropped: list[Ignored] = []
    most = limit.max_docs(corpus_docs) if limit else None
    for p in passages:
        if most is not None and p.docs > most:
            dropped.append(Ignored(p, f"in {p.docs} documents (limit {most})"))
            continue
        hit = ignore.matches(p.text) if ignore else None
        if hit is not None:
            dropped.append(Ignored(p, f"ignore list: {hit[:40]}"))
            continue
        kept.append(p)
    return kept, dropped
