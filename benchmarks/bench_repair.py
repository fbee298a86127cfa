"""Corruption benchmark for the repair stage: what it restores, what it leaves alone, how fast.

Clean People's Daily prose (``clean_news_text``) is cut into ~3 KB documents.
For each damage class, every document gets one instance of that damage at a
random place, made programmatically the way the damage arises (bytes encoded
one way and decoded another, a lead byte lost, junk inserted). The repair
stage runs, and per class the benchmark prints:

* ``restored``: the share of damaged characters that come back exactly
  (for insertions — junk, tags, invisible characters — the share of
  documents that come back identical);
* ``collateral``: characters changed outside the damaged span (should be 0).

Then mojibake spans inside otherwise clean lines (``run_spans``): a span of
4–40 characters that some other text became by a real misreading (UTF-8 read
as GBK, GBK read as UTF-8 with replacement, GBK read as Windows-1252, Big5 and
GBK read as each other; lossy ones included) inserted into a clean line of
the People's Daily sample. Per misreading: the share of lines that come back
with the span's text exactly, exactly but for ``〓`` where bytes were lost,
as the clean line (the junk removed), or with junk left.

Then false positives: characters changed on the clean text, on its
Traditional form (OpenCC s2t) and on generated text mixing English, code,
URLs and numbers. Then throughput in MB/s on clean and on damaged documents,
beside the raw floor (read + decode + one regex pass) measured in the same
process, and peak RSS.

    python benchmarks/bench_repair.py            # 1 MB of clean text
    python benchmarks/bench_repair.py --quick    # 40 KB, for the test suite
"""

from __future__ import annotations

import argparse
import difflib
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import opencc
import regex

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpora import clean_news_lines, clean_news_text, group_lines  # noqa: E402
from pipeline.document import Document  # noqa: E402
from pipeline.repair import LOST_MARKER, Repair  # noqa: E402

DOC_BYTES = 3_000


# -- corruption: how each class of damage arises ---------------------------------------


@dataclass(frozen=True)
class Damage:
    """A corrupted document: the text, and the original span that was damaged."""

    text: str
    start: int  # span of the original text that the damage covers
    end: int
    inserted: bool = False  # junk added rather than characters changed
    lost: frozenset[int] = frozenset()  # damaged characters whose bytes are gone: nothing can restore them


def _windows_1252(raw: bytes) -> str:
    """Decode as browsers decode windows-1252: the five undefined bytes map to C1 controls."""
    return "".join(bytes((b,)).decode("cp1252", errors="ignore") or chr(b) for b in raw)


def _span(rng: random.Random, text: str, low: int, high: int) -> tuple[int, int]:
    """A random span of ``low``–``high`` characters inside one line of ``text``."""
    while True:
        start = rng.randrange(len(text))
        end = min(start + rng.randint(low, high), len(text))
        if "\n" not in text[start:end] and end - start >= low:
            return start, end


def misread(encode: str, decode: Callable[[bytes], str], *, traditional: bool = False):
    """A corrupter that re-decodes a random span: bytes of ``encode`` read with ``decode``.

    Only spans whose misreading keeps every byte (the byte-reversible case)
    are used; the share of spans skipped is not a property of the repair.
    """

    def corrupt(rng: random.Random, text: str) -> Damage | None:
        for _ in range(50):
            start, end = _span(rng, text, 2, 24)
            try:
                raw = text[start:end].encode(encode)
                seen = decode(raw)
            except UnicodeError:
                continue
            if seen == text[start:end] or "\ufffd" in seen:
                continue
            return Damage(text[:start] + seen + text[end:], start, end)
        return None

    corrupt.traditional = traditional  # type: ignore[attr-defined]
    return corrupt


def _lenient_gbk(raw: bytes, drop_private: bool, dropped: list[int] | None = None) -> str:
    """Decode GBK like the decoder that damaged the seeds.

    A bad pair (a lead byte followed by a byte that cannot be a trail) becomes
    one ``?`` and swallows both bytes; user-defined pairs decode to private use,
    which ``drop_private`` then deletes (as in seed 000), noting the byte
    offset of each deleted pair in ``dropped``.
    """
    out, i = [], 0
    while i < len(raw):
        b = raw[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        pair = raw[i : i + 2]
        try:
            ch = pair.decode("gb18030") if len(pair) == 2 else "?"
        except UnicodeDecodeError:
            ch = "?"
        if not ("\ue000" <= ch <= "\uf8ff" and drop_private):
            out.append(ch)
        elif dropped is not None:
            dropped.append(i)
        i += 2
    return "".join(out)


def _fold_width(text: str) -> str:
    """Full-width ASCII forms to ASCII, as a later normalisation step did to the seeds."""
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)


