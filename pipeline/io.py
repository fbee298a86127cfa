"""Reading documents from a folder and writing the clean corpus, safely.

Readers
    ``read_folder(root)`` walks a folder recursively, in sorted order so every
    run sees the documents in the same order, and yields :class:`Document`
    objects or :class:`Problem` records (a file or line that could not be read).
    ``.txt`` is one document per file; ``.jsonl`` and ``.jsonl.gz`` one per
    line. Other files are skipped silently (images, HTML dumps and the like are
    not text this tool reads).

Encodings
    UTF-8 first (a BOM is removed); otherwise the bytes are tried as GB18030
    (a superset of GBK and GB2312) and Big5, and charset-normalizer decides
    between decodings that both succeed. The encoding goes into
    ``doc.meta["encoding"]`` whenever it is not plain UTF-8. Files of more
    than 1% NUL are binary; they and files no candidate decodes are reported,
    not garbled.

Writers
    Everything is written through :func:`atomic_write` (a temporary file in the
    same folder, then ``os.replace``), so a crash never leaves half a file.
    :func:`safe_relpath` turns any document id into a path that stays inside the
    output folder.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import hashlib
import io
import json
import os
import stat
import tempfile
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import regex

from .document import Document
from .mojibake import LOST_MARKER

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")


#: A problem whose record (a file, a JSONL line) could not be read: the record ends here.
UNREAD = "unread"
#: A problem met on a document that goes on (to the corpus or dropped.jsonl).
WARNING = "warning"
#: A document taken out of the run (over budget, or unwritable): the document ends here.
QUARANTINE = "quarantined"


@dataclass(frozen=True, slots=True)
class Problem:
    """One line of ``audit/problems.jsonl`` and a warning on the terminal.

    ``kind`` tells the two sorts apart for the accounting (every input record
    ends in exactly one of the corpus, dropped.jsonl, problems.jsonl): an
    :data:`UNREAD` problem *is* a record's end (a file or line that could not
    be read, a document quarantined); a :data:`WARNING` is about a document
    that ends elsewhere.
    """

    source: str
    line: int | None
    message: str
    kind: str = UNREAD

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "message": self.message, "kind": self.kind}


class UndecodableError(ValueError):
    """Bytes that are binary or in no encoding cleancorpus reads."""


# -- encodings -----------------------------------------------------------------

# The legacy encodings Chinese web text arrives in. GB18030 decodes everything
# GBK and GB2312 decode (it is their superset); cp950 is Microsoft's Big5.
_LEGACY = ("gb18030", "big5", "cp950")

#: What stands for bytes no decoder could read: the repair stage's lost-byte
#: marker, so a salvaged document reads like one repair has already marked.
LOST_BYTE = LOST_MARKER

#: Bytes per bad sequence a salvaged decoding needs at least: more bad bytes than
#: one in 16 is not damaged text but something else, reported rather than garbled.
_SALVAGE_BYTES_PER_LOSS = 16


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text, the encoding read, and where bytes had to be marked as lost.

    ``lost`` holds the byte offset of each undecodable sequence, each of which
    became one :data:`LOST_BYTE` in ``text``.
    """

    text: str
    encoding: str
    lost: tuple[int, ...] = ()

    def lost_message(self) -> str:
        """The problem line of a salvaged decoding (empty when nothing was lost).

        >>> Decoded("x", "gb18030", (3, 17)).lost_message()
        'decoded as gb18030 with 2 undecodable byte sequences marked 〓, at byte offsets 3, 17'
        """
        if not self.lost:
            return ""
        shown = ", ".join(map(str, self.lost[:10])) + (", …" if len(self.lost) > 10 else "")
        return (f"decoded as {self.encoding} with {len(self.lost)} undecodable byte sequence"
                f"{'s' if len(self.lost) != 1 else ''} marked {LOST_BYTE}, at byte offset"
                f"{'s' if len(self.lost) != 1 else ''} {shown}")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; return ``(text, encoding)``.

    >>> decode_bytes("中文".encode("utf-8"))
    ('中文', 'utf-8')
    >>> decode_bytes(codecs.BOM_UTF8 + "中文".encode("utf-8"))
    ('中文', 'utf-8-sig')
    >>> decode_bytes("简体中文的文本".encode("gbk"))
    ('简体中文的文本', 'gb18030')
    >>> decode_bytes("繁體中文的文本".encode("big5"))
    ('繁體中文的文本', 'big5')
    >>> decode_bytes("简体中文的文本内容".encode("utf-16-le"))
    ('简体中文的文本内容', 'utf-16-le')
    """
    decoded = decode(data)
    return decoded.text, decoded.encoding


def decode(data: bytes) -> Decoded:
    """Decode bytes of unknown encoding, salvaging damaged legacy text.

    UTF-8 (and UTF-16/32 with a BOM) first; then UTF-16/32 *without* a BOM,
    told by the pattern of its NUL bytes; then GB18030 and Big5. When no
    encoding decodes every byte, the one that leaves fewest bad sequences is
    used and each of them becomes :data:`LOST_BYTE` (a truncated GBK file, a
    stray byte). Raises :class:`UndecodableError` for binary data.

    >>> d = decode("简体中文的文本".encode("gbk") + b"\\xff" + "，这里有一些内容。".encode("gbk") + b"\\xb0")
    >>> d.text, d.encoding, d.lost
    ('简体中文的文本〓，这里有一些内容。〓', 'gb18030', (14, 33))
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom) :].decode(name), "utf-8-sig" if name == "utf-8" else name)
            except UnicodeDecodeError:
                break  # a BOM followed by something else: fall through to detection
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _mostly_nul(text.count("\x00"), len(text)):
            return Decoded(text, "utf-8")
    if _mostly_nul(data.count(0), len(data)):  # before decoding: binary files are large
        wide = _wide_without_bom(data)
        if wide is None:
            raise UndecodableError("binary file (NUL bytes)")
        return wide
    decodings: dict[str, str] = {}
    for name in _LEGACY:
        try:
            decodings[name] = data.decode(name)
        except UnicodeDecodeError:
            continue
    if not decodings:
        # UTF-16 of pure Chinese has no NUL bytes, and GB18030 and Big5 fail on it
        return _wide_without_bom(data, min_chars=8) or _salvage(data)
    if len(decodings) == 1 or "gb18030" not in decodings:
        name = next(iter(decodings))
        return Decoded(decodings[name], "big5" if name == "cp950" else name)
    return Decoded(*_choose(data, decodings))


