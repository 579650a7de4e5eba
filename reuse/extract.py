"""Plain text out of HTML pages and Word ``.docx`` files.

Offsets of these documents index the *extracted* text, so extraction must be
deterministic: the same bytes always give the same string, character for
character (``reuse text ID`` prints it). Both extractors put one block per
line (a paragraph, a heading, a list item, a table row with its cells joined
by tabs) so that sentences of two blocks never fuse, and keep the characters
inside a block as written.

lxml does the HTML parsing (libxml2's forgiving parser, in C) and python-docx
opens the Word package; python-docx depends on lxml, so both formats cost one
compiled dependency. Both are imported on first use: a corpus of plain text
never loads them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

__all__ = ["ExtractError", "docx_text", "html_text", "sniff_html_charset"]


def _names(words: str, prefix: str = "") -> frozenset[str]:
    """A set of tag names written as one space-separated string (lists of 50 stay readable)."""
    return frozenset(prefix + w for w in words.split())


class ExtractError(Exception):
    """A file of a supported format whose text cannot be extracted; ``str(e)`` is the reason."""


# ----------------------------------------------------------------------------- HTML

# Elements whose content is never text a reader sees on the page.
_HTML_DROP = _names(
    "script style noscript template svg math iframe object embed canvas audio video noembed "
    "noframes"
)
# Elements that start and end a line (CSS display: block, list-item, table-row...).
_HTML_BLOCK = _names(
    "address article aside blockquote body caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 header hgroup hr "
    "html legend li main menu nav ol option p pre section summary table tbody tfoot thead "
    "title tr ul br textarea listing xmp plaintext"
)
_HTML_CELL = frozenset({"td", "th"})
_HTML_PRE = frozenset({"pre", "textarea", "listing", "xmp", "plaintext"})
# HTML's collapsible white space (not U+00A0 or the ideographic space U+3000).
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
# Characters libxml2 refuses or mangles; none of them is visible text.
_HTML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_:.\-]+)""")
# Labels that name a subset of GB18030 decode as GB18030 (pages labelled gb2312 use GBK
# characters all the time); Latin labels mean windows-1252, as browsers read them.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "gb18030": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "utf8": "utf-8",
    "unicode": "utf-8",
}


def sniff_html_charset(raw: bytes) -> str | None:
    """The Python codec named by a page's ``<meta charset>`` or XML declaration, if any."""
    head = raw[:4096]
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not found:
        return None
    label = found.group(1).decode("ascii", "replace").strip().lower()
    label = _CHARSET_ALIASES.get(label, label)
    import codecs

    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


class _Lines:
    """Collects extracted text as lines, collapsing HTML white space the way a browser does."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.pre = 0

    def open(self, tag: str) -> None:
        if tag in _HTML_BLOCK:
            self.end_line()
        elif tag in _HTML_CELL and self.cur:
            self.cur.append("\t")
        if tag in _HTML_PRE:
            self.pre += 1

    def close(self, tag: str) -> None:
        if tag in _HTML_PRE and self.pre:
            self.pre -= 1
        if tag in _HTML_BLOCK:
            self.end_line()

    def add(self, s: str | None) -> None:
        if not s:
            return
        if self.pre:
            for i, part in enumerate(s.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
                if i:
                    self.end_line()
                if part:
                    self.cur.append(part)
            return
        s = _HTML_SPACE.sub(" ", s)
        if s.startswith(" ") and (not self.cur or self.cur[-1].endswith((" ", "\t"))):
            s = s[1:]
        if s:
            self.cur.append(s)

    def end_line(self) -> None:
        line = "".join(self.cur).strip(" \t")
        self.cur = []
        if line:
            self.lines.append(line)

    def text(self) -> str:
        self.end_line()
        return "\n".join(self.lines)


def html_text(markup: str) -> str:
    """The visible text of an HTML document: one line per block, scripts and styles dropped.

    White space inside a block collapses to one space as a browser shows it
    (inside ``<pre>`` it is kept, and its line breaks stay line breaks);
    ``&nbsp;`` and the ideographic space are text and stay. Table cells of
    one row are joined by a tab. Empty lines are dropped.
    """
    markup = _HTML_UNSAFE.sub("", markup)
    if not markup.strip():
        return ""
    text = _html_text_lxml(markup)
    # libxml2 stops at 2048 open elements (pages with thousands of unclosed
    # <font> or <div> tags get there) and would silently lose the rest.
    return _html_text_tokens(markup) if text is None else text


def _html_text_lxml(markup: str) -> str | None:
    """Text by lxml's tree, or None when libxml2 gave up before the end of the page."""
    from lxml import etree
    from lxml.html import HTMLParser

    parser = HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True, no_network=True
    )
    try:
        root = etree.fromstring(markup.encode("utf-8"), parser)
    except etree.LxmlError:
        return None
    if any(e.level == etree.ErrorLevels.FATAL for e in parser.error_log):
        return None
    if root is None:
        return ""
    out = _Lines()
    walk = etree.iterwalk(root, events=("start", "end"))
    for event, el in walk:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            out.open(tag)
            if tag in _HTML_DROP:
                walk.skip_subtree()  # its "end" event still comes, and brings the tail
            else:
                out.add(el.text)
        else:
            out.close(tag)
            out.add(el.tail)
    return out.text()


