"""Generalisation benchmark for junk removal: fourteen noise families injected into clean sources.

    python -m benchmarks.bench_noise                    # both halves, full size (about 2 minutes on 2 cores)
    python -m benchmarks.bench_noise --half dev         # while tuning: leave the test half unseen
    python -m benchmarks.bench_noise --quick            # small, for the tests (figures printed, never asserted)
    python -m benchmarks.bench_noise --family ads --show 10 --half dev

Clean documents of three genres (:mod:`benchmarks.sources`: ``news``, ``reviews``,
``debian-docs``; a missing source is skipped with its reason) get 1–3 noise items each
from :mod:`benchmarks.noise` (its docstring and docs/noise.md describe the families).
Documents of a half are those :func:`benchmarks.sources.half_of` puts there, templates
of a half those at even (``dev``) or odd (``test``) index. Both the clean documents
alone (the *reference*: what the pipeline keeps of a page with nothing wrong with it,
so pass-through changes are not counted here; ``bench_passthrough`` measures those)
and the noisy documents run through the real default pipeline (``run_pipeline``,
default :class:`~pipeline.config.Config`, JSONL in a temporary folder). Documents the
run split off a page (ids not among the inputs, ``ID#2``) are counted as part of it:
junk split out is still in the corpus, text split out is not lost.

Every text compared is *folded* first (:func:`benchmarks.noise.fold`: NFKC, no spaces
or invisible characters, one newline per break), so width, spacing and layout
normalisation count as neither kept nor lost.

**Residue** of an item: the share of its injected characters (its probes, each put
alone through whitespace, repair and normalize — mojibake without repair, since
repairing it is the point — then folded; a probe those stages alone shorten by more
than a tenth, such as a markdown link or image, is measured as written, because
removing it is cleaning, not normalisation) still in the output *beyond* what the
reference holds: the output's character bigrams (single characters for one-character
probes) minus the reference's, as multisets, consumed probe by probe; a probe character
counts when a bigram covering it is consumed. Bigrams rather than longer n-grams so that a
junk line the pipeline only trimmed (``标题_频道_网站`` → ``标题频道网站``) counts for the
characters it still has. Subtracting the reference keeps real text out
of it (a duplicated paragraph or a repeated title is residue only in its second copy;
a title fragment stuffed into sentences only where it was added). For ``broken`` the
unit is the break: a newline with four characters either side still in the output.

**Real text lost**: the share of the reference's characters not found in the output,
and **restoration**: the character F1 of output against reference (precision = output
characters found in the reference). "Found" is a linear-time match: whole lines by
multiset first, then, for the lines left over, the character 4-grams they share with
the other side's left-over lines (a character counts when a shared 4-gram covers it).
Line matching first makes the common case exact and order-blind (the pipeline moves
nothing); 4-grams then credit lines the pipeline edited (a removed inline ad, a
rejoined broken paragraph) for what they still hold, so one deleted character costs one
character, not a line. difflib would be quadratic in the page; this is linear.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import sources
from benchmarks.bench_passthrough import Run, _normalised_lines
from benchmarks.noise import FAMILIES, POSITIONS, Case, Item, fold, make_cases

HALVES = ("dev", "test")
#: n-gram size of the residue match: 2, so a junk line the pipeline only trimmed (an
#: underscore or a bracket taken out) still counts for the characters it keeps; the
#: reference's n-grams are subtracted, so real text does not count however short n is.
RESIDUE_N = 2
SOURCES = ("news", "reviews", "debian-docs")

# --------------------------------------------------------------------------- measures


def _lines(text: str) -> list[str]:
    return [ln for ln in fold(text).split("\n") if ln]


def _ngrams(lines: list[str], n: int) -> Counter[str]:
    grams: Counter[str] = Counter()
    for ln in lines:
        grams.update(ln[i : i + n] for i in range(len(ln) - n + 1))
    return grams


def _cover(text: str, grams: Counter[str], n: int) -> int:
    """Characters of ``text`` covered by n-grams taken (consumed) from ``grams``."""
    n = min(n, len(text))
    if n == 0:
        return 0
    hit = bytearray(len(text))
    for i in range(len(text) - n + 1):
        gram = text[i : i + n]
        if grams[gram] > 0:
            grams[gram] -= 1
            hit[i : i + n] = b"\x01" * n
    return sum(hit)


def found(a: list[str], b: list[str]) -> int:
    """Characters of lines ``a`` found in lines ``b``: whole lines first, then 4-grams of the leftovers.

    >>> found(["今天天气很好。", "我们去公园。"], ["今天天气很好。", "我们去公园散步。"])
    12
    >>> found(["abc"], ["xabcx"]), found(["abcdefgh"], ["abcd", "efgh"])
    (3, 8)
    """
    available = Counter(b)
    kept, missing = 0, []
    for line in a:
        if available[line] > 0:
            available[line] -= 1
            kept += len(line)
        else:
            missing.append(line)
    if missing:
        rest = [ln for ln, k in available.items() for _ in range(k)]
        grams: dict[int, Counter[str]] = {}
        for line in missing:
            n = min(4, len(line))
            if n not in grams:
                grams[n] = _ngrams(rest, n)
            kept += _cover(line, grams[n], n)
    return kept


@dataclass
class Probe:
    """An item's probes ready to measure (prepared as the pipeline would change them, folded)."""

    item: Item
    texts: list[str]

    @property
    def size(self) -> int:
        return len(self.texts) if self.item.unit == "breaks" else sum(map(len, self.texts))