# UTF-32 first: its little-endian BOM begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _mostly_nul(nuls: int, length: int) -> bool:
    """More than 1% NUL: a binary file (or UTF-16/32 without a BOM), not text.

    A stray NUL in scraped text, in any encoding, is damage the repair stage
    removes; it does not make the whole document unreadable.
    """
    return nuls * 100 > length


# What Chinese text is almost entirely made of: ASCII, CJK ideographs and punctuation, full-width forms.
_COMMON = regex.compile(r"[\t\n\r\x20-\x7e\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e\u2010-\u206f]")
#: Share of such characters a decoding without a BOM needs to be believed.
_WIDE_MIN_SHARE = 0.9


def _wide_without_bom(data: bytes, min_chars: int = 1) -> Decoded | None:
    """UTF-32 or UTF-16 (either byte order) without a BOM, or None.

    Any even number of bytes decodes as UTF-16, so decoding is not evidence;
    what the text decodes *to* is. Read in the right encoding and byte order,
    Chinese text is ASCII, CJK ideographs and punctuation; in the wrong one (or
    for binary data) its code points scatter over scripts and unassigned
    ranges. The decoding with most such characters is taken if they are at
    least 90% of it and at least ``min_chars`` long (a few bytes can land on
    ideographs by chance).

    >>> _wide_without_bom("Big5 和 中文".encode("utf-16-be")).encoding
    'utf-16-be'
    >>> _wide_without_bom("简体中文的文本".encode("utf-16-le")).encoding
    'utf-16-le'
    >>> _wide_without_bom(bytes(range(256)) * 4) is None
    True
    """
    best: tuple[int, str, str] | None = None
    for name, unit in (("utf-32-le", 4), ("utf-32-be", 4), ("utf-16-le", 2), ("utf-16-be", 2)):
        if len(data) % unit:
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        score = len(_COMMON.findall(text))
        if len(text) >= min_chars and score >= _WIDE_MIN_SHARE * len(text) and (best is None or score > best[0]):
            best = (score, text, name)
    return Decoded(best[1], best[2]) if best else None