def frameshift(*, marker: bool, drop_private: bool):
    """A corrupter that loses the lead byte of a random character of a line."""

    def corrupt(rng: random.Random, text: str) -> Damage | None:
        for _ in range(50):
            start = rng.randrange(len(text))
            if text[start] < "\x80":
                continue
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            raw = text[start:line_end].encode("gb18030")
            dropped: list[int] = []
            decoded = _lenient_gbk(raw[1:], drop_private, dropped)
            # the shift lasts until the decoder meets an ASCII byte
            resync = regex.search(r"[\x00-\x7f]", text[start:line_end])
            end = start + (resync.start() + 1 if resync else line_end - start)
            end = min(end, line_end)
            seen = ("?" if marker else "") + _fold_width(decoded)
            if seen == text[start:line_end]:
                continue
            # Lost for good: the character whose lead byte was lost, and both characters
            # of a dropped pair (byte i of raw[1:] is byte i + 1 of the line's characters).
            lost = {start} | {start + (i + 1) // 2 + k for i in dropped for k in (0, 1)}
            return Damage(
                text[:start] + seen + text[line_end:], start, end, lost=frozenset(lost & set(range(start, end)))
            )
        return None

    return corrupt


def insertion(make: Callable[[random.Random], str], *, at_line_end: bool = False):
    """A corrupter that inserts junk at a random place (or at the end of a random line)."""

    def corrupt(rng: random.Random, text: str) -> Damage | None:
        if at_line_end:
            ends = [m.start() for m in regex.finditer(r"\n", text)] + [len(text)]
            pos = rng.choice(ends)
        else:
            pos = rng.randrange(1, len(text))
            while text[pos - 1] == "\n" or text[pos] == "\n":
                pos = rng.randrange(1, len(text))
        return Damage(text[:pos] + make(rng) + text[pos:], pos, pos, inserted=True)

    return corrupt


def _entity(rng: random.Random, text: str) -> Damage | None:
    start, end = _span(rng, text, 1, 6)
    forms = ["&#x{:x};", "&#{};", "&amp;#x{:x};", "&amp;amp;#{};"]
    seen = "".join(rng.choice(forms).format(ord(c)) for c in text[start:end])
    return Damage(text[:start] + seen + text[end:], start, end)


def _unicode_escape(rng: random.Random, text: str) -> Damage | None:
    start, end = _span(rng, text, 2, 12)
    seen = "".join(f"\\u{ord(c):04x}" for c in text[start:end])
    return Damage(text[:start] + seen + text[end:], start, end)


def _inline_tag(rng: random.Random) -> str:
    return rng.choice(["<b>", "</b>", '<span class="x">', "</span>", "<font color=red>", '<a href="/n/1.html">'])


CLASSES: dict[str, Callable[[random.Random, str], Damage | None]] = {
    "gbk_frameshift (? marker, PUA kept)": frameshift(marker=True, drop_private=False),
    "gbk_frameshift (? marker, PUA dropped)": frameshift(marker=True, drop_private=True),
    "gbk_frameshift (silent loss)": frameshift(marker=False, drop_private=False),
    "utf8_as_gbk": misread("utf-8", lambda b: b.decode("gb18030")),
    "gbk_as_latin1": misread("gbk", _windows_1252),
    "utf8_as_cp1252": misread("utf-8", _windows_1252),
    "big5_as_gbk": misread("big5hkscs", lambda b: b.decode("gb18030"), traditional=True),
    "gbk_as_big5": misread("gbk", lambda b: b.decode("big5hkscs")),
    "html_entity": _entity,
    "literal_escape": _unicode_escape,
    "unrecoverable": insertion(
        lambda r: r.choice(["锟斤拷", "锟斤拷锟斤拷", "烫烫烫烫", "屯屯屯屯屯", "\ufffd\ufffd"])
    ),
    "html_tag": insertion(lambda r: r.choice(["</p>", "<br>", "<br/>", "</div>"]), at_line_end=True),
    "html_tag (inline)": insertion(_inline_tag),
    "invisible_char": insertion(lambda r: r.choice(["\u200b", "\ufeff", "\x07", "\u00ad", "\u200b\u200b"])),
}


# -- mojibake spans inside clean lines ---------------------------------------------------------
#
# A field of one page pasted into another: a clean line holds a span of 4–40
# characters that some other text became by a real misreading. Where the bytes
# allow it the span should come back as that text; where they do not (a decoder
# replaced bytes with U+FFFD) the junk should go, logged, rather than stay.


@dataclass(frozen=True)
class SpanCase:
    """A clean line with a mojibake span inserted at ``at``; ``truth`` is what the span was."""

    line: str
    at: int
    truth: str
    seen: str

    @property
    def text(self) -> str:
        return self.line[: self.at] + self.seen + self.line[self.at :]


def _gbk_as_utf8(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


#: Misreadings a span is made by: (bytes of, read as, uses Traditional text).
SPAN_MISREADINGS: dict[str, tuple[str, Callable[[bytes], str], bool]] = {
    "utf8_as_gbk": ("utf-8", lambda b: b.decode("gb18030", errors="replace"), False),
    "gbk_as_utf8 (replaced)": ("gbk", _gbk_as_utf8, False),
    "gbk_as_latin1": ("gbk", _windows_1252, False),
    "big5_as_gbk": ("big5hkscs", lambda b: b.decode("gb18030", errors="replace"), True),
    "gbk_as_big5": ("gbk", lambda b: b.decode("big5hkscs", errors="replace"), False),
}
SPAN_MIN, SPAN_MAX = 4, 40


def span_cases(rng: random.Random, lines: list[str], n: int, kind: str) -> list[SpanCase]:
    """``n`` lines, each with a span of ``kind`` misreading (4–40 characters) inserted between two characters."""
    encoding, decode, _ = SPAN_MISREADINGS[kind]
    cases: list[SpanCase] = []
    while len(cases) < n:
        line, source = rng.choice(lines), rng.choice(lines)
        length = rng.randint(2, 28)
        start = rng.randrange(max(1, len(source) - length))
        truth = source[start : start + length]
        try:
            seen = decode(truth.encode(encoding))
        except UnicodeError:
            continue
        if seen == truth or not SPAN_MIN <= len(seen) <= SPAN_MAX or len(line) < 10:
            continue
        cases.append(SpanCase(line, rng.randrange(1, len(line)), truth, seen))
    return cases


@dataclass
class SpanTally:
    cases: int = 0
    restored: int = 0  # the line with the span's text, exactly
    marked: int = 0  # the same but for the lost-character marker where bytes were lost
    removed: int = 0  # the clean line, the junk gone
    left: int = 0  # anything else: junk (or part of it) still there
    clean_changed: int = 0  # the line around the span did not survive as it was


def score_span(case: SpanCase, repaired: str, tally: SpanTally) -> None:
    tally.cases += 1
    before, after = case.line[: case.at], case.line[case.at :]
    truth = before + case.truth + after
    if repaired == truth:
        tally.restored += 1
    elif len(repaired) == len(truth) and all(a == b or a == LOST_MARKER for a, b in zip(repaired, truth)):
        tally.marked += 1
    elif repaired == case.line:
        tally.removed += 1
    else:
        tally.left += 1
    if not (repaired.startswith(before) and repaired.endswith(after)):
        tally.clean_changed += 1


def run_spans(stage: Repair, n: int, seed: int = 20240513) -> dict[str, SpanTally]:
    """Per misreading, what becomes of a mojibake span inside a clean line."""
    rng = random.Random(seed)
    simplified = [line for line in clean_news_lines() if len(line) >= 10]
    converter = opencc.OpenCC("s2t.json")
    tallies: dict[str, SpanTally] = {}
    for kind, (_, _, traditional) in SPAN_MISREADINGS.items():
        pool = [converter.convert(line) for line in simplified[: 4 * n]] if traditional else simplified
        tally = tallies.setdefault(kind, SpanTally())
        for case in span_cases(rng, pool, n, kind):
            repaired, _ = repair_text(stage, case.text, kind)
            score_span(case, repaired, tally)
    return tallies


def span_report(tallies: dict[str, SpanTally]) -> str:
    lines = ["mojibake span in a clean line            cases  restored    marked   removed      left  line changed"]
    total = SpanTally()
    for kind, t in tallies.items():
        lines.append(
            f"{kind:36s} {t.cases:9d} {t.restored / t.cases:9.1%} {t.marked / t.cases:9.1%} {t.removed / t.cases:9.1%}"
            f" {t.left / t.cases:9.1%} {t.clean_changed:13d}"
        )
        for field in ("cases", "restored", "marked", "removed", "left", "clean_changed"):
            setattr(total, field, getattr(total, field) + getattr(t, field))
    lines.append(
        f"{'all':36s} {total.cases:9d} {total.restored / total.cases:9.1%} {total.marked / total.cases:9.1%}"
        f" {total.removed / total.cases:9.1%}"
        f" {total.left / total.cases:9.1%} {total.clean_changed:13d}"
    )
    return "\n".join(lines)


# -- scoring -------------------------------------------------------------------------------


@dataclass
class Tally:
    instances: int = 0
    damaged: int = 0
    restored: int = 0
    collateral: int = 0
    lost: int = 0
    restored_rest: int = 0  # restored among the damaged characters that were not lost


def score(original: str, damage: Damage, repaired: str, tally: Tally) -> None:
    """Count damaged characters restored exactly, and characters changed outside the damage."""
    tally.instances += 1
    if damage.inserted:
        tally.damaged += 1
        tally.restored += repaired == original
        return
    tally.damaged += damage.end - damage.start
    tally.lost += len(damage.lost)
    # only the region between the common prefix and suffix needs aligning
    p = 0
    limit = min(len(original), len(repaired))
    while p < limit and original[p] == repaired[p]:
        p += 1
    q = 0
    while q < limit - p and original[-1 - q] == repaired[-1 - q]:
        q += 1
    kept = set(range(p)) | set(range(len(original) - q, len(original)))
    matcher = difflib.SequenceMatcher(
        None, original[p : len(original) - q], repaired[p : len(repaired) - q], autojunk=False
    )
    for block in matcher.get_matching_blocks():
        kept.update(range(p + block.a, p + block.a + block.size))
    span = range(damage.start, damage.end)
    tally.restored += sum(i in kept for i in span)
    tally.restored_rest += sum(i in kept for i in span if i not in damage.lost)
    changed = set(range(len(original))) - kept
    tally.collateral += sum(1 for i in changed if not damage.start <= i < damage.end)


def documents(text: str) -> list[str]:
    """Cut text into documents of about ``DOC_BYTES`` bytes at line breaks."""
    return group_lines(text.split("\n"), DOC_BYTES, lambda line: len(line.encode("utf-8")) + 1)


def repair_text(stage: Repair, text: str, name: str = "bench") -> tuple[str, int]:
    doc = stage.apply(Document(name, text))
    return doc.text, len(doc.edits)


# -- mixed English / code / URL / number text --------------------------------------------

MIXED_FRAGMENTS = (
    "See https://example.com/search?q=repair&lang=zh-CN&page=2 for details.",
    "The build took 12:40:28 on 2024-05-12, and 3709.7 MB/s is the peak (±0.5%).",
    'if (a < b && c > d) { printf("done\\n"); return x ? y : z; }',
    "List<String> names = new ArrayList<>(); Map<K, V> m;",
    'const s = "caf\\u00e9"; // JSON keeps \\u00e9 escaped',
    "Email bob@example.org or call +86 23-6378-2960 before 5 p.m.",
    "Müller, Straße, café, naïve, Ångström, déjà vu — all fine.",
    "AT&T and Procter & Gamble; price: $1,299.00 / €1.199,00 / ¥8,800.",
    "Family emoji 👨\u200d👩\u200d👧 and flags 🇨🇳 stay as they are.",
    "Python 3.11: `for i in range(10): print(i ** 2)`",
    "使用Python的pandas库处理CSV文件，版本1.5.3。",
    "运行状态如何?推进效率怎样?",
    "他说：“我们在2020-2022年完成了7+13项工作。”",
    "# Heading\n\n- item one\n- item two\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    "© 2024 Example Corp. All rights reserved. ™ ® §3.2",
    "SELECT id, name FROM users WHERE age >= 18 AND city = 'Chongqing';",
    'git commit -m "fix: handle \\\\n in paths" && git push origin main',
    "C:\\Users\\admin\\Documents\\report.docx was 2.4 MB.",
    "x = [1, 2, 3]; y = {'a': 1}; z = (4, 5)",
    "「引号」与『书名』，以及《纲要》和【注】都保留。",
)


def mixed_text(rng: random.Random, size: int) -> str:
    """Generated text mixing English, code, URLs, numbers and some Chinese."""
    out, total = [], 0
    while total < size:
        line = " ".join(rng.choice(MIXED_FRAGMENTS) for _ in range(rng.randint(1, 3)))
        out.append(line)
        total += len(line.encode("utf-8")) + 1
    return "\n".join(out)


# -- throughput ------------------------------------------------------------------------------

_FLOOR_PATTERN = regex.compile(r"\p{Han}+")


def floor_mb_s(docs: list[str]) -> float:
    """MB/s of reading the documents from disk, decoding and one regex pass: the least any stage costs."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, text in enumerate(docs):
            path = Path(tmp) / f"{i}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        size = sum(p.stat().st_size for p in paths)
        t0 = time.perf_counter()
        for path in paths:
            text = path.read_bytes().decode("utf-8")
            sum(1 for _ in _FLOOR_PATTERN.finditer(text))
        return size / 1e6 / (time.perf_counter() - t0)


def stage_mb_s(stage: Repair, docs: list[str]) -> float:
    size = sum(len(d.encode("utf-8")) for d in docs)
    t0 = time.perf_counter()
    for i, text in enumerate(docs):
        stage.apply(Document(str(i), text))
    return size / 1e6 / (time.perf_counter() - t0)


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Results:
    classes: dict[str, Tally]
    false_positives: dict[str, tuple[int, int, int]]  # sample -> (bytes, documents changed, characters changed)
    speed: dict[str, float]


def run(min_bytes: int, seed: int = 20240512) -> Results:
    stage = Repair()
    stage.apply(Document("warm", "预热"))  # load the model outside the timings
    clean = documents(clean_news_text(min_bytes))
    traditional = [opencc.OpenCC("s2t.json").convert(d) for d in clean]
    rng = random.Random(seed)

    classes: dict[str, Tally] = {}
    damaged_docs: list[str] = []
    for name, corrupt in CLASSES.items():
        tally = classes.setdefault(name, Tally())
        pool = traditional if getattr(corrupt, "traditional", False) else clean
        for i, original in enumerate(pool):
            damage = corrupt(rng, original)
            if damage is None:
                continue
            repaired, _ = repair_text(stage, damage.text, f"{name}:{i}")
            score(original, damage, repaired, tally)
            if len(damaged_docs) < len(clean):
                damaged_docs.append(damage.text)

    false_positives = {}
    mixed = documents(mixed_text(rng, max(min_bytes // 5, 20_000)))
    for label, docs in (("simplified", clean), ("traditional", traditional), ("mixed", mixed)):
        changed_docs = changed_chars = 0
        for i, text in enumerate(docs):
            doc = stage.apply(Document(f"{label}:{i}", text))
            if doc.edits:
                changed_docs += 1
                changed_chars += sum(max(len(e.before), len(e.after)) for e in doc.edits)
        false_positives[label] = (sum(len(d.encode("utf-8")) for d in docs), changed_docs, changed_chars)

    speed = {
        "floor": floor_mb_s(clean),
        "clean": stage_mb_s(stage, clean),
        "clean (Traditional)": stage_mb_s(stage, traditional),
        "damaged": stage_mb_s(stage, damaged_docs),
    }
    return Results(classes, false_positives, speed)


def report(results: Results) -> str:
    lines = [
        "damage class                              instances  damaged  restored   share  collateral"
        "  chars lost  share of the rest"
    ]
    for name, t in results.classes.items():
        share = t.restored / t.damaged if t.damaged else 0.0
        rest = f"{t.lost:11d} {t.restored_rest / (t.damaged - t.lost):18.2%}" if t.lost else ""
        lines.append(
            f"{name:40s} {t.instances:10d} {t.damaged:8d} {t.restored:9d} {share:7.2%} {t.collateral:11d} {rest}"
        )
    lines.append("")
    lines.append("false positives (clean input)            bytes  docs changed  chars changed")
    for label, (size, docs, chars) in results.false_positives.items():
        lines.append(f"{label:32s} {size:13,d} {docs:13d} {chars:14d}")
    lines.append("")
    floor = results.speed["floor"]
    lines.append("throughput                                MB/s   vs floor")
    for label, mb_s in results.speed.items():
        lines.append(f"{label:36s} {mb_s:9.1f} {mb_s / floor:9.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"peak RSS: {peak:.0f} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 KB of text instead of 1 MB (for the test suite)")
    parser.add_argument("--bytes", type=int, default=None, help="clean text to use (default 1,000,000)")
    args = parser.parse_args(argv)
    size = args.bytes or (40_000 if args.quick else 1_000_000)
    print(report(run(size)))
    print()
    print(span_report(run_spans(Repair(), 30 if args.quick else 400)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
