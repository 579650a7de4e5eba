"""Turn files and folders into `Document`s, one file at a time.

Everything downstream reports spans as code-point offsets into the text *as
decoded from the file*, so this module decodes bytes itself: no text-mode
``open`` (it would translate CRLF and shift every offset), the byte-order mark
is dropped, and the encoding is detected per file. For HTML pages and Word
``.docx`` files the text is the one `reuse.extract` draws out of them, and
offsets index that.

Problems with single inputs (an empty file, binary junk, a broken JSON line, a
permission error, a FIFO, a symlink loop) never stop a scan: they come out as
`Skipped` with a one-line reason. Only a usage-level mistake, a path that does
not exist, raises `InputError`, and it does so before anything is read.
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

from reuse.extract import ExtractError, docx_text, html_text, sniff_html_charset
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
HTML_EXTENSIONS = frozenset({".html", ".htm"})
DOCX_EXTENSIONS = frozenset({".docx"})
METADATA_NAME = "metadata.jsonl"
# Bigger files are named and left out: a document this size is a data dump, and
# indexing it would take gigabytes (about 25 bytes a character for CJK prose, 60 for
# text without sentence breaks, measured on 50 MB files).
MAX_FILE_BYTES = 128 * 2**20

REASON_EMPTY = "empty file"
REASON_NO_TEXT = "no text"
REASON_BINARY = "binary file"
REASON_UNDECODABLE = "cannot decode: not UTF-8, UTF-16, GB18030 or Big5"
REASON_PERMISSION = "permission denied"
REASON_TOO_LARGE = f"larger than {MAX_FILE_BYTES // 2**20} MB, not read"

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
_BIG5_FAMILY = frozenset({"big5", "big5hkscs", "cp950"})

# C0 controls that never occur in prose (tab, newlines, form feed and ESC are allowed).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.05
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
# A text file may hold a stray NUL; more than this share of NUL bytes is binary.
_MAX_NUL_SHARE = 0.01
# Lines a mixed file may lose to U+FFFD before it counts as undecodable.
_MAX_REPLACED_SHARE = 0.01

_SPACES = re.compile(r"\s+")  # what str.isspace calls space
# Characters a real GB18030 text is made of: ASCII, Latin (pinyin), Greek and
# Cyrillic rows of GB2312, punctuation, symbols, CJK ideographs and full-width forms.
_NOT_CJK_OR_ASCII = re.compile(
    "[^\x00-\x7f\u00a0-\u024f\u0370-\u04ff\u2000-\u27bf\u2e80-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"
)
_MIN_CJK_SHARE = 0.9
_FEW_WIDE = 32
# The plausibility checks loop in Python; a prefix this long already decides them.
_SAMPLE_CHARS = 20_000
_CHUNK_CHARS = 1 << 20


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

    ``raw.decode(name, "replace")`` gives the same text, so the name is also
    what a later stage needs to map offsets back to bytes: for a clean file
    that is a plain strict decode; a file cut off inside its last character
    ends in one U+FFFD. The one exception is ``"utf-8+gb18030"``: a file
    whose lines are in either, each decoded on its own. Raises
    `DecodeFailure` for empty, binary or undecodable input.
    """
    if not raw:
        raise DecodeFailure(REASON_EMPTY)
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            text = _decode_tail_tolerant(raw, encoding)
            if text is None:
                raise DecodeFailure(REASON_UNDECODABLE)
            _reject_control_heavy(text)
            return text, encoding
    nuls = raw.count(0)
    if nuls:
        found = _bomless_utf16(raw)
        if found is not None:
            return found
        if nuls > _MAX_NUL_SHARE * len(raw):
            # Text in UTF-8 or GB18030 has no NUL; a few are a glitch, many are binary.
            raise DecodeFailure(REASON_BINARY)
    # In UTF-8 and GB18030 every byte below 0x40 is the ASCII character itself,
    # so control characters can be counted before decoding, at C speed.
    if len(raw) - len(raw.translate(None, _CONTROL_BYTES)) > _MAX_CONTROL_SHARE * len(raw):
        raise DecodeFailure(REASON_BINARY)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        return _decode_not_utf8(raw, error)