_lost_at: list[int] = []


def _mark_lost(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: note where the bad bytes were, stand one marker for them."""
    assert isinstance(exc, UnicodeDecodeError)
    _lost_at.append(exc.start)
    return LOST_BYTE, exc.end


codecs.register_error("cleancorpus-lost", _mark_lost)


def _decode_marking(data: bytes, encoding: str) -> Decoded:
    """Decode with every bad sequence marked; its offsets in ``lost``.

    (The handler collects into a module list: decoding is single-threaded per
    process, and the list is taken and cleared around each call.)
    """
    _lost_at.clear()
    try:
        text = data.decode(encoding, "cleancorpus-lost")
        return Decoded(text, "big5" if encoding == "cp950" else encoding, tuple(_lost_at))
    finally:
        _lost_at.clear()


# Control characters text does not have (tab, line breaks and form feed aside).
_CONTROL = regex.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _salvage(data: bytes) -> Decoded:
    """The decoding with fewest bad sequences, when few enough for damaged text; else refuse.

    GB18030 wins ties over Big5 (it is the more common), UTF-8 over both (a
    UTF-8 file with one stray byte is still UTF-8).
    """
    best: Decoded | None = None
    for name in ("utf-8", "gb18030", "cp950"):
        candidate = _decode_marking(data, name)
        if best is None or len(candidate.lost) < len(best.lost):
            best = candidate
    assert best is not None
    if len(_CONTROL.findall(best.text)) * 100 > len(best.text):
        raise UndecodableError("binary file (control bytes)")
    if len(best.lost) * _SALVAGE_BYTES_PER_LOSS > len(data):
        raise UndecodableError(
            f"not UTF-8, GB18030 or Big5 ({len(best.lost)} undecodable byte sequences, "
            f"the first at byte offset {best.lost[0]})"
        )
    return best


def _choose(data: bytes, decodings: dict[str, str]) -> tuple[str, str]:
    """Both GB18030 and Big5 decode: let charset-normalizer's coherence decide."""
    import charset_normalizer  # imported lazily: only legacy-encoded input needs it

    best = charset_normalizer.from_bytes(data, cp_isolation=["gb18030", "big5", "cp950"]).best()
    name = best.encoding if best is not None else "gb18030"
    name = {"cp950": "big5", "big5hkscs": "big5"}.get(name, name)
    key = "cp950" if name == "big5" and "big5" not in decodings else name
    if key not in decodings:
        name, key = "gb18030", "gb18030"
    return decodings[key], name


# -- readers -----------------------------------------------------------------------


def iter_files(root: Path) -> Iterator[Path]:
    """Readable files under ``root``, recursively, in a stable (sorted) order.

    Hidden files and folders (``.git``, ``.cleancorpus-tmp-*``) are skipped.
    """
    return (item for item in _walk(root) if isinstance(item, Path))


def escaped_name(name: str) -> str:
    """A path as text that every UTF-8 writer accepts: bytes that are not UTF-8 as ``%NN``.

    Python reads such a file name with each bad byte as a lone surrogate,
    which no UTF-8 file (the corpus, the audit, the dedup index) can hold.
    Percent-escapes (as in URLs) rather than ``\\xNN``: a backslash in an id
    is a folder separator to :func:`safe_relpath`.

    >>> escaped_name(os.fsdecode(b"bad\\xffname.txt"))
    'bad%FFname.txt'
    >>> escaped_name("正常.txt")
    '正常.txt'
    """
    if not _SURROGATE.search(name):
        return name
    return _SURROGATE.sub(lambda m: f"%{ord(m.group()) - 0xDC00:02X}", name)


def _rel(path: Path, base: Path) -> str:
    return escaped_name(path.relative_to(base).as_posix())


def _is_input_name(name: str) -> bool:
    return name.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES)