def prepare(items: list[Item]) -> list[Probe]:
    """Each item's probes put alone through whitespace, repair (not for mojibake) and normalize, then folded.

    A probe those stages shorten by more than a tenth is kept as written (folded).
    """
    from pipeline.document import Document
    from pipeline.normalize import Normalize
    from pipeline.whitespace import Whitespace

    plain = [Whitespace(), Normalize()]
    out = []
    for item in items:
        if item.unit == "breaks":
            out.append(Probe(item, list(item.probes)))
            continue
        if item.repair:
            texts = ["".join(lines) for lines in _normalised_lines(item.probes)]
        else:
            texts = []
            for probe in item.probes:
                doc = Document("probe", probe)
                for stage in plain:
                    doc = stage.apply(doc)
                texts.append(doc.text)
        prepared = []
        for raw, text in zip(item.probes, texts):
            raw_f, text_f = fold(raw), fold(text)
            # A stage that removes the probe's own characters (markdown links and images,
            # stray tags) is cleaning, not normalisation: measure such a probe as written.
            prepared.append(text_f if len(text_f) >= 0.9 * len(raw_f) else raw_f)
        out.append(Probe(item, [t for t in prepared if t]))
    return out


def _breaks(text: str) -> Counter[str]:
    r"""Every line break of folded ``text`` with up to four characters of its lines either side.

    >>> sorted(_breaks("一二三四五\n六七\n八九十").items())
    [('二三四五\n六七', 1), ('六七\n八九十', 1)]
    """
    lines = text.split("\n")
    return Counter(f"{a[-4:]}\n{b[:4]}" for a, b in zip(lines, lines[1:]))


def residue(probes: list[Probe], output: str, reference: str) -> list[int]:
    """Units of each item still in ``output`` beyond ``reference`` (characters, or breaks for ``broken``).

    >>> from benchmarks.noise import Item
    >>> ad = Item("ads", "loans", 0, "dev", "tail", "贷款热线", ("贷款热线",))
    >>> residue([Probe(ad, ["贷款热线"])], "正文。\\n贷款热线", "正文。"), residue([Probe(ad, ["贷款热线"])], "正文。", "正文。")
    ([4], [0])
    """
    out_f, ref_f = fold(output), fold(reference)
    excess: dict[int, Counter[str]] = {}
    breaks: Counter[str] = Counter()  # a break's context: times in the output beyond the reference
    kept = []
    for probe in probes:
        if probe.item.unit == "breaks":
            if not breaks:
                breaks = _breaks(out_f)
                breaks.subtract(_breaks(ref_f))
            units = 0
            for p in probe.texts:
                if breaks[p] > 0:
                    breaks[p] -= 1
                    units += 1
            kept.append(units)
            continue
        total = 0
        for text in probe.texts:
            n = min(RESIDUE_N, len(text))
            if n not in excess:
                excess[n] = _ngrams([out_f], n) - _ngrams([ref_f], n)
            total += _cover(text, excess[n], n)
        kept.append(total)
    return kept


# --------------------------------------------------------------------------- running


def _merged(run: Run) -> dict[str, str]:
    """Output text per input id, documents split off a page (``ID#2``) appended to it."""
    out: dict[str, list[str]] = defaultdict(list)
    for doc_id in sorted(run.outputs):
        base = doc_id
        while base not in run.inputs and "#" in base:
            base = base.rsplit("#", 1)[0]
        out[base].append(run.outputs[doc_id])
    return {k: "\n\n".join(v) for k, v in out.items()}


@dataclass
class Tally:
    """Sums for one group of items or documents."""

    items: int = 0
    size: int = 0
    kept: int = 0
    docs: int = 0
    ref: int = 0
    lost: int = 0
    out: int = 0
    out_found: int = 0
    inp: int = 0
    inp_found: int = 0
    by_pos: dict[str, list[int]] = field(default_factory=lambda: {p: [0, 0, 0] for p in POSITIONS})

    def add_item(self, position: str, size: int, kept: int) -> None:
        self.items += 1
        self.size += size
        self.kept += kept
        cell = self.by_pos[position]
        cell[0] += 1
        cell[1] += size
        cell[2] += kept

    def add_doc(self, ref: int, lost: int, out: int, out_found: int, inp: int, inp_found: int) -> None:
        self.docs += 1
        self.ref += ref
        self.lost += lost
        self.out += out
        self.out_found += out_found
        self.inp += inp
        self.inp_found += inp_found