def _decode_tail_tolerant(raw: bytes, encoding: str) -> str | None:
    """Strict decode, except that a character cut off at the very end becomes one U+FFFD."""
    whole = _whole_part(raw, encoding)
    if whole is None:
        return None
    return raw.decode(encoding) if whole == len(raw) else raw.decode(encoding, "replace")


def _whole_part(raw: bytes, encoding: str) -> int | None:
    """How many leading bytes decode cleanly when only the last character is cut off
    (all of them for a clean file), or None for bytes invalid elsewhere."""
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as error:
        # Codecs word it differently ("unexpected end of data", "incomplete multibyte
        # sequence", "truncated data"); what they share is an error in the last 3 bytes.
        if error.end < len(raw) or error.start < len(raw) - 3:
            return None
        return error.start
    return len(raw)


def _decode_not_utf8(raw: bytes, error: UnicodeDecodeError) -> tuple[str, str]:
    """UTF-8 cut off at the end, else GB18030 or Big5, else UTF-8 and GB18030 line by line."""
    if error.end == len(raw) and "end of data" in error.reason and not raw[: error.start].isascii():
        return raw.decode("utf-8", "replace"), "utf-8"
    try:
        return _decode_legacy(raw)
    except DecodeFailure as failure:
        mixed = _decode_mixed(raw)
        if mixed is None:
            raise failure from None
        return mixed


def _reject_control_heavy(text: str) -> None:
    """Valid UTF-8 can still be binary; prose has almost no C0 control characters."""
    limit = _MAX_CONTROL_SHARE * len(text)
    controls = 0
    # In chunks: findall over a whole file of control characters would build a list per match.
    for at in range(0, len(text), _CHUNK_CHARS):
        controls += len(_CONTROL_CHARS.findall(text, at, at + _CHUNK_CHARS))
        if controls > limit:
            raise DecodeFailure(REASON_BINARY)