def _walk(folder: Path, base: Path | None = None, enclosing: frozenset[Path] = frozenset()) -> Iterator[Path | Problem]:
    """The files :func:`iter_files` lists, with a :class:`Problem` for each entry it cannot read.

    Links to folders are followed, except a link back to a folder the walk is
    already inside (``enclosing``, resolved paths): that would read the tree
    again at every level. FIFOs, sockets and devices named like input, and
    links that lead nowhere (dangling, or a loop of links), are reported: a
    file the user meant to be read must not vanish without a trace (and a
    FIFO must never be opened: that blocks until someone writes to it).
    """
    base = base or folder
    enclosing = enclosing | {folder.resolve()}
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield Problem(_rel(folder, base), None, f"cannot read folder: {exc.strerror}")
        return
    for path in entries:
        if path.name.startswith("."):
            continue
        try:
            mode = path.stat().st_mode  # follows links
        except OSError as exc:
            if path.is_symlink() and (_is_input_name(path.name) or "." not in path.name):
                why = "a loop of links" if exc.errno == errno.ELOOP else "a dangling link"
                yield Problem(_rel(path, base), None, f"not read: {why} ({exc.strerror})")
            elif not path.is_symlink() and _is_input_name(path.name):
                yield Problem(_rel(path, base), None, f"cannot read: {exc.strerror}")
            continue
        if stat.S_ISDIR(mode):
            if path.resolve() in enclosing:
                yield Problem(_rel(path, base), None, "link to an enclosing folder, not followed")
            else:
                yield from _walk(path, base, enclosing)
        elif _is_input_name(path.name):
            if stat.S_ISREG(mode):
                yield path
            else:
                yield Problem(_rel(path, base), None, f"not read: {_file_kind(mode)}, not a regular file")


def _file_kind(mode: int) -> str:
    """
    >>> _file_kind(stat.S_IFIFO)
    'a FIFO (named pipe)'
    """
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


#: Sequence numbers of documents read in a row differ by this much (see :func:`read_folder`).
SEQ_STEP = 1024


def read_folder(
    root: str | os.PathLike[str], text_field: str = "text", id_field: str = "id"
) -> Iterator[Document | Problem]:
    """Every document under ``root``, in a deterministic order, with problems inline.

    ``root`` may also be a single .txt / .jsonl / .jsonl.gz file; ids and
    sources are then relative to its folder. ``seq`` numbers the documents in
    the order they are yielded, in steps of :data:`SEQ_STEP`: the numbers between
    are for the documents a stage may split out of one (``ID#2``, see
    :func:`pipeline.runner.split_off`), which follow it in the corpus.

    Every input record ends as exactly one yielded item: a :class:`Document`
    or an :data:`UNREAD` :class:`Problem` (a file, a line, or the rest of a
    file that broke off). :data:`WARNING` problems come in addition. Whatever
    goes wrong reading one file is confined to that file.
    """
    root = Path(root)
    if root.is_file():
        files: Iterator[Path | Problem] = iter([root])
        base = root.parent
    else:
        files, base = _walk(root), root
    seq = 0
    for path in files:
        if isinstance(path, Problem):
            yield path
            continue
        rel = _rel(path, base)
        for item in _read_file(path, rel, text_field, id_field):
            if isinstance(item, Document):
                item.seq = seq
                seq += SEQ_STEP
            yield item