_TAG_START = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_-]*)")
_RAW_TEXT = _names("script style xmp iframe noembed noframes noscript textarea title plaintext")
_VOID = _names("area base br col embed hr img input link meta param source track wbr")


def _html_text_tokens(markup: str) -> str:
    """The same text by a forgiving tag scanner, linear in the page for any input.

    Only for pages libxml2 cannot finish: it knows no tree, only where tags
    start and end, which is all the line breaking needs.
    """
    import html

    out = _Lines()
    pos, n = 0, len(markup)
    drop: list[str] = []  # open dropped elements, innermost last
    while pos < n:
        lt = markup.find("<", pos)
        if lt < 0:
            lt = n
        if not drop:
            out.add(html.unescape(markup[pos:lt]))
        if lt >= n:
            break
        if markup.startswith("<!--", lt):
            end = markup.find("-->", lt + 4)
            pos = n if end < 0 else end + 3
            continue
        m = _TAG_START.match(markup, lt)
        if m is None:
            if markup.startswith(("<!", "<?"), lt):  # doctype or a bogus comment
                end = markup.find(">", lt)
                pos = n if end < 0 else end + 1
            else:
                if not drop:
                    out.add("<")
                pos = lt + 1
            continue
        gt = markup.find(">", m.end())
        if gt < 0:
            break  # a tag left open at the end of the page shows nothing
        pos = gt + 1
        closing, tag = m.group(1) == "/", m.group(2).lower()
        self_closing = markup[gt - 1] == "/" or tag in _VOID
        if drop:
            if tag == drop[-1]:
                if closing:
                    drop.pop()
                elif not self_closing:
                    drop.append(tag)
            if not drop:
                out.close(tag)
            continue
        if closing:
            out.close(tag)
            continue
        out.open(tag)
        if tag in _HTML_DROP:
            if self_closing:
                out.close(tag)
                continue
            if tag in _RAW_TEXT:
                end_tag = re.compile(rf"</{re.escape(tag)}\s*>", re.IGNORECASE).search(markup, pos)
                pos = n if end_tag is None else end_tag.end()
                out.close(tag)
            else:
                drop.append(tag)
        elif self_closing:
            out.close(tag)
    return out.text()


