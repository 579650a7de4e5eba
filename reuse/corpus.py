"""Turn files and folders into `Document`s, one file at a time.

Everything downstream reports spans as code-point offsets into the text *as
decoded from the file*, so this module decodes bytes itself: no text-mode
``open`` (it would translate CRLF and shift every offset), the byte-order mark
is dropped, and the encoding is detected per file.

Problems with single inputs (an empty file, binary junk, a broken JSON line, a
permission error) never stop a scan: they come out as `Skipped` with a
one-line reason. Only a usage-level mistake, a path that does not exist,
raises `InputError`, and it does so before anything is read.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reuse.model import Document, Skipped

__all__ = [
    "DecodeFailure",
    "InputError",
    "MetadataIndex",
    "SourceFile",
    "decode_bytes",
    "discover",
    "iter_documents",
    "load_metadata",
    "read_source",
]

TEXT_EXTENSIONS = frozenset({".txt", ".md"})
JSONL_EXTENSIONS = frozenset({".jsonl"})
METADATA_NAME = "metadata.jsonl"

REASON_EMPTY = "empty file"
REASON_NO_TEXT = "no text"
REASON_BINARY = "binary file"
REASON_UNDECODABLE = "cannot decode: not UTF-8, UTF-16 or GB18030"
REASON_PERMISSION = "permission denied"

# Longest BOM first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# charset-normalizer names for the Chinese legacy family; gb18030 decodes all of them.
_GB_FAMILY = frozenset({"gb18030", "gbk", "gb2312", "cp936"})

# C0 controls that never occur in prose (tab, newlines, form feed and ESC are allowed).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.05

# Characters a real GB18030 text is made of: ASCII, Latin (pinyin), Greek and
# Cyrillic rows of GB2312, punctuation, symbols, CJK ideographs and full-width forms.
_NOT_CJK_OR_ASCII = re.compile(
    "[^\x00-\x7f\u00a0-\u024f\u0370-\u04ff\u2000-\u27bf\u2e80-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"
)
_MIN_CJK_SHARE = 0.9
# The plausibility checks loop in Python; a prefix this long already decides them.
_SAMPLE_CHARS = 20_000


class InputError(Exception):
    """A usage-level problem with a path the user named (``str(e)`` is ``PATH: reason``)."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class DecodeFailure(Exception):
    """Bytes that are not text we can read; ``str(e)`` is the reason for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file found on disk, before it is read."""

    path: Path
    id: str
    root: Path
    kind: str
    size: int
    mtime_ns: int