def _read_file(path: Path, rel: str, text_field: str, id_field: str) -> Iterator[Document | Problem]:
    """One file's documents and problems; an unexpected error ends the file with a problem line."""
    try:
        if path.name.endswith(TEXT_SUFFIXES):
            yield from _read_txt(path, rel)
        elif path.name.endswith(JSONL_SUFFIXES):
            yield from _read_jsonl(path, rel, text_field, id_field)
        else:
            yield Problem(rel, None, "not a .txt, .jsonl or .jsonl.gz file")
    except Exception as exc:  # noqa: BLE001 - a reader bug or odd input must not end the run
        yield Problem(rel, None, f"reading stopped: {type(exc).__name__}: {exc}")


def _open_regular(path: Path) -> IO[bytes]:
    """Open a file for reading, refusing anything but a regular file without blocking.

    O_NONBLOCK: a FIFO that replaced a file since the walk listed it opens at
    once (and is refused) instead of waiting for a writer forever.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise IsADirectoryError(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL,
                                    f"{_file_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file; a FIFO, socket or device is refused at once, never waited on."""
    with _open_regular(Path(path)) as fh:
        return fh.read()


def _read_txt(path: Path, rel: str) -> Iterator[Document | Problem]:
    try:
        decoded = decode(read_regular(path))
    except OSError as exc:
        yield Problem(rel, None, f"cannot read: {exc.strerror}")
        return
    except UndecodableError as exc:
        yield Problem(rel, None, str(exc))
        return
    text, encoding = decoded.text, decoded.encoding
    # A final newline terminates the last line; it is not content. (Writers add
    # it back, so cleaning the output again changes nothing.)
    if text.endswith("\n"):
        text = text[:-1]
    meta: dict[str, Any] = {} if encoding == "utf-8" else {"encoding": encoding}
    if decoded.lost:
        meta["lost_bytes"] = len(decoded.lost)
    yield from _read_warnings(rel, None, decoded, escaped=_SURROGATE.search(str(path)) is not None)
    yield Document(id=rel, text=text, source=rel, meta=meta)


def _read_warnings(rel: str, lineno: int | None, decoded: Decoded, escaped: bool = False) -> Iterator[Problem]:
    """Warnings about how a record was read (it goes on): lost bytes with their offsets, an escaped name."""
    if decoded.lost:
        yield Problem(rel, lineno, decoded.lost_message(), WARNING)
    if escaped:
        yield Problem(rel, lineno, "file name is not UTF-8: its other bytes are escaped as %NN in the id", WARNING)


def _open_lines(path: Path) -> IO[bytes]:
    fh = _open_regular(path)
    if path.name.endswith(".gz"):
        return gzip.open(fh, "rb")  # type: ignore[return-value]
    return fh


#: How many bytes one JSONL line is read in at most at a time; a longer line is still read
#: whole (a record is a record), but the reader never asks for an unbounded buffer at once.
_READ_BLOCK = 1 << 20


def _read_jsonl(path: Path, rel: str, text_field: str, id_field: str) -> Iterator[Document | Problem]:
    try:
        fh = _open_lines(path)
    except OSError as exc:
        yield Problem(rel, None, f"cannot read: {exc.strerror}")
        return
    with fh:
        lineno = 0
        while True:
            try:
                raw = _read_line(fh)
            except (OSError, EOFError, zlib.error) as exc:  # gzip: cut short, bad header, damaged data
                what = "corrupt gzip stream" if path.name.endswith(".gz") else "cannot read"
                yield Problem(rel, lineno + 1 if lineno else None, f"{what}: {exc}")
                return
            if not raw:
                return
            lineno += 1
            if not raw.strip():
                continue
            yield from _parse_record(raw, rel, lineno, text_field, id_field)