# ----------------------------------------------------------------------------- DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _T, _TBL, _TR, _TC = _W + "p", _W + "t", _W + "tbl", _W + "tr", _W + "tc"
_SDT, _SDT_CONTENT = _W + "sdt", _W + "sdtContent"
_ALTERNATE, _CHOICE, _FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"
# Wrappers whose children are the same kind of content as their parent's.
_DOCX_WRAPPERS = _names("customXml ins moveTo smartTag hyperlink fldSimple r dir bdo", _W) | {
    _SDT_CONTENT
}
# Never text: deleted or moved-away revisions, properties, field codes, note markers.
_DOCX_SKIP = _names(
    "del moveFrom pPr rPr sectPr tblPr tblGrid trPr tcPr sdtPr sdtEndPr instrText delText "
    "fldChar footnoteReference endnoteReference",
    _W,
) | {_FALLBACK}
_DOCX_CHARS = {
    _W + "tab": "\t",
    _W + "ptab": "\t",
    _W + "br": "\n",
    _W + "cr": "\n",
    _W + "noBreakHyphen": "-",
}
# Past this much XML the file is a decompression bomb, not a document.
_MAX_DOCX_XML = 512 * 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx_text(raw: bytes) -> str:
    """The body text of a ``.docx`` file: one line per paragraph, table rows with tab-joined cells.

    Text in tracked insertions, content controls, hyperlinks, fields and text
    boxes is kept; deleted revisions, field codes, headers, footers and
    footnotes are not. Raises `ExtractError` for a file that is not a readable
    Word package.
    """
    if raw.startswith(_OLE_MAGIC):
        raise ExtractError("a Word 97-2003 (.doc) or password-protected file, not .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            unpacked = sum(i.file_size for i in package.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise ExtractError(f"not a readable .docx file ({_first_line(error)})") from None
    if unpacked > _MAX_DOCX_XML:
        raise ExtractError(f"unpacks to {unpacked // 2**20} MB, more than a document holds")
    import docx

    try:
        body = docx.Document(io.BytesIO(raw)).element.body
        lines: list[str] = []
        _docx_blocks(body, lines)
    except Exception as error:  # noqa: BLE001 - zip, XML, package and content-type errors alike
        raise ExtractError(f"not a readable .docx file ({_first_line(error)})") from None
    return "\n".join(lines)


def _docx_blocks(parent: Any, lines: list[str]) -> None:
    """Paragraphs and tables under ``parent`` (a body, cell or content control), in order."""
    for child in parent:
        tag = child.tag
        if tag == _P:
            lines.append(_docx_paragraph(child))
        elif tag == _TBL:
            for row in _docx_children(child, _TR):
                cells = []
                for cell in _docx_children(row, _TC):
                    inner: list[str] = []
                    _docx_blocks(cell, inner)
                    cells.append("\n".join(inner))
                lines.append("\t".join(cells))
        elif tag == _SDT or tag in _DOCX_WRAPPERS:
            _docx_blocks(child, lines)
        elif tag == _ALTERNATE:
            _docx_blocks(_docx_choice(child), lines)


def _docx_children(parent: Any, wanted: str) -> Iterator[Any]:
    """Children of ``parent`` with tag ``wanted``, looking through content-control wrappers."""
    for child in parent:
        if child.tag == wanted:
            yield child
        elif child.tag in (_SDT, _SDT_CONTENT, _W + "customXml"):
            yield from _docx_children(child, wanted)


def _docx_choice(alternate: Any) -> Any:
    """The one branch of ``mc:AlternateContent`` to read: both hold the same text."""
    for child in alternate:
        if child.tag in (_CHOICE, _FALLBACK):
            return child
    return alternate


def _docx_paragraph(p: Any) -> str:
    parts: list[str] = []
    _docx_runs(p, parts)
    return "".join(parts)


def _docx_runs(el: Any, parts: list[str]) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _DOCX_SKIP:
            continue
        if tag == _T:
            parts.append(child.text or "")
        elif tag in _DOCX_CHARS:
            parts.append(_DOCX_CHARS[tag])
        elif tag == _P:  # a paragraph inside a text box inside this paragraph
            parts.append("\n")
            _docx_runs(child, parts)
        elif tag == _ALTERNATE:
            _docx_runs(_docx_choice(child), parts)
        else:
            _docx_runs(child, parts)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