def _bomless_utf16(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark, told by NUL high bytes on one side only.

    ASCII characters (newlines, digits, punctuation) in UTF-16 LE put a NUL in
    every odd byte and almost none in the even ones; binary data has NULs on
    both sides.
    """
    half = len(raw) // 2
    if half == 0:
        return None
    even, odd = raw[0 : 2 * half : 2].count(0), raw[1 : 2 * half : 2].count(0)
    if odd >= 0.01 * half and even * 4 <= odd:
        encoding = "utf-16-le"
    elif even >= 0.01 * half and odd * 4 <= even:
        encoding = "utf-16-be"
    else:
        return None
    text = _decode_tail_tolerant(raw, encoding)
    if text is None or _cjk_share(text[:_SAMPLE_CHARS]) < _MIN_CJK_SHARE:
        return None
    try:
        _reject_control_heavy(text)
    except DecodeFailure:
        return None
    return text, encoding


def _decode_legacy(raw: bytes) -> tuple[str, str]:
    """Decode non-UTF-8 bytes as GB18030 (or Big5) when charset-normalizer agrees.

    A single-byte code page "decodes" anything, so it is never accepted: we
    take GB18030 when the detector ranks the GB family at least as un-chaotic
    as its best guess and the result reads as CJK/ASCII text, and Big5 (Hong
    Kong and Taiwan reposts) when the detector's best guess is Big5 and the
    result reads as CJK text.
    """
    # Imported here: it costs ~0.1 s at import and valid UTF-8 never needs it.
    from charset_normalizer import from_bytes

    whole = _whole_part(raw, "gb18030")
    text = None if whole is None else raw.decode("gb18030", "replace")
    sample = "" if text is None else text[:_SAMPLE_CHARS]
    if text is not None and _wide_count(sample) < _FEW_WIDE:
        # A handful of non-ASCII characters is too little for any detector (it finds
        # nothing, or Korean); in a Chinese corpus they are GB when they read as common GB.
        if _common_gb2312_share(sample) >= _MIN_CJK_SHARE:
            return text, "gb18030"
        raise DecodeFailure(REASON_UNDECODABLE)
    # The detector is shown the clean part: a cut-off last character would rule GB out.
    matches = list(from_bytes(raw if whole is None else raw[:whole]))
    if not matches:
        # No code page fits it well (binary was ruled out by its control bytes already).
        if text is not None and _common_gb2312_share(sample) >= _MIN_CJK_SHARE:
            return text, "gb18030"
        raise DecodeFailure(REASON_UNDECODABLE)
    best = matches[0]
    if text is not None:
        if best.encoding in _GB_FAMILY:
            if _cjk_share(sample) >= _MIN_CJK_SHARE:
                return text, "gb18030"
            raise DecodeFailure(REASON_UNDECODABLE)
        # Short Chinese texts are often ranked cp949 or big5 first with the GB family
        # tied; Korean, Japanese or Big5 bytes read as GB give rare or kana characters.
        tied = any(m.encoding in _GB_FAMILY and m.chaos <= best.chaos for m in matches)
        if tied and _common_gb2312_share(sample) >= _MIN_CJK_SHARE:
            return text, "gb18030"
    if best.encoding in _BIG5_FAMILY:
        big5 = _decode_tail_tolerant(raw, "big5hkscs")
        if big5 is not None and _cjk_share(big5[:_SAMPLE_CHARS]) >= _MIN_CJK_SHARE:
            return big5, "big5hkscs"
    raise DecodeFailure(REASON_UNDECODABLE)


def _decode_mixed(raw: bytes) -> tuple[str, str] | None:
    """Text whose lines are UTF-8 or GB18030 (files pasted together), or None.

    Each line is decoded on its own: as UTF-8; as UTF-8 with U+FFFD for a few
    bad bytes when the rest is UTF-8; else as GB18030 if it reads as CJK text;
    else as UTF-8 with U+FFFD. Taken only when some line holds real non-ASCII
    UTF-8 (so a wholly legacy file is not re-guessed here) and few characters
    had to be replaced.
    """
    if not _wide_count(raw.decode("utf-8", "replace")):
        return None  # no line has a single valid non-ASCII UTF-8 character: not mixed
    parts: list[str] = []
    utf8_seen = gb_seen = False
    replaced = 0
    for line in raw.split(b"\n"):
        try:
            part = line.decode("utf-8")
            utf8_seen = utf8_seen or not line.isascii()
        except UnicodeDecodeError:
            part = line.decode("utf-8", "replace")
            bad = part.count("\ufffd")
            if bad * 20 <= _wide_count(part):
                utf8_seen = True
            else:
                gb = _gb_line(line)
                if gb is not None:
                    part, bad, gb_seen = gb, 0, True
            replaced += bad
        parts.append(part)
    text = "\n".join(parts)
    if not utf8_seen or replaced > _MAX_REPLACED_SHARE * len(text):
        return None
    return text, "utf-8+gb18030" if gb_seen else "utf-8"


def _wide_count(text: str) -> int:
    """Non-ASCII characters in ``text`` other than U+FFFD, counted at C speed."""
    return len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")


def _gb_line(line: bytes) -> str | None:
    try:
        text = line.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return text if _cjk_share(text[:_SAMPLE_CHARS]) >= _MIN_CJK_SHARE else None


def _cjk_share(text: str) -> float:
    """Share of the non-space characters that are CJK, ASCII or their punctuation."""
    visible = len(text) - sum(map(len, _SPACES.findall(text)))
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


def decode_html(raw: bytes) -> tuple[str, str]:
    """The markup of an HTML page and its encoding: UTF-8, else the page's declared
    charset, else whatever `decode_bytes` finds. Raises `DecodeFailure`."""
    if not raw:
        raise DecodeFailure(REASON_EMPTY)
    if not any(raw.startswith(bom) for bom, _ in _BOMS):
        declared = sniff_html_charset(raw)
        if declared and declared != "utf-8":
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                text = _decode_tail_tolerant(raw, declared)
                if text is not None:
                    _reject_control_heavy(text)
                    return text, declared
    return decode_bytes(raw)


# --------------------------------------------------------------------------- discovery


def _kind_of(name: str) -> str | None:
    ext = posixpath.splitext(name)[1].lower()
    if ext in TEXT_EXTENSIONS:
        return "text"
    if ext in JSONL_EXTENSIONS:
        return "jsonl"
    if ext in HTML_EXTENSIONS:
        return "html"
    if ext in DOCX_EXTENSIONS:
        return "docx"
    return None


def _os_reason(error: OSError) -> str:
    """The user-facing reason for an OS error, without repeating the path."""
    if isinstance(error, PermissionError):
        return REASON_PERMISSION
    return error.strerror or str(error)


def _is_metadata(name: str) -> bool:
    return name.lower() == METADATA_NAME


_FILE_TYPES = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(mode: int) -> str:
    """Why a non-regular file is not read; opening a FIFO or a device could block forever."""
    kind = next((name for test, name in _FILE_TYPES if test(mode)), "a special file")
    return f"not a regular file ({kind})"


def _unsupported(name: str) -> str:
    ext = posixpath.splitext(name)[1].lower()
    return f"unsupported file type {ext or '(no extension)'}"


def _bad_name(path: str) -> Skipped | None:
    """A skip for a path that is not valid UTF-8 (it could not be stored or printed), else None.

    Names of files unpacked from Chinese Windows archives are often GBK bytes;
    the reason shows how they read in GB18030, so the user can rename them.
    """
    try:
        path.encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(path)
    shown = raw.decode("utf-8", "backslashreplace")
    reason = "file name is not valid UTF-8; rename the file to read it"
    try:
        as_gb = os.fsencode(os.path.basename(path)).decode("gb18030")
        reason += f" (in GB18030 it reads {as_gb})"
    except UnicodeDecodeError:
        pass
    return Skipped(shown, reason)


def discover(paths: Sequence[str | Path]) -> Iterator[SourceFile | Skipped]:
    """Files under the given paths (recursively), each folder's files sorted by id.

    Every path is checked before anything is yielded, so a typo raises
    `InputError` up front instead of after half a scan. Paths are walked in
    the order given; ids are unique per path, not across paths (the reader
    reports collisions). Files that will not be read are yielded as `Skipped`
    with the reason (unsupported type, FIFO, link to a folder...), except
    hidden entries (names starting with a dot) and ``metadata.jsonl``.
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
    bad = _bad_name(str(path))
    if bad is not None:
        return bad
    if not stat.S_ISREG(st.st_mode):
        return Skipped(str(path), _not_regular(st.st_mode))
    if _is_metadata(path.name):
        return Skipped(str(path), "metadata.jsonl describes documents, it is not one")
    kind = _kind_of(path.name)
    if kind is None:
        return Skipped(str(path), _unsupported(path.name))
    return SourceFile(path, path.name, path.parent, kind, st.st_size, st.st_mtime_ns)


def _walk(root: Path) -> tuple[list[SourceFile], list[Skipped]]:
    """Collect the files under ``root``, following links to folders once each.

    A corpus is often a folder of links to the collections it draws on, so
    linked folders are read; each folder is walked once (by device and inode),
    which makes link loops harmless, and a link to a folder already read is
    reported so the user knows why its files are not listed twice. A folder
    named like a file (``x.txt/``) is a folder. Nothing is opened here.
    """
    files: list[SourceFile] = []
    skips: list[Skipped] = []
    stack: list[tuple[str, str]] = [("", str(root))]
    seen: set[tuple[int, int]] = set()
    try:
        top = os.stat(root)
        seen.add((top.st_dev, top.st_ino))
    except OSError:
        pass  # scandir below names the problem
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as error:
            skips.append(_bad_name(folder) or Skipped(folder, _os_reason(error)))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            bad = _bad_name(entry.path)
            if bad is not None:
                skips.append(bad)
                continue
            rel = prefix + name
            try:
                linked = entry.is_symlink()
                # stat follows a link; it raises for loops and dangling links
                st = os.stat(entry.path) if linked else entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    if (st.st_dev, st.st_ino) in seen:
                        skips.append(Skipped(entry.path, "folder already read by another path"))
                    else:
                        seen.add((st.st_dev, st.st_ino))
                        stack.append((rel + "/", entry.path))
                    continue
            except OSError as error:
                skips.append(Skipped(entry.path, _os_reason(error)))
                continue
            if not stat.S_ISREG(st.st_mode):
                skips.append(Skipped(entry.path, _not_regular(st.st_mode)))
                continue
            if _is_metadata(name):
                # Read here too, so that its broken lines are named on every path that
                # discovers files (the index reads metadata in workers that cannot tell).
                load_metadata(Path(folder), skips.append)
                continue
            kind = _kind_of(name)
            if kind is None:
                skips.append(Skipped(entry.path, _unsupported(name)))
                continue
            files.append(SourceFile(Path(entry.path), rel, root, kind, st.st_size, st.st_mtime_ns))
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
        raw = _read_file(meta_path)
    except FileNotFoundError:
        return {}
    except OSError as error:
        report(Skipped(str(meta_path), _os_reason(error)))
        return {}
    except _Unreadable as problem:
        report(Skipped(str(meta_path), problem.reason))
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
    record, problem = _parse_json(line)
    if problem:
        return None, f"metadata line is {problem}"
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


class _Unreadable(Exception):
    """A path that must not or cannot be read as a file; ``reason`` is for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# O_NONBLOCK: if a file was swapped for a FIFO after discovery, opening it must not hang.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file; raises OSError, or `_Unreadable` for a FIFO or a huge file."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Unreadable(_not_regular(st.st_mode))
        if st.st_size > MAX_FILE_BYTES:
            raise _Unreadable(REASON_TOO_LARGE)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 24)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def read_source(
    src: SourceFile, metadata: Mapping[str, dict[str, Any]] | None = None
) -> Iterator[Document | Skipped]:
    """The documents of one file, or `Skipped` entries saying why not.

    ``metadata`` is what `load_metadata` returns for ``src.root`` or for the
    file's own folder: the file is looked up by its id, then by its name. The
    record found becomes each document's metadata, under a JSON line's own
    fields. (`MetadataIndex` merges every folder from the root down.)

    A ``.jsonl`` line whose id an earlier line of the file already has is kept
    under a derived id (``ID#2``) and comes with a ``Skipped(kept=True)`` notice.
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
        raw = _read_file(src.path)
        text, encoding = _file_text(raw, src.kind)
    except OSError as error:
        yield Skipped(where, _os_reason(error)), where
        return
    except (_Unreadable, DecodeFailure, ExtractError) as problem:
        yield Skipped(where, str(problem)), where
        return
    del raw
    record = _record_in(metadata, src) if metadata else {}
    if src.kind == "jsonl":
        yield from _jsonl_documents(src, text, encoding, record)
    elif _blank(text):
        yield Skipped(where, REASON_NO_TEXT), where
    else:
        yield Document(src.id, text, where, encoding, dict(record)), where


def _file_text(raw: bytes, kind: str) -> tuple[str, str]:
    """The text in a file's bytes and how it was read: an encoding, ``html/ENC`` or ``docx``."""
    if kind == "docx":
        if not raw:
            raise DecodeFailure(REASON_EMPTY)
        return docx_text(raw), "docx"
    if kind == "html":
        markup, encoding = decode_html(raw)
        return html_text(markup), f"html/{encoding}"
    return decode_bytes(raw)


def _blank(text: str) -> bool:
    return not text or text.isspace()


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse_json(line: str) -> tuple[Any, str]:
    """The value of one JSON line, or ``(None, problem)``; never raises."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg})"
    except RecursionError:
        return None, "not valid JSON (nested too deeply)"
    except ValueError as error:  # an integer past Python's digit limit, for one
        return None, f"not valid JSON ({error})"
    if "\\u" in line:
        # "\ud800" escapes decode to lone surrogates, which no file or database can hold;
        # U+FFFD keeps every offset where it was.
        value = _replace_surrogates(value)
    return value, ""


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value


def _jsonl_documents(
    src: SourceFile, text: str, encoding: str, record: Mapping[str, Any]
) -> Iterator[tuple[Document | Skipped, str]]:
    """One document per JSON line; a bad line is skipped, the rest of the file is kept.

    Ids stay unique within the file: a repeated id gets ``#2``, ``#3``...,
    a line without a usable id gets ``FILE:LINE``; both with a notice.
    """
    path = str(src.path)
    first_line: dict[str, int] = {}
    # Split on LF only: str.splitlines would also break at U+2028 and other
    # separators that JSON allows raw inside strings.
    for lineno, line in enumerate(text.split("\n"), start=1):
        if _blank(line):
            continue
        where = f"{path}:{lineno}"
        doc, problem = _jsonl_document(line, path, encoding, record)
        if doc is None:
            yield Skipped(where, problem), where
            continue
        if not doc.id:
            doc.id = _free_id(f"{src.id}:{lineno}", first_line)
            yield Skipped(where, f"{problem}; kept as {doc.id}", kept=True), where
        elif doc.id in first_line:
            new = _free_id(doc.id, first_line)
            notice = f"duplicate id {doc.id} (first on line {first_line[doc.id]}); kept as {new}"
            yield Skipped(where, notice, kept=True), where
            doc.id = new
        first_line[doc.id] = lineno
        yield doc, where


def _free_id(base: str, taken: Mapping[str, Any]) -> str:
    """``base`` if free, else the first of ``base#2``, ``base#3``... that is."""
    if base not in taken:
        return base
    n = 2
    while f"{base}#{n}" in taken:
        n += 1
    return f"{base}#{n}"


def _jsonl_document(
    line: str, path: str, encoding: str, record: Mapping[str, Any]
) -> tuple[Document | None, str]:
    """A document for one line; its id is "" (with the reason) when the line has none."""
    obj, problem = _parse_json(line)
    if problem:
        return None, problem
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    doc_id, text = obj.get("id"), obj.get("text")
    if not isinstance(text, str):
        return None, "no string 'text' field"
    if _blank(text):
        return None, REASON_NO_TEXT
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if isinstance(doc_id, str) and doc_id:
        problem = ""
    else:
        problem = "no 'id' field" if doc_id is None else "'id' is not a string"
        doc_id = ""
    fields = {**record, **{k: v for k, v in obj.items() if k not in ("id", "text")}}
    return Document(doc_id, text, path, encoding, fields), problem


def iter_documents(
    paths: Sequence[str | Path], on_skip: Callable[[Skipped], None] | None = None
) -> Iterator[Document]:
    """Every document under ``paths``, read lazily one file at a time.

    Raises `InputError` at call time for a missing path. Everything that is
    not read (bad files, bad lines, walk errors, broken metadata lines) goes
    to ``on_skip``, and so do notices (``kept=True``) about documents read
    under a derived id: a document whose id was already seen, in this file or
    an earlier one, is kept as ``ID#2`` (``#3``...), because ids must
    identify documents in every report and no readable document is dropped.
    """
    sources = discover(paths)
    return _iter_documents(sources, on_skip or (lambda _skip: None))


def _iter_documents(
    sources: Iterator[SourceFile | Skipped], on_skip: Callable[[Skipped], None]
) -> Iterator[Document]:
    reported: set[Skipped] = set()

    def report_once(skip: Skipped) -> None:
        # discover already names a walked folder's metadata problems; MetadataIndex
        # names them again (and those of folders above a file given directly).
        if skip not in reported:
            reported.add(skip)
            on_skip(skip)

    index = MetadataIndex(report_once)
    first_seen: dict[str, str] = {}
    for src in sources:
        if isinstance(src, Skipped):
            report_once(src)
            continue
        record = index.record_for(src)
        for item, where in _read_source(src, {src.id: record} if record else None):
            if isinstance(item, Skipped):
                on_skip(item)
                continue
            earlier = first_seen.get(item.id)
            if earlier is not None:
                new = _free_id(item.id, first_seen)
                on_skip(
                    Skipped(
                        where,
                        f"duplicate id {item.id} (first seen in {earlier}); kept as {new}",
                        kept=True,
                    )
                )
                item.id = new
            first_seen[item.id] = where
            yield item