def _read_line(fh: IO[bytes]) -> bytes:
    """One line, read a block at a time."""
    parts = []
    while True:
        part = fh.readline(_READ_BLOCK)
        parts.append(part)
        if len(part) < _READ_BLOCK or part.endswith(b"\n"):
            return b"".join(parts) if len(parts) > 1 else part


#: JSON deeper than this is refused: no document needs it, and the parser,
#: the pickler and the writers all recurse (a line of ``[[[[…`` ended runs).
MAX_JSON_DEPTH = 100


def _parse_record(raw: bytes, rel: str, lineno: int, text_field: str, id_field: str) -> Iterator[Document | Problem]:
    try:
        decoded = decode(raw)
    except UndecodableError as exc:
        yield Problem(rel, lineno, str(exc))
        return
    line, encoding = decoded.text, decoded.encoding
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        yield Problem(rel, lineno, f"invalid JSON: {exc.msg} at column {exc.colno}")
        return
    except RecursionError:
        yield Problem(rel, lineno, f"JSON nested too deeply (more than {MAX_JSON_DEPTH} levels)")
        return
    if json_depth(record) > MAX_JSON_DEPTH:
        yield Problem(rel, lineno, f"JSON nested too deeply (more than {MAX_JSON_DEPTH} levels)")
        return
    if _SURROGATE_ESCAPE.search(line) and _SURROGATE.search(json.dumps(record, ensure_ascii=False)):
        record = _replace_surrogates(record)
        yield Problem(rel, lineno, "lone surrogate escapes (half a character) replaced by U+FFFD", WARNING)
    item = _record_document(record, rel, lineno, encoding, text_field, id_field)
    if isinstance(item, Document):
        if decoded.lost:
            item.meta["lost_bytes"] = len(decoded.lost)
        yield from _read_warnings(rel, lineno, decoded)
    yield item


def json_depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (without recursing: it may be deep).

    >>> json_depth({"a": [1, [2]]}), json_depth("x")
    (3, 0)
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _record_document(
    record: Any, rel: str, lineno: int, encoding: str, text_field: str, id_field: str
) -> Document | Problem:
    if not isinstance(record, dict):
        return Problem(rel, lineno, f"a JSON object was expected, not {type(record).__name__}")
    text = record.get(text_field)
    if text is None:
        return Problem(rel, lineno, f"field {text_field!r} is missing")
    if not isinstance(text, str):
        return Problem(rel, lineno, f"field {text_field!r} must be a string, not {type(text).__name__}")
    rec_id = record.get(id_field)
    doc_id = str(rec_id) if isinstance(rec_id, (str, int)) and str(rec_id) else f"{rel}:{lineno}"
    meta: dict[str, Any] = {"line": lineno}
    if encoding != "utf-8":
        meta["encoding"] = encoding
    fields = {k: v for k, v in record.items() if k not in (text_field, id_field)}
    if fields:
        meta["fields"] = fields
    return Document(id=doc_id, text=text, source=rel, meta=meta)


# A JSON escape "\\ud83d" without its pair decodes to a lone surrogate: no
# UTF-8 file can hold it, so the text, the audit and the path could not be
# written. It is half a character (an emoji or an Extension B hanzi cut by a
# scraper), so it is read the way a decoder reads bytes it cannot decode.
# Escapes of paired halves (an emoji) decode to one character; only a line with
# such an escape is looked at further.
_SURROGATE_ESCAPE = regex.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = regex.compile(r"[\ud800-\udfff]")


