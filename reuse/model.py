"""The nouns every stage shares: documents, spans, skipped inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """``[start, end)`` in code points of a document's original decoded text."""

    doc: str
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def to_json(self) -> dict[str, Any]:
        return {"doc": self.doc, "start": self.start, "end": self.end}


@dataclass(slots=True)
class Document:
    """One document: its contract id, its text exactly as decoded, and metadata.

    ``text`` keeps CRLF and every other character as the file has them (a
    UTF-8 or UTF-16 byte-order mark is not part of the text), so span offsets
    index it directly.
    """

    id: str
    text: str
    path: str | None = None
    encoding: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that could not be read, and why, in words for the user.

    ``kept`` marks a warning about an input that was read all the same (a
    duplicate id given a new one): it is reported like a skip but is not one.
    """

    path: str
    reason: str
    kept: bool = False

    def __str__(self) -> str:
        """``path: reason`` on one line, whatever characters the file name holds."""
        return one_line(f"{self.path}: {self.reason}")


# Control characters in file names (a newline, a tab) would break a one-line message.
_ONE_LINE = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {
    0x09: "\\t",
    0x0A: "\\n",
    0x0D: "\\r",
}


def one_line(text: str) -> str:
    """``text`` with control characters written as escapes, so it prints as one line."""
    return text.translate(_ONE_LINE)


@dataclass(frozen=True, slots=True)
class Pair:
    """Two aligned passages in two different documents."""

    a: Span
    b: Span
    similarity: float

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a.to_json(), "b": self.b.to_json(), "similarity": self.similarity}


@dataclass(slots=True)
class Passage:
    """A reuse family: one passage and every place it occurs, each listed once."""

    id: int
    members: list[Span]
    text: str = ""
    # Indices into the scan's list of pairs that joined this family.
    pairs: list[int] = field(default_factory=list)

    @property
    def docs(self) -> int:
        return len({m.doc for m in self.members})

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "members": [m.to_json() for m in self.members]}
