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
import gzip
import hashlib
import io
import json
import os
import tempfile
import unicodedata
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import regex

from .document import Document

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")


@dataclass(frozen=True, slots=True)
class Problem:
    """Input that could not be read: one line of the run report, and a warning."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "message": self.message}


class UndecodableError(ValueError):
    """Bytes that are binary or in no encoding cleancorpus reads."""


# -- encodings -----------------------------------------------------------------

# The legacy encodings Chinese web text arrives in. GB18030 decodes everything
# GBK and GB2312 decode (it is their superset); cp950 is Microsoft's Big5.
_LEGACY = ("gb18030", "big5", "cp950")


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
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass  # a BOM followed by something else: fall through to detection
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                break
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _mostly_nul(text.count("\x00"), len(text)):
            raise UndecodableError("binary file (NUL bytes)")
        return text, "utf-8"
    if _mostly_nul(data.count(0), len(data)):  # before decoding: binary files are large
        raise UndecodableError("binary file (NUL bytes)")
    decodings: dict[str, str] = {}
    for name in _LEGACY:
        try:
            decodings[name] = data.decode(name)
        except UnicodeDecodeError:
            continue
    if not decodings:
        raise UndecodableError("not UTF-8, GB18030 or Big5 (undecodable bytes)")
    if len(decodings) == 1 or "gb18030" not in decodings:
        name = next(iter(decodings))
        return decodings[name], "big5" if name == "cp950" else name
    return _choose(data, decodings)


def _mostly_nul(nuls: int, length: int) -> bool:
    """More than 1% NUL: a binary file (or UTF-16 without a BOM), not text.

    A stray NUL in scraped text, in any encoding, is damage the repair stage
    removes; it does not make the whole document unreadable.
    """
    return nuls * 100 > length


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


def _walk(folder: Path, base: Path | None = None, enclosing: frozenset[Path] = frozenset()) -> Iterator[Path | Problem]:
    """The files :func:`iter_files` lists, with a :class:`Problem` for each folder it cannot read.

    Links to folders are followed, except a link back to a folder the walk is
    already inside (``enclosing``, resolved paths): that would read the tree
    again at every level.
    """
    base = base or folder
    enclosing = enclosing | {folder.resolve()}
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield Problem(folder.relative_to(base).as_posix(), None, f"cannot read folder: {exc.strerror}")
        return
    for path in entries:
        if path.name.startswith("."):
            continue
        if path.is_dir():
            if path.resolve() in enclosing:
                yield Problem(path.relative_to(base).as_posix(), None, "link to an enclosing folder, not followed")
            else:
                yield from _walk(path, base, enclosing)
        elif path.is_file() and path.name.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES):
            yield path


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
        rel = path.relative_to(base).as_posix()
        if path.name.endswith(TEXT_SUFFIXES):
            items: Iterator[Document | Problem] = _read_txt(path, rel)
        elif path.name.endswith(JSONL_SUFFIXES):
            items = _read_jsonl(path, rel, text_field, id_field)
        else:
            items = iter([Problem(rel, None, "not a .txt, .jsonl or .jsonl.gz file")])
        for item in items:
            if isinstance(item, Document):
                item.seq = seq
                seq += SEQ_STEP
            yield item


def _read_txt(path: Path, rel: str) -> Iterator[Document | Problem]:
    try:
        data = path.read_bytes()
        text, encoding = decode_bytes(data)
    except OSError as exc:
        yield Problem(rel, None, f"cannot read: {exc.strerror}")
        return
    except UndecodableError as exc:
        yield Problem(rel, None, str(exc))
        return
    # A final newline terminates the last line; it is not content. (Writers add
    # it back, so cleaning the output again changes nothing.)
    if text.endswith("\n"):
        text = text[:-1]
    meta = {} if encoding == "utf-8" else {"encoding": encoding}
    yield Document(id=rel, text=text, source=rel, meta=meta)


def _open_lines(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


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
                raw = fh.readline()
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


def _parse_record(raw: bytes, rel: str, lineno: int, text_field: str, id_field: str) -> Iterator[Document | Problem]:
    try:
        line, encoding = decode_bytes(raw)
    except UndecodableError as exc:
        yield Problem(rel, lineno, str(exc))
        return
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        yield Problem(rel, lineno, f"invalid JSON: {exc.msg} at column {exc.colno}")
        return
    if _SURROGATE_ESCAPE.search(line) and _SURROGATE.search(json.dumps(record, ensure_ascii=False)):
        record = _replace_surrogates(record)
        yield Problem(rel, lineno, "lone surrogate escapes (half a character) replaced by U+FFFD")
    yield _record_document(record, rel, lineno, encoding, text_field, id_field)


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