def _replace_surrogates(value: Any) -> Any:
    """A parsed JSON value with every lone surrogate replaced by U+FFFD.

    >>> _replace_surrogates({"t": ["a\\ud83d"]})
    {'t': ['a\ufffd']}
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    return value


# -- safe paths ---------------------------------------------------------------------

# Characters that are unsafe or ambiguous in a file name on some system.
_UNSAFE = regex.compile(r'[\x00-\x1f\x7f<>:"|?*\\]')
_RESERVED = regex.compile(r"(?i)^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$")
_MAX_NAME_BYTES = 200
#: Every file the corpus holds ends so, and no folder does.
_FILE_SUFFIX = ".txt"


def safe_relpath(doc_id: str, folder: bool = False) -> PurePosixPath:
    """A relative path for a document id that cannot leave the output folder.

    ``..`` and empty components are dropped, a leading ``/`` or drive is
    ignored, unsafe characters become ``_``, over-long names are shortened. The
    last component becomes a ``.txt`` file name (with ``folder=True`` the whole
    path names a folder). A folder never ends in ``.txt``, in any case: one that
    would gets a ``_``, so a folder and a file never claim one name (ids ``a``
    and ``a.txt/b``). When anything had to change, a short hash of the original
    id is appended, so two different ids do not map to one file (the writer
    numbers the rare remaining clashes, such as ``a`` and ``a.txt``).

    >>> safe_relpath("news/a.txt")
    PurePosixPath('news/a.txt')
    >>> str(safe_relpath("news/123"))
    'news/123.txt'
    >>> str(safe_relpath("../../etc/passwd"))
    'etc/passwd~936d7c04.txt'
    >>> str(safe_relpath("data.jsonl:12"))
    'data.jsonl_12~77fb448f.txt'
    >>> str(safe_relpath("a.txt/b"))
    'a.txt_/b~21640496.txt'
    """
    original = doc_id
    doc_id = unicodedata.normalize("NFC", doc_id).replace("\\", "/")
    parts = []
    for part in doc_id.split("/"):
        if part in ("", ".", ".."):
            continue
        part = _UNSAFE.sub("_", part).strip(" .") or "_"
        if _RESERVED.match(part):
            part = "_" + part
        parts.append(_shorten(part, _MAX_NAME_BYTES))
    if not parts:
        parts = ["_"]
    for i in range(len(parts) if folder else len(parts) - 1):
        if parts[i].casefold().endswith(_FILE_SUFFIX):
            parts[i] += "_"
    changed = "/".join(parts) != original
    name = parts[-1]
    if not folder and name.endswith(_FILE_SUFFIX):
        name = name[: -len(_FILE_SUFFIX)]
    if changed:
        digest = hashlib.sha1(original.encode("utf-8")).hexdigest()[:8]
        name = f"{name}~{digest}"
    return PurePosixPath(*parts[:-1], name if folder else name + _FILE_SUFFIX)


def _shorten(name: str, max_bytes: int) -> str:
    """The longest prefix of ``name`` that fits in ``max_bytes`` of UTF-8, never half a character.

    >>> _shorten("中文名", 7)
    '中文'
    """
    # Cut the bytes once and drop a split character, rather than shortening
    # one character at a time: that re-encodes the name for every character and
    # takes hours on a JSONL id of a few hundred thousand characters.
    return name.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies under it (after resolving links)."""
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


# -- atomic writing ------------------------------------------------------------------


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", durable: bool = False) -> Iterator[IO[Any]]:
    """Write a file so that readers see the old version or the new one, never half.

    The content goes to a temporary file in the same folder, then is renamed
    over ``path``. If the block raises, the temporary file is removed and
    ``path`` is untouched. ``durable=True`` also fsyncs before the rename, which
    protects against power loss, not just a crashed process; it costs a disk
    flush per file, too much for a million corpus files.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual mode
        binary = "b" in mode
        with io.open(fd, "wb" if binary else "w", encoding=None if binary else "utf-8", newline=None if binary else "\n") as fh:
            yield fh
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Atomically write a text file (UTF-8, ``\\n`` line endings)."""
    with atomic_write(path) as fh:
        fh.write(text)