def _f1(found_ref: int, ref: int, found_out: int, out: int) -> float:
    recall = found_ref / max(1, ref)
    precision = found_out / max(1, out)
    return 0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision)


def _pct(kept: int, size: int) -> str:
    return f"{kept / size:.1%}" if size else "—"


def measure_half(half: str, docs: dict[str, list[tuple[str, str]]], per_cell: int, families: list[str] | None,
                 workers: int, tmp: Path, show: int, dump: Path | None = None) -> dict[str, Tally]:
    t0 = time.perf_counter()
    cases = make_cases(half, docs, per_cell=per_cell, families=families)
    ref_run = Run(((c.id, c.clean) for c in cases), tmp, f"ref-{half}", workers)
    noisy_run = Run(((c.id, c.text) for c in cases), tmp, f"noisy-{half}", workers)
    refs, outs = _merged(ref_run), _merged(noisy_run)
    fam: dict[str, Tally] = defaultdict(Tally)
    kinds: dict[tuple[str, str], Tally] = defaultdict(Tally)
    src: dict[str, Tally] = defaultdict(Tally)
    total = Tally()
    breaks_total = Tally()
    survivors: dict[str, list[tuple[float, Case, Item]]] = defaultdict(list)
    losses: list[tuple[int, Case, list[str]]] = []
    unmeasured = no_ref = dropped = 0
    for case in cases:
        if case.id not in refs:
            no_ref += 1
            continue
        ref, out = refs[case.id], outs.get(case.id, "")
        dropped += case.id not in outs
        if dump:  # the pages as the pipeline saw them, their output and their truth, to read
            page = dump / case.id.replace("/", "_")
            for suffix, content in ((".in.txt", case.text), (".out.txt", out), (".ref.txt", ref)):
                page.with_name(page.name + suffix).write_text(content, encoding="utf-8")
        probes = prepare(list(case.items))
        kept = residue(probes, out, ref)
        ref_l, out_l, inp_l = _lines(ref), _lines(out), _lines(case.text)
        ref_chars = sum(map(len, ref_l))
        lost = ref_chars - found(ref_l, out_l)
        doc_figures = (ref_chars, lost, sum(map(len, out_l)), found(out_l, ref_l),
                       sum(map(len, inp_l)), found(inp_l, ref_l))
        if lost:
            out_set = set(out_l)
            losses.append((lost, case, [ln for ln in ref_l if ln not in out_set]))
        src[case.source].add_doc(*doc_figures)
        total.add_doc(*doc_figures)
        for probe, k in zip(probes, kept):
            item = probe.item
            if probe.size == 0:
                unmeasured += 1
                continue
            fam[item.family].add_item(item.position, probe.size, k)
            kinds[(item.family, item.kind)].add_item(item.position, probe.size, k)
            if item.unit == "breaks":
                breaks_total.add_item(item.position, probe.size, k)
            else:
                total.add_item(item.position, probe.size, k)
                src[case.source].add_item(item.position, probe.size, k)
            if k:
                survivors[item.family].append((k / probe.size, case, item))
        for family in {it.family for it in case.items}:
            fam[family].add_doc(*doc_figures)
    counts = Counter(c.source for c in cases)
    new_docs = sum(1 for k in noisy_run.outputs if k not in noisy_run.inputs)
    print(f"== {half} half: {len(cases)} documents ({', '.join(f'{s} {n}' for s, n in counts.items())}), "
          f"{sum(len(c.items) for c in cases)} items; reference run {ref_run.seconds:.1f} s, noisy run "
          f"{noisy_run.seconds:.1f} s ({sum(len(c.text.encode()) for c in cases) / 1e6 / noisy_run.seconds:.2f} MB/s) ==")
    print(f"noisy documents dropped whole: {dropped}; documents split off: {new_docs}; "
          f"without reference (clean page dropped alone): {no_ref}; items with nothing to measure: {unmeasured}")
    print()
    print("| half | family | items | residue | head | middle | tail | inline | real text lost in its pages |")
    print("|---|---|---|---|---|---|---|---|---|")
    for family in FAMILIES:
        if family not in fam:
            continue
        t = fam[family]
        cells = [f"{_pct(c[2], c[1])} ({c[0]})" if c[0] else "—" for c in (t.by_pos[p] for p in POSITIONS)]
        unit = " of breaks" if family == "broken" else ""
        print(f"| {half} | {family} | {t.items} | {_pct(t.kept, t.size)}{unit} | {' | '.join(cells)} | "
              f"{t.lost / max(1, t.ref):.2%} |")
    cells = [f"{_pct(c[2], c[1])} ({c[0]})" for c in (total.by_pos[p] for p in POSITIONS)]
    print(f"| {half} | all but broken (characters) | {total.items} | {_pct(total.kept, total.size)} | "
          f"{' | '.join(cells)} | {total.lost / max(1, total.ref):.2%} |")
    print()
    print("| half | source | documents | items | residue (characters) | real text lost | restoration F1 | "
          "precision / recall | F1 of the input before cleaning |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, t in [*sorted(src.items()), ("all", total)]:
        recall = (t.ref - t.lost) / max(1, t.ref)
        print(f"| {half} | {name} | {t.docs} | {t.items} | {_pct(t.kept, t.size)} | {t.lost / max(1, t.ref):.2%} | "
              f"{_f1(t.ref - t.lost, t.ref, t.out_found, t.out):.4f} | {t.out_found / max(1, t.out):.4f} / "
              f"{recall:.4f} | {_f1(t.inp_found, t.ref, t.inp_found, t.inp):.4f} |")
    print(f"overall ({half}): residue {_pct(total.kept, total.size)} of {total.size:,} injected characters "
          f"(broken lines: {_pct(breaks_total.kept, breaks_total.size)} of {breaks_total.size:,} breaks); "
          f"real text lost {total.lost / max(1, total.ref):.2%} of {total.ref:,} reference characters; "
          f"restoration F1 {_f1(total.ref - total.lost, total.ref, total.out_found, total.out):.4f}")
    print()
    print(f"Residue by kind ({half}): " + "; ".join(
        f"{f}/{k} {_pct(t.kept, t.size)} ({t.items})" for (f, k), t in sorted(kinds.items())))
    if show:
        print()
        print(f"Surviving items ({half}; up to {show} per family, most left first):")
        for family in FAMILIES:
            rows = sorted(survivors.get(family, []), key=lambda r: (-r[0], r[1].id))[:show]
            for share, case, item in rows:
                text = item.text.replace("\r", "␍").replace("\n", "⏎")
                text = text if len(text) <= 100 else text[:99] + "…"
                print(f"  {family}#{item.template} {item.kind} {item.position} {case.id}: {share:.0%} left: {text}")
    if show:
        print()
        print(f"Pages losing the most real text ({half}; up to {show}): characters lost, items, reference lines not kept whole")
        for lost, case, lines in sorted(losses, key=lambda r: (-r[0], r[1].id))[:show]:
            items = ", ".join(f"{it.family}#{it.template} {it.position}" for it in case.items)
            print(f"  {case.id}: {lost} characters; {items}")
            for line in lines[:3]:
                print(f"      {line if len(line) <= 100 else line[:99] + '…'}")
    print(f"({half} half measured in {time.perf_counter() - t0:.1f} s)")
    print()
    return fam


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--half", choices=("dev", "test", "both"), default="both",
                        help="which half (while tuning detectors: dev only, and leave test unseen until the end)")
    parser.add_argument("--quick", action="store_true", help="one item per family × position and half (the tests)")
    parser.add_argument("--per-cell", type=int, default=None, help="items per family × position (default 24, quick 1)")
    parser.add_argument("--family", choices=list(FAMILIES), action="append", help="only this family (repeatable)")
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="print N surviving items per family and the N pages losing the most real text")
    parser.add_argument("--workers", type=int, default=None, help="pipeline workers (default: all cores; 1 with --quick)")
    parser.add_argument("--dump", type=Path, default=None, metavar="DIR",
                        help="write each page's noisy input, output and reference to DIR (to read; dev half only, by habit)")
    args = parser.parse_args(argv)
    per_cell = args.per_cell or (1 if args.quick else 24)
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
    workers = args.workers if args.workers is not None else (1 if args.quick else 0)
    t0 = time.perf_counter()
    docs = {}
    for name in SOURCES:
        loaded, why = sources.load(name)
        if why:
            print(f"skipped {name}: {why}")
            continue
        docs[name] = loaded
    if not docs:
        print("no source installed: nothing to measure")
        return 1
    print(f"noise benchmark: {len(args.family or FAMILIES)} families, {per_cell} items per family × position "
          f"and half; templates: even index dev, odd test; documents: sources.half_of")
    print()
    halves = HALVES if args.half == "both" else (args.half,)
    with tempfile.TemporaryDirectory(prefix="cc-noise-") as tmp:
        for half in halves:
            measure_half(half, docs, per_cell, args.family, workers, Path(tmp), args.show, args.dump)
    print(f"total wall time {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