# --------------------------------------------------------------------------- decoding


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Return ``(text, encoding name)`` for the bytes of one file.

    Re-decoding ``raw`` with the returned name gives the same text, so the
    name is also what a later stage needs to map offsets back to bytes.
    Raises `DecodeFailure` for empty, binary or undecodable input.
    """
    if not raw:
        raise DecodeFailure(REASON_EMPTY)
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                raise DecodeFailure(REASON_UNDECODABLE) from None
            _reject_control_heavy(text)
            return text, encoding
    if b"\x00" in raw:
        # Text in UTF-8 or GB18030 never holds NUL; BOM-less UTF-16 is not supported.
        raise DecodeFailure(REASON_BINARY)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_legacy(raw)
        encoding = "gb18030"
    else:
        encoding = "utf-8"
    _reject_control_heavy(text)
    return text, encoding


def _reject_control_heavy(text: str) -> None:
    """Valid UTF-8 can still be binary; prose has almost no C0 control characters."""
    controls = len(_CONTROL_CHARS.findall(text))
    if controls and controls > _MAX_CONTROL_SHARE * len(text):
        raise DecodeFailure(REASON_BINARY)


def _decode_legacy(raw: bytes) -> str:
    """Decode non-UTF-8 bytes as GB18030 when charset-normalizer agrees it is Chinese.

    A single-byte code page "decodes" anything, so it is never accepted: we only
    take GB18030, and only when the detector ranks the GB family at least as
    un-chaotic as its best guess and the result reads as CJK/ASCII text.
    """
    # Imported here: it costs ~0.1 s at import and valid UTF-8 never needs it.
    from charset_normalizer import from_bytes

    matches = list(from_bytes(raw))
    if not matches:
        raise DecodeFailure(REASON_BINARY)
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise DecodeFailure(REASON_UNDECODABLE) from None
    best = matches[0]
    sample = text[:_SAMPLE_CHARS]
    if best.encoding in _GB_FAMILY:
        if _cjk_share(sample) >= _MIN_CJK_SHARE:
            return text
        raise DecodeFailure(REASON_UNDECODABLE)
    # Short Chinese texts are often ranked cp949 or big5 first with the GB family
    # tied; Korean, Japanese or Big5 bytes read as GB give rare or kana characters.
    tied = any(m.encoding in _GB_FAMILY and m.chaos <= best.chaos for m in matches)
    if tied and _common_gb2312_share(sample) >= _MIN_CJK_SHARE:
        return text
    raise DecodeFailure(REASON_UNDECODABLE)


def _cjk_share(text: str) -> float:
    """Share of the non-space characters that are CJK, ASCII or their punctuation."""
    visible = sum(1 for c in text if not c.isspace())
    if not visible:
        return 1.0
    return 1.0 - len(_NOT_CJK_OR_ASCII.findall(text)) / visible


def _common_gb2312_share(text: str) -> float:
    """Share of non-ASCII characters in GB2312's punctuation rows or its common hanzi.

    Mis-decoded Big5 lands in the GBK extension area and EUC-JP kana in rows
    A4/A5, so both score low, while real simplified Chinese scores near 1.
    """
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return 1.0
    common = 0
    for char in wide:
        try:
            lead = char.encode("gb2312")[0]
        except UnicodeEncodeError:
            continue
        if 0xA1 <= lead <= 0xA3 or 0xB0 <= lead <= 0xF7:
            common += 1
    return common / len(wide)


# --------------------------------------------------------------------------- discovery


def _kind_of(name: str) -> str | None:
    ext = posixpath.splitext(name)[1].lower()
    if ext in TEXT_EXTENSIONS:
        return "text"
    if ext in JSONL_EXTENSIONS:
        return "jsonl"
    return None


def _os_reason(error: OSError) -> str:
    """The user-facing reason for an OS error, without repeating the path."""
    if isinstance(error, PermissionError):
        return REASON_PERMISSION
    return error.strerror or str(error)


def _is_metadata(name: str) -> bool:
    return name.lower() == METADATA_NAME


def discover(paths: Sequence[str | Path]) -> Iterator[SourceFile | Skipped]:
    """Files under the given paths (recursively), each folder's files sorted by id.

    Every path is checked before anything is yielded, so a typo raises
    `InputError` up front instead of after half a scan. Paths are walked in
    the order given; ids are unique per path, not across paths (the reader
    reports collisions).
    """
    roots = [_check_path(p) for p in paths]
    return _discover(roots)


def _check_path(path: str | Path) -> tuple[Path, os.stat_result]:
    p = Path(path)
    try:
        return p, p.stat()
    except FileNotFoundError:
        raise InputError(p, "no such file or folder") from None
    except OSError as error:
        raise InputError(p, _os_reason(error)) from None


def _discover(roots: list[tuple[Path, os.stat_result]]) -> Iterator[SourceFile | Skipped]:
    for path, st in roots:
        if stat.S_ISDIR(st.st_mode):
            files, skips = _walk(path)
            yield from sorted(skips, key=lambda s: s.path)
            yield from sorted(files, key=lambda f: f.id)
        else:
            yield _direct_file(path, st)


def _direct_file(path: Path, st: os.stat_result) -> SourceFile | Skipped:
    """A file the user named: read it even if hidden, but say why when we cannot."""
    if not stat.S_ISREG(st.st_mode):
        return Skipped(str(path), "not a regular file")
    if _is_metadata(path.name):
        return Skipped(str(path), "metadata.jsonl describes documents, it is not one")
    kind = _kind_of(path.name)
    if kind is None:
        ext = path.suffix.lower() or "(no extension)"
        return Skipped(str(path), f"unsupported file type {ext}")
    return SourceFile(path, path.name, path.parent, kind, st.st_size, st.st_mtime_ns)


def _walk(root: Path) -> tuple[list[SourceFile], list[Skipped]]:
    """Collect the supported files under ``root`` without following folder symlinks.

    Not following linked folders is what makes symlink loops harmless; they
    are reported so the user knows files behind them were left out.
    """
    files: list[SourceFile] = []
    skips: list[Skipped] = []
    stack: list[tuple[str, str]] = [("", str(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as error:
            skips.append(Skipped(folder, _os_reason(error)))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = prefix + name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((rel + "/", entry.path))
                    continue
                kind = _kind_of(name)
                if entry.is_symlink():
                    st = os.stat(entry.path)  # follows; raises for loops and dangling links
                    if stat.S_ISDIR(st.st_mode):
                        skips.append(Skipped(entry.path, "link to a folder, not followed"))
                        continue
                elif kind is None or not entry.is_file(follow_symlinks=False):
                    continue
                else:
                    st = entry.stat(follow_symlinks=False)
            except OSError as error:
                skips.append(Skipped(entry.path, _os_reason(error)))
                continue
            if kind is None or _is_metadata(name) or not stat.S_ISREG(st.st_mode):
                continue
            files.append(
                SourceFile(Path(entry.path), rel, root, kind, st.st_size, st.st_mtime_ns)
            )
    return files, skips


# --------------------------------------------------------------------------- metadata


def _strip_ext(rel: str) -> str:
    return posixpath.splitext(rel)[0]


def _clean_rel(rel: str) -> str:
    rel = rel.replace("\\", "/")
    while rel.startswith("./"):
        rel = rel[2:]
    return rel


def load_metadata(
    folder: Path, on_skip: Callable[[Skipped], None] | None = None
) -> dict[str, dict[str, Any]]:
    """The records of ``FOLDER/metadata.jsonl``, keyed for lookup by relative path.

    A record with ``file`` answers to that path and to the path without its
    extension; one without ``file`` answers to its ``id``. Explicit ``file``
    keys win over ids and extension-less forms. A missing file gives ``{}``;
    broken lines go to ``on_skip``.
    """
    meta_path = Path(folder) / METADATA_NAME
    report = on_skip or (lambda _skip: None)
    try:
        raw = meta_path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        report(Skipped(str(meta_path), _os_reason(error)))
        return {}
    try:
        text, _encoding = decode_bytes(raw)
    except DecodeFailure as failure:
        if failure.reason != REASON_EMPTY:
            report(Skipped(str(meta_path), failure.reason))
        return {}

    by_file: dict[str, dict[str, Any]] = {}
    by_stem: dict[str, dict[str, Any]] = {}
    by_id: dict[str, dict[str, Any]] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        record, problem = _parse_metadata_line(line)
        if record is None:
            report(Skipped(f"{meta_path}:{lineno}", problem))
            continue
        file = record.get("file")
        if isinstance(file, str) and file:
            rel = _clean_rel(file)
            by_file.setdefault(rel, record)
            by_stem.setdefault(_strip_ext(rel), record)
        else:
            by_id.setdefault(_clean_rel(record["id"]), record)
    return {**by_id, **by_stem, **by_file}


def _parse_metadata_line(line: str) -> tuple[dict[str, Any] | None, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"metadata line is not valid JSON ({error.msg})"
    if not isinstance(record, dict):
        return None, "metadata line is not a JSON object"
    has_file = isinstance(record.get("file"), str) and record["file"]
    has_id = isinstance(record.get("id"), str) and record["id"]
    if not (has_file or has_id):
        return None, "metadata line has neither a 'file' nor an 'id' string"
    return record, ""


def _lookup(metadata: Mapping[str, dict[str, Any]], rel: str) -> dict[str, Any] | None:
    return metadata.get(rel) or metadata.get(_strip_ext(rel))


class MetadataIndex:
    """The metadata of files under nested folders, each metadata.jsonl loaded once.

    A folder's metadata.jsonl may describe files in its subfolders (``file:
    "2019/a.txt"``) and a subfolder may have its own; this finds both.
    """

    def __init__(self, on_skip: Callable[[Skipped], None] | None = None) -> None:
        self._on_skip = on_skip
        self._folders: dict[Path, dict[str, dict[str, Any]]] = {}

    def _folder(self, folder: Path) -> dict[str, dict[str, Any]]:
        found = self._folders.get(folder)
        if found is None:
            found = load_metadata(folder, self._on_skip)
            self._folders[folder] = found
        return found

    def record_for(self, src: SourceFile) -> dict[str, Any]:
        """Merge the records of every folder from the root down; the nearest wins."""
        parts = src.id.split("/")
        folder = src.root
        merged: dict[str, Any] = {}
        for depth in range(len(parts)):
            record = _lookup(self._folder(folder), "/".join(parts[depth:]))
            if record:
                merged.update(record)
            folder = folder / parts[depth]
        return merged


# --------------------------------------------------------------------------- reading


def read_source(
    src: SourceFile, metadata: Mapping[str, dict[str, Any]] | None = None
) -> Iterator[Document | Skipped]:
    """The documents of one file, or `Skipped` entries saying why not.

    ``metadata`` is what `load_metadata` returns for ``src.root`` or for the
    file's own folder: the file is looked up by its id, then by its name. The
    record found becomes each document's metadata, under a JSON line's own
    fields. (`MetadataIndex` merges every folder from the root down.)
    """
    for item, _where in _read_source(src, metadata):
        yield item


def _record_in(metadata: Mapping[str, dict[str, Any]], src: SourceFile) -> dict[str, Any]:
    found = _lookup(metadata, src.id)
    if found is None and "/" in src.id:
        found = _lookup(metadata, src.path.name)  # a mapping of the file's own folder
    return found or {}


def _read_source(
    src: SourceFile, metadata: Mapping[str, dict[str, Any]] | None
) -> Iterator[tuple[Document | Skipped, str]]:
    """Like `read_source`, with where each document came from (``path`` or ``path:line``)."""
    where = str(src.path)
    try:
        raw = src.path.read_bytes()
    except OSError as error:
        yield Skipped(where, _os_reason(error)), where
        return
    try:
        text, encoding = decode_bytes(raw)
    except DecodeFailure as failure:
        yield Skipped(where, failure.reason), where
        return
    record = _record_in(metadata, src) if metadata else {}
    if src.kind == "jsonl":
        yield from _jsonl_documents(src, text, encoding, record)
    elif not text.strip():
        yield Skipped(where, REASON_NO_TEXT), where
    else:
        yield Document(src.id, text, where, encoding, dict(record)), where


def _jsonl_documents(
    src: SourceFile, text: str, encoding: str, record: Mapping[str, Any]
) -> Iterator[tuple[Document | Skipped, str]]:
    """One document per JSON line; a bad line is skipped, the rest of the file is kept."""
    path = str(src.path)
    # Split on LF only: str.splitlines would also break at U+2028 and other
    # separators that JSON allows raw inside strings.
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        doc, problem = _jsonl_document(line, path, encoding, record)
        yield (doc if doc is not None else Skipped(where, problem)), where


def _jsonl_document(
    line: str, path: str, encoding: str, record: Mapping[str, Any]
) -> tuple[Document | None, str]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg})"
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    doc_id, text = obj.get("id"), obj.get("text")
    if not isinstance(doc_id, str) or not doc_id:
        return None, "no string 'id' field"
    if not isinstance(text, str):
        return None, "no string 'text' field"
    if not text.strip():
        return None, REASON_NO_TEXT
    fields = {**record, **{k: v for k, v in obj.items() if k not in ("id", "text")}}
    return Document(doc_id, text, path, encoding, fields), ""


def iter_documents(
    paths: Sequence[str | Path], on_skip: Callable[[Skipped], None] | None = None
) -> Iterator[Document]:
    """Every document under ``paths``, read lazily one file at a time.

    Raises `InputError` at call time for a missing path. Everything that is
    not read (bad files, bad lines, duplicate ids, walk errors, broken
    metadata lines) goes to ``on_skip``. A later document whose id was already
    seen is skipped, because ids must identify documents in every report.
    """
    sources = discover(paths)
    return _iter_documents(sources, on_skip or (lambda _skip: None))


def _iter_documents(
    sources: Iterator[SourceFile | Skipped], on_skip: Callable[[Skipped], None]
) -> Iterator[Document]:
    index = MetadataIndex(on_skip)
    first_seen: dict[str, str] = {}
    for src in sources:
        if isinstance(src, Skipped):
            on_skip(src)
            continue
        record = index.record_for(src)
        for item, where in _read_source(src, {src.id: record} if record else None):
            if isinstance(item, Skipped):
                on_skip(item)
                continue
            earlier = first_seen.get(item.id)
            if earlier is not None:
                on_skip(Skipped(where, f"duplicate id {item.id} (first seen in {earlier})"))
                continue
            first_seen[item.id] = where
            yield item
