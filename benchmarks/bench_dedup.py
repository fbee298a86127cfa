"""Quality and speed of near-duplicate detection (the ``dedup`` stage).

Quality
    A synthetic Chinese corpus — articles built from People's Daily paragraphs
    (``clean_news()``) and from the seeds' sentences — with planted near-copies
    of known kinds (character edits at 1–15 %, a paragraph added or removed, a
    Taiwan-phrased Traditional mirror converted back as the normalise stage
    would, other boilerplate, truncation, a re-post combining several of these),
    sliding-window chains, and hard negatives (different articles sharing a long
    boilerplate block or a quoted paragraph). The true Jaccard similarity of the
    character n-gram *strings* is computed by brute force (independent of the
    stage's hashing) for every linked pair, every planted pair, and every pair
    of a random sample. Printed per n-gram size and threshold: precision of the
    links, recall for pairs with true Jaccard ≥ threshold + 0.05, hard
    negatives and chain ends merged, the largest cluster, and per kind of copy
    the share that was removed.

Speed
    Signature MB/s on one core against datasketch's ``update_batch`` on the
    same documents (a ratio measured in the same process), bytes of state per
    document against ``MinHashLSH``, and the end-to-end ``cleancorpus dedup``
    of N JSONL documents of about 3 KB in a subprocess (wall time, peak RSS).

Usage::

    python benchmarks/bench_dedup.py              # everything (e2e on 100,000 documents: minutes)
    python benchmarks/bench_dedup.py --quick      # small sizes, seconds (the test suite runs this)
    python benchmarks/bench_dedup.py quality      # only the n × threshold table
    python benchmarks/bench_dedup.py speed
    python benchmarks/bench_dedup.py e2e --docs 100000 --workers 2
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import opencc
import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpora import clean_news, seed_paragraphs  # noqa: E402
from pipeline.dedup import Dedup, DedupSummary, Observation  # noqa: E402
from pipeline.document import Document  # noqa: E402
from pipeline.minhash import band_keys, fold, shingle_hashes  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
NGRAMS = (3, 4, 5)
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8)
COPY_KINDS = (
    "exact", "layout", "edit_1", "edit_2", "edit_3", "edit_5", "edit_8", "edit_10", "edit_15",
    "para_added", "para_removed", "traditional", "boilerplate", "truncated_90", "truncated_75", "repost",
)  # fmt: skip


# -- the synthetic corpus ----------------------------------------------------------------


@dataclass
class BenchDoc:
    text: str
    family: int  # the article it derives from: same family = a true duplicate relation
    kind: str  # "original", a copy kind, "chain", "hard_negative"
    parent: int = -1  # the document it was copied from


@dataclass
class Corpus:
    docs: list[BenchDoc] = field(default_factory=list)
    hard_groups: list[list[int]] = field(default_factory=list)  # different articles sharing a block
    chains: list[list[int]] = field(default_factory=list)

    def add(self, doc: BenchDoc) -> int:
        self.docs.append(doc)
        return len(self.docs) - 1


@functools.cache
def _opencc(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@functools.cache
def seed_sentences() -> tuple[str, ...]:
    """The seeds' sentences in Simplified script (as the normalise stage would give them)."""
    t2s = _opencc("t2s")
    return tuple(
        s for para in seed_paragraphs() for s in regex.split(r"(?<=[。！？])", t2s.convert(para)) if len(s) >= 15
    )


@functools.cache
def _alphabet() -> str:
    counts = Counter("".join(clean_news()[:2000]))
    return "".join(c for c, _ in counts.most_common(3000) if "\u4e00" <= c <= "\u9fff")


def edit_chars(text: str, rate: float, rng: random.Random) -> str:
    """Substitute, insert or delete ``rate`` of the characters at random positions."""
    chars = list(text)
    alphabet = _alphabet()
    for _ in range(max(1, round(len(chars) * rate))):
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.6:
            chars[i] = rng.choice(alphabet)
        elif op < 0.8:
            chars.insert(i, rng.choice(alphabet))
        elif len(chars) > 1:
            del chars[i]
    return "".join(chars)


def change_layout(text: str, rng: random.Random) -> str:
    """Same words, other layout: half-width punctuation, spaces, line breaks, full-width digits."""
    text = text.replace("，", ", ").replace("。", ". ").replace("：", ":")
    text = regex.sub(r"[0-9]", lambda m: chr(ord(m.group()) + 0xFEE0), text)
    def maybe_space(m: regex.Match[str]) -> str:
        return m.group(1) + (" " if rng.random() < 0.05 else "") + m.group(2)

    text = regex.sub(r"(\p{Han})(\p{Han})", maybe_space, text)
    return text.replace("\n", "\n\n    ")


_SITES = ("新华网", "人民网", "中国新闻网", "央视网", "光明网", "环球网", "澎湃新闻", "中国日报网")
_NAMES = ("王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽")


def boilerplate(rng: random.Random) -> tuple[str, str]:
    """A header and footer of the kind rules do not know (site, editor, date, share links)."""
    site, name = rng.choice(_SITES), rng.choice(_NAMES)
    day = f"{rng.randint(1998, 2023)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    date = f"{day} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    header = f"来源：{site}　作者：{rng.choice(_NAMES)}　{date}　字号：大 中 小"
    footer = rng.choice(
        (
            f"（责任编辑：{name}）\n【打印本页】【关闭窗口】【我要纠错】",
            f"本文来源于{site}，转载请注明出处。编辑：{name}",
            f"分享到：微信 微博 QQ空间\n相关新闻\n{site}版权所有",
        )
    )
    return header, footer


def _article(paragraphs: list[str]) -> str:
    return "\n".join(paragraphs)


def make_copy(kind: str, paragraphs: list[str], rng: random.Random, pool: tuple[str, ...]) -> str:
    """A near-copy of an article (given as paragraphs) of the named kind."""
    text = _article(paragraphs)
    if kind == "exact":
        return text
    if kind == "layout":
        return change_layout(text, rng)
    if kind.startswith("edit_"):
        return edit_chars(text, int(kind[5:]) / 100, rng)
    if kind == "para_added":
        extra = list(paragraphs)
        extra.insert(rng.randrange(len(extra) + 1), rng.choice(pool))
        return _article(extra)
    if kind == "para_removed":
        fewer = list(paragraphs)
        del fewer[rng.randrange(len(fewer))]
        return _article(fewer)
    if kind == "traditional":  # a Taiwan mirror (other vocabulary), normalised back to Simplified
        return _opencc("t2s").convert(_opencc("s2twp").convert(text))
    if kind == "boilerplate":
        header, footer = boilerplate(rng)
        return f"{header}\n{text}\n{footer}"
    if kind.startswith("truncated_"):
        return text[: len(text) * int(kind[10:]) // 100]
    if kind == "repost":
        header, footer = boilerplate(rng)
        extra = list(paragraphs) + [rng.choice(pool)]
        return f"{header}\n{edit_chars(_article(extra), 0.02, rng)}\n{footer}"
    raise ValueError(kind)


def build_corpus(n_base: int, seed: int = 7) -> Corpus:
    """About ``2 * n_base`` documents: originals, planted copies, chains, hard negatives."""
    rng = random.Random(seed)
    news = clean_news()
    sentences = seed_sentences()
    corpus = Corpus()
    bases: list[tuple[int, list[str]]] = []
    family = 0
    for i in range(n_base):
        if i % 10 == 9:  # one article in ten is made of the seeds' sentences
            paragraphs = ["".join(rng.sample(sentences, 2)) for _ in range(rng.randint(3, 6))]
        else:
            paragraphs = rng.sample(news, rng.randint(4, 9))
        bases.append((corpus.add(BenchDoc(_article(paragraphs), family, "original")), paragraphs))
        family += 1
    for i in range(int(n_base * 0.72)):  # planted copies: every kind equally often
        kind = COPY_KINDS[i % len(COPY_KINDS)]
        parent, paragraphs = rng.choice(bases)
        fam = corpus.docs[parent].family
        corpus.add(BenchDoc(make_copy(kind, paragraphs, rng, news), fam, kind, parent))
    # chains: slide a 10-paragraph window by one paragraph; chains use disjoint stretches of text
    for start in rng.sample(range(0, len(news) - 20, 20), max(2, n_base // 40)):
        windows = [list(news[start + k : start + k + 10]) for k in range(5)]
        chain = [corpus.add(BenchDoc(_article(window), family, "chain")) for window in windows]
        for a, b in zip(chain, chain[1:]):
            corpus.docs[b].parent = a
        corpus.chains.append(chain)
        family += 1
    for g in range(max(2, n_base // 30)):  # hard negatives: 4 different articles sharing one block
        if g % 2:
            block = "".join(rng.sample(sentences, rng.randint(3, 8)))  # a long boilerplate block
        else:
            block = "“" + "".join(rng.sample(news, 2)) + "”"  # a long quoted passage
        group = []
        for _ in range(4):
            # the block is 0.3 to 2 times as long as the article's own text: up to half of
            # the shingles of two such documents are shared (true Jaccard up to about 0.5)
            body = rng.sample(news, rng.randint(1, 9))
            while sum(map(len, body)) < len(block) / 2:
                body.append(rng.choice(news))
            while len(body) > 1 and sum(map(len, body)) > len(block) / 0.3:
                body.pop()
            body.insert(rng.randrange(len(body) + 1), block)
            group.append(corpus.add(BenchDoc(_article(body), family, "hard_negative")))
            family += 1
        corpus.hard_groups.append(group)
    return corpus


# -- true similarity, by brute force on strings -------------------------------------------------


class TrueJaccard:
    """Exact Jaccard of character n-gram *string* sets of the comparison form (no hashing)."""

    def __init__(self, texts: list[str], n: int) -> None:
        self.texts, self.n = texts, n
        self._pairs: dict[tuple[int, int], float] = {}

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - one instance per n, short-lived
    def shingles(self, i: int) -> frozenset[str]:
        s = "".join(map(chr, fold(self.texts[i])))
        return frozenset(s[k : k + self.n] for k in range(len(s) - self.n + 1))

    def __call__(self, i: int, j: int) -> float:
        key = (min(i, j), max(i, j))
        if key not in self._pairs:
            a, b = self.shingles(i), self.shingles(j)
            self._pairs[key] = len(a & b) / len(a | b) if a or b else 0.0
        return self._pairs[key]

    def all_pairs(self, sample: list[int]) -> dict[tuple[int, int], float]:
        """Jaccard of every pair in ``sample`` (sparse matrix product of shingle incidence)."""
        from scipy import sparse

        vocab: dict[str, int] = {}
        indptr, indices = [0], []
        for i in sample:
            indices.extend(vocab.setdefault(s, len(vocab)) for s in self.shingles(i))
            indptr.append(len(indices))
        x = sparse.csr_matrix((np.ones(len(indices), np.int32), indices, indptr), shape=(len(sample), len(vocab)))
        sizes = np.diff(x.indptr)
        inter = sparse.triu(x @ x.T, k=1).tocoo()
        out = {}
        for a, b, common in zip(inter.row, inter.col, inter.data):
            out[(min(sample[a], sample[b]), max(sample[a], sample[b]))] = common / (sizes[a] + sizes[b] - common)
        return out


# -- running the stage on the corpus ---------------------------------------------------------


def observe_all(texts: list[str], stage: Dedup) -> list[Observation]:
    return [stage.observe(Document(f"doc{i:06d}", text, seq=i)) for i, text in enumerate(texts)]


@dataclass
class Result:
    ngram: int
    threshold: float
    linked: int
    precision_jaccard: float
    precision_article: float
    recall: float  # planted pairs with true J >= t + 0.05: not both kept
    recall_cluster: float  # ... in one cluster
    recall_sample: float
    sample_pairs: int
    hard_merged: int
    chain_ends_merged: int
    closest_in_cluster: float  # lowest true J of two documents represented by one survivor
    false_clusters: int
    largest: int
    caught: dict[str, float]
    seconds: float


def evaluate(
    corpus: Corpus,
    observations: list[Observation],
    stage: Dedup,
    truth: TrueJaccard,
    sample_pairs: dict[tuple[int, int], float],
) -> Result:
    t0 = time.perf_counter()
    summary: DedupSummary = stage.merge(iter(observations))
    seconds = time.perf_counter() - t0
    summary.scratch.release()
    d = summary.decisions
    n = len(corpus.docs)
    kept = d.reason == 0
    cluster_of = np.where(kept, np.arange(n), d.survivor)
    families = np.array([doc.family for doc in corpus.docs])
    linked = [(i, int(d.survivor[i])) for i in np.flatnonzero(~kept).tolist()]
    t = stage.threshold
    precision_j = np.mean([truth(i, s) >= t - 1e-9 for i, s in linked]) if linked else 1.0
    precision_a = np.mean([families[i] == families[s] for i, s in linked]) if linked else 1.0
    planted = [(i, doc.parent) for i, doc in enumerate(corpus.docs) if doc.parent >= 0]
    strong = [(i, j) for i, j in planted if truth(i, j) >= t + 0.05]
    resolved = [not (kept[i] and kept[j]) for i, j in strong]
    same = [cluster_of[i] == cluster_of[j] for i, j in strong]
    sample_strong = [(i, j) for (i, j), jac in sample_pairs.items() if jac >= t + 0.05]
    sample_resolved = [not (kept[i] and kept[j]) for i, j in sample_strong]
    hard = sum(cluster_of[a] == cluster_of[b] for g in corpus.hard_groups for a in g for b in g if a < b)
    chain_ends = sum(cluster_of[c[0]] == cluster_of[c[-1]] for c in corpus.chains)
    groups: dict[int, list[int]] = {}
    for i in np.flatnonzero(~kept).tolist():
        groups.setdefault(int(cluster_of[i]), [int(cluster_of[i])]).append(i)
    closest = min((truth(a, b) for g in groups.values() for a in g for b in g if a < b), default=1.0)
    members: dict[int, set[int]] = {}
    for i in range(n):
        members.setdefault(int(cluster_of[i]), set()).add(int(families[i]))
    sizes = Counter(cluster_of.tolist())
    caught = {}
    for kind in COPY_KINDS:
        pairs = [(i, j) for i, j in planted if corpus.docs[i].kind == kind]
        caught[kind] = float(np.mean([not (kept[i] and kept[j]) for i, j in pairs])) if pairs else float("nan")
    return Result(
        stage.ngram, t, len(linked), float(precision_j), float(precision_a),
        float(np.mean(resolved)) if resolved else 1.0, float(np.mean(same)) if same else 1.0,
        float(np.mean(sample_resolved)) if sample_resolved else 1.0, len(sample_strong),
        int(hard), int(chain_ends), closest, sum(len(f) > 1 for f in members.values()), max(sizes.values()),
        caught, seconds,
    )  # fmt: skip


def lsh_candidate_rate(corpus: Corpus, observations: list[Observation], stage: Dedup, truth: TrueJaccard) -> float:
    """Share of planted pairs with true J ≥ t + 0.05 whose signatures share at least one LSH band."""
    pairs = [(i, doc.parent) for i, doc in enumerate(corpus.docs) if doc.parent >= 0]
    pairs = [(i, j) for i, j in pairs if truth(i, j) >= stage.threshold + 0.05]
    if not pairs:
        return 1.0
    bands, rows = stage.lsh
    hits = 0
    for i, j in pairs:
        keys = band_keys(np.stack([observations[i].signature, observations[j].signature]), bands, rows)
        hits += bool((keys[0] == keys[1]).any())
    return hits / len(pairs)


def quality(n_base: int, ngrams: tuple[int, ...], thresholds: tuple[float, ...], sample_size: int) -> list[Result]:
    corpus = build_corpus(n_base)
    texts = [doc.text for doc in corpus.docs]
    kinds = Counter(doc.kind for doc in corpus.docs)
    print(f"\n## Quality: {len(texts):,} documents ({sum(map(len, texts)) / len(texts):,.0f} characters on average)")
    print("   " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"   {len(corpus.hard_groups)} hard-negative groups of 4, {len(corpus.chains)} chains of 5; "
          f"brute-force sample of {sample_size} documents")  # fmt: skip
    rng = random.Random(11)
    sample = sorted(rng.sample(range(len(texts)), min(sample_size, len(texts))))
    results = []
    header = (
        "| n | threshold | bands×rows | links | precision (J≥t) | precision (same article) | recall planted | "
        "recall same cluster | recall sample (pairs) | hard negatives merged | chain ends sharing a survivor | "
        "lowest J sharing a survivor | mixed clusters | largest cluster |"
    )
    rows_out = ["", header, "|" + "---|" * (header.count("|") - 1)]
    kind_rows = []
    for n in ngrams:
        stage0 = Dedup(ngram=n)
        observations = observe_all(texts, stage0)
        truth = TrueJaccard(texts, n)
        sample_pairs = truth.all_pairs(sample)
        for t in thresholds:
            stage = Dedup(ngram=n, threshold=t)
            r = evaluate(corpus, observations, stage, truth, sample_pairs)
            results.append(r)
            b, rr = stage.lsh
            rows_out.append(
                f"| {n} | {t} | {b}×{rr} | {r.linked} | {r.precision_jaccard:.4f} | {r.precision_article:.4f} | "
                f"{r.recall:.4f} | {r.recall_cluster:.4f} | {r.recall_sample:.4f} ({r.sample_pairs}) | "
                f"{r.hard_merged} | {r.chain_ends_merged} | {r.closest_in_cluster:.2f} | {r.false_clusters} | "
                f"{r.largest} |"
            )
            kind_rows.append((n, t, r.caught))
    print("\n".join(rows_out))
    print("\nShare of planted copies removed, by kind (not both of copy and original kept):\n")
    print("| n | t | " + " | ".join(COPY_KINDS) + " |")
    print("|---|---|" + "---|" * len(COPY_KINDS))
    for n, t, caught in kind_rows:
        print(f"| {n} | {t} | " + " | ".join(f"{caught[k]:.2f}" for k in COPY_KINDS) + " |")
    # the true Jaccard of each kind, at each n: what the thresholds are up against
    print("\nMedian true Jaccard of copy and original, by kind:\n")
    print("| n | " + " | ".join(COPY_KINDS) + " |")
    print("|---|" + "---|" * len(COPY_KINDS))
    for n in ngrams:
        truth = TrueJaccard(texts, n)
        med = []
        for kind in COPY_KINDS:
            js = [truth(i, d.parent) for i, d in enumerate(corpus.docs) if d.kind == kind]
            med.append(f"{np.median(js):.2f}" if js else "-")
        hard = [truth(a, b) for g in corpus.hard_groups for a in g for b in g if a < b]
        print(f"| {n} | " + " | ".join(med) + f" |   (hard negatives: max {max(hard):.2f})")
    return results


def verification_cost(n_base: int, stage: Dedup) -> None:
    """The sketch prefilter against verifying every candidate, and MinHashLSH's weights, at the defaults."""
    corpus = build_corpus(n_base)
    texts = [doc.text for doc in corpus.docs]
    observations = observe_all(texts, stage)
    truth = TrueJaccard(texts, stage.ngram)
    print(f"\n## Verification and LSH weights at n={stage.ngram}, threshold={stage.threshold}\n")
    print("| variant | bands×rows | LSH candidates among true pairs | links | precision (J≥t) | recall planted |")
    print("|---|---|---|---|---|---|")
    def weighted(weight: float, prefilter: float = stage.prefilter) -> Dedup:
        return Dedup(ngram=stage.ngram, threshold=stage.threshold, recall_weight=weight, prefilter=prefilter)

    variants = [
        (f"weights ({1 - stage.recall_weight:.2f}, {stage.recall_weight}), sketch prefilter (the stage)", stage),
        ("every candidate verified (no prefilter)", weighted(stage.recall_weight, 0.0)),
        ("MinHashLSH's default weights (0.5, 0.5)", weighted(0.5)),
        ("weights (0.1, 0.9)", weighted(0.9)),
    ]
    for label, variant in variants:
        r = evaluate(corpus, observations, variant, truth, {})
        b, rr = variant.lsh
        rate = lsh_candidate_rate(corpus, observations, variant, truth)
        print(f"| {label} | {b}×{rr} | {rate:.4f} | {r.linked} | {r.precision_jaccard:.4f} | {r.recall:.4f} |")


# -- copies carrying different noise per copy (issue 14) ---------------------------------------
#
# Every article is published on a "site": the site dresses it with its own navigation, footer,
# ad lines and inline ads. A copy is the same article on another site (another dress), maybe
# with captions, a Traditional mirror, truncated or extended. The templates are written here,
# independent of rules/ and seeds/; sites and articles are split into halves: tune on "dev",
# report both.

NOISY_KINDS = (
    "other_site", "inline_ads", "captions", "traditional", "truncated", "extended", "combined",
)  # fmt: skip
HARD_KINDS = ("shared_template", "shared_paragraph", "quoted_paragraph")

_SITE_NAMES = (
    "东方快讯网", "南岭日报", "西江在线", "北辰新闻", "中原视窗", "海峡之声网",
    "天山资讯", "长河晚报", "江淮热线", "云岭时报", "渤海观察网", "巴蜀快报",
)  # fmt: skip
_NAV = ("首页", "新闻", "国内", "国际", "财经", "体育", "娱乐", "科技", "教育", "健康", "汽车", "房产",
        "旅游", "文化", "评论", "图片", "视频", "专题", "论坛", "博客")  # fmt: skip
_AD_GOODS = ("理财产品", "二手房源", "名牌手表", "英语培训", "减肥茶", "装修套餐", "游戏礼包", "特价机票",
             "保健酒", "考研课程", "家用净水器", "网店代运营")  # fmt: skip
_AD_VERBS = ("限时抢购", "免费领取", "扫码咨询", "点击了解", "火热报名中", "一折起")


@dataclass(frozen=True)
class Site:
    """One site's dress: lines above the article, ad lines, inline ads, lines below it."""

    name: str
    header: tuple[str, ...]
    ad_lines: tuple[str, ...]
    inline_ads: tuple[str, ...]
    footer: tuple[str, ...]


def make_site(index: int, rng: random.Random) -> Site:
    name = _SITE_NAMES[index]
    nav = "｜".join(rng.sample(_NAV, 12))
    domain = f"www.site{index:02d}news.com"
    header = (f"{name} {domain}", nav, f"您现在的位置：{name} > {rng.choice(_NAV)} > 正文")
    ad_lines = tuple(
        f"【{rng.choice(_AD_VERBS)}】{good}，{name}会员专享优惠，咨询电话400{rng.randint(1000000, 9999999)}"
        for good in rng.sample(_AD_GOODS, 3)
    )
    inline_ads = tuple(f"（{good}{rng.choice(_AD_VERBS)}，详见{domain}）" for good in rng.sample(_AD_GOODS, 3))
    footer = (
        f"责任编辑：{rng.choice(_NAMES)}　校对：{rng.choice(_NAMES)}",
        f"关于我们 | 联系我们 | 广告服务 | 网站地图 | 招聘信息 | 法律声明 | {name}版权所有",
        f"本网站所刊登的新闻、信息和各种专题专栏资料，均为{name}版权所有，未经协议授权禁止下载使用。",
        f"备案号：京ICP备{rng.randint(10000000, 99999999)}号　违法和不良信息举报电话：010-{rng.randint(10000000, 99999999)}",
        "相关阅读：" + "；".join(f"{rng.choice(_NAV)}频道{rng.choice(_AD_GOODS)}专题报道" for _ in range(3)),
    )
    return Site(name, header, ad_lines, inline_ads, footer)


def dress(paragraphs: list[str], site: Site, rng: random.Random, inline: bool = False) -> str:
    """The article as the site shows it: header, paragraphs with ad lines (and inline ads), footer."""
    body = list(paragraphs)
    if inline:
        for k in rng.sample(range(len(body)), min(2, len(body))):
            cut = body[k].find("，")
            if cut > 0:
                body[k] = body[k][: cut + 1] + rng.choice(site.inline_ads) + body[k][cut + 1 :]
    lines = list(site.header)
    for k, para in enumerate(body):
        lines.append(para)
        if k == len(body) // 2:
            lines.append(rng.choice(site.ad_lines))
    lines.append(rng.choice(site.ad_lines))
    lines.extend(site.footer)
    return "\n".join(lines)


def _caption(rng: random.Random) -> str:
    words = rng.sample(_alphabet()[:600], rng.randint(10, 16))
    return f"图为{rng.randint(1, 12)}月{rng.randint(1, 28)}日，{''.join(words)}。（记者{rng.choice(_NAMES)}摄）"


def noisy_copy(kind: str, paragraphs: list[str], site: Site, rng: random.Random, pool: list[str]) -> tuple[str, bool]:
    """A copy of an article on another site, of the named kind; and whether it is converted script."""
    paras = list(paragraphs)
    if kind in ("captions", "combined"):
        for _ in range(2):
            paras.insert(rng.randrange(1, len(paras) + 1), _caption(rng))
    if kind in ("truncated", "combined"):
        keep = max(2, round(len(paragraphs) * rng.uniform(0.7, 0.85)))
        paras = [p for p in paras if p not in paragraphs[keep:]]
    if kind == "extended":
        paras.append(rng.choice(pool))
        paras.append(f"（编者按：本文{rng.choice(('有删节', '已获授权转载', '观点仅代表作者本人'))}，{_caption(rng)[2:]}）")
    text = dress(paras, site, rng, inline=kind in ("inline_ads", "combined"))
    if kind == "traditional":
        return _opencc("s2t").convert(text), True
    return text, False


@dataclass
class NoisyCorpus:
    docs: list[BenchDoc] = field(default_factory=list)
    converted: list[bool] = field(default_factory=list)
    chains: list[list[int]] = field(default_factory=list)

    def add(self, doc: BenchDoc, converted: bool = False) -> int:
        self.docs.append(doc)
        self.converted.append(converted)
        return len(self.docs) - 1


def build_noisy_corpus(n_base: int, half: str, seed: int = 14) -> NoisyCorpus:
    """Originals on their site, copies on other sites, chains, hard negatives; one half's sites and text."""
    rng = random.Random(seed + (half == "test"))
    news = [p for k, p in enumerate(clean_news()) if (k % 2 == 0) == (half == "dev")]
    sites = [make_site(i, rng) for i in range(len(_SITE_NAMES)) if (i % 2 == 0) == (half == "dev")]
    corpus = NoisyCorpus()
    used: set[str] = set()

    def fresh(k: int, min_chars: int = 0) -> list[str]:  # paragraphs no other article of the corpus has
        out: list[str] = []
        while len(out) < k:
            p = rng.choice(news)
            if p not in used and len(p) >= min_chars:
                used.add(p)
                out.append(p)
        return out

    family = 0
    bases: list[tuple[int, list[str], int]] = []
    for _ in range(n_base):
        paragraphs = fresh(rng.randint(4, 8))
        home = rng.randrange(len(sites))
        doc = corpus.add(BenchDoc(dress(paragraphs, sites[home], rng), family, "original"))
        bases.append((doc, paragraphs, home))
        family += 1
    for i in range(int(n_base * 0.7)):  # every copy kind equally often, each copy on another site
        kind = NOISY_KINDS[i % len(NOISY_KINDS)]
        parent, paragraphs, home = bases[rng.randrange(len(bases))]
        site = rng.choice([s for k, s in enumerate(sites) if k != home])
        text, converted = noisy_copy(kind, paragraphs, site, rng, news)
        corpus.add(BenchDoc(text, corpus.docs[parent].family, kind, parent), converted)
    for _ in range(max(2, n_base // 40)):  # chains: a 10-paragraph window slid by one paragraph
        stretch = fresh(14, 100)  # long paragraphs: each slide moves a tenth of the window, so ends differ
        chain = []
        for k in range(5):
            chain.append(corpus.add(BenchDoc(dress(stretch[k : k + 10], rng.choice(sites), rng), family, "chain")))
        family += 1  # neighbours share 9 of 10 paragraphs (duplicates); the ends share 6 (not)
        for a, b in zip(chain, chain[1:]):
            corpus.docs[b].parent = a
        corpus.chains.append(chain)
    for g in range(max(3, n_base // 10)):  # hard negatives: different articles, one site or one paragraph
        kind = HARD_KINDS[g % len(HARD_KINDS)]
        if kind == "shared_template":  # two short articles on one site: the dress is most of the text
            site = rng.choice(sites)
            texts = [dress(fresh(rng.randint(1, 2)), site, rng) for _ in range(2)]
        elif kind == "shared_paragraph":  # one long real paragraph quoted by two articles
            quote = "".join(fresh(2))
            texts = []
            for _ in range(2):
                own = fresh(rng.randint(2, 4))
                own.insert(rng.randrange(len(own) + 1), quote)
                texts.append(dress(own, rng.choice(sites), rng))
        else:  # a short article that is mostly one long quoted paragraph of a longer article
            quote = "“" + "".join(fresh(2)) + "”"
            longer = fresh(5)
            longer.insert(2, quote)
            texts = [dress([quote] + fresh(1), rng.choice(sites), rng), dress(longer, rng.choice(sites), rng)]
        for text in texts:
            corpus.add(BenchDoc(text, family, "hard_" + kind))
            family += 1
    return corpus


@dataclass
class NoisyResult:
    rows: list[tuple[str, int, float, float]]  # kind, copies, recall, precision of the drops of that kind
    recall: float
    precision: float
    hard_dropped: int
    hard_docs: int
    chains_merged: int
    chains: int
    multi_survivor: int
    clusters: int
    seconds: float


def evaluate_noisy(corpus: NoisyCorpus, stage: Dedup) -> NoisyResult:
    """Run the stage over the corpus; per copy kind, how many copies share their original's survivor."""
    docs = [Document(f"doc{i:06d}", d.text, seq=i) for i, d in enumerate(corpus.docs)]
    for doc, converted in zip(docs, corpus.converted):
        if converted:
            doc.meta["script_converted"] = "t2s"  # what the normalise stage records
    t0 = time.perf_counter()
    summary = stage.merge(stage.observe(doc) for doc in docs)
    seconds = time.perf_counter() - t0
    summary.scratch.release()
    d = summary.decisions
    kept = d.reason == 0
    n = len(docs)
    cluster_of = np.where(kept, np.arange(n), d.survivor)
    families = np.array([doc.family for doc in corpus.docs])
    rows = []
    pairs_all, good_all = 0, 0
    for kind in NOISY_KINDS:
        members = [i for i, doc in enumerate(corpus.docs) if doc.kind == kind]
        same = [cluster_of[i] == cluster_of[corpus.docs[i].parent] for i in members]
        drops = [i for i in members if not kept[i]]
        good = [families[cluster_of[i]] == families[i] for i in drops]
        rows.append((kind, len(members), float(np.mean(same)) if same else 1.0, float(np.mean(good)) if good else 1.0))
        pairs_all += len(same)
        good_all += int(np.sum(same))
    dropped = np.flatnonzero(~kept)
    right = families[cluster_of[dropped]] == families[dropped]
    hard = [i for i, doc in enumerate(corpus.docs) if doc.kind.startswith("hard_")]
    hard_dropped = sum(1 for i in hard if not kept[i] or any(cluster_of[j] == i and j != i for j in hard))
    chains_merged = sum(cluster_of[c[0]] == cluster_of[c[-1]] for c in corpus.chains)
    by_family: dict[int, list[int]] = {}
    for i, doc in enumerate(corpus.docs):
        if doc.kind == "original" or doc.kind in NOISY_KINDS:
            by_family.setdefault(doc.family, []).append(i)
    groups = [g for g in by_family.values() if len(g) > 1]
    multi = sum(int(kept[g].sum()) > 1 for g in map(np.array, groups))
    return NoisyResult(
        rows, good_all / max(1, pairs_all), float(right.mean()) if len(right) else 1.0, hard_dropped, len(hard),
        int(chains_merged), len(corpus.chains), int(multi), len(groups), seconds,
    )  # fmt: skip


def noisy_quality(n_base: int, stage: Dedup | None = None) -> dict[str, NoisyResult]:
    """The per-copy-kind table on both halves (tune on dev, quote test)."""
    stage = stage or Dedup()
    results = {}
    for half in ("dev", "test"):
        corpus = build_noisy_corpus(n_base, half)
        r = evaluate_noisy(corpus, stage)
        results[half] = r
        texts = [doc.text for doc in corpus.docs]
        print(f"\n## Noisy copies ({half} half): {len(texts):,} documents, "
              f"{sum(map(len, texts)) / len(texts):,.0f} characters on average, merge {r.seconds:.2f} s")  # fmt: skip
        print("\n| copy kind | copies | recall (copy shares its original's survivor) | precision of its drops |")
        print("|---|---|---|---|")
        for kind, count, recall, precision in r.rows:
            print(f"| {kind} | {count} | {recall:.4f} | {precision:.4f} |")
        print(f"| **all copies** | {sum(c for _, c, _, _ in r.rows)} | {r.recall:.4f} | {r.precision:.4f} |")
        print(f"\n- recall {r.recall:.4f} at precision {r.precision:.4f} (all drops)")
        print(f"- hard negatives dropped: {r.hard_dropped} of {r.hard_docs}")
        print(f"- chains merged (ends sharing a survivor): {r.chains_merged} of {r.chains}")
        print(f"- clusters with more than one survivor: {r.multi_survivor} of {r.clusters} "
              f"({r.multi_survivor / max(1, r.clusters):.1%})")  # fmt: skip
    return results


# -- speed ------------------------------------------------------------------------------------


def speed_documents(count: int, size: int = 3000, seed: int = 3) -> list[str]:
    """``count`` documents of about ``size`` UTF-8 bytes from random news paragraphs."""
    rng = random.Random(seed)
    news = clean_news()
    docs = []
    for _ in range(count):
        parts, length = [], 0
        while length < size:
            parts.append(rng.choice(news))
            length += len(parts[-1].encode("utf-8")) + 1
        docs.append("\n".join(parts))
    return docs


def signature_speed(count: int, ngram: int = 5, num_perm: int = 128) -> None:
    from datasketch import MinHash

    docs = speed_documents(count)
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    stage = Dedup(ngram=ngram, num_perm=num_perm)
    stage.observe(Document("warm", docs[0]))  # build the fold table, import datasketch

    def observe_all_docs() -> None:
        for i, d in enumerate(docs):
            stage.observe(Document(str(i), d, seq=i))

    def shingle_all() -> None:
        for d in docs:
            shingle_hashes(fold(d), ngram)

    subset = docs[: max(20, count // 4)]
    sub_mb = sum(len(d.encode("utf-8")) for d in subset) / 1e6

    def datasketch_all() -> None:
        for d in subset:
            s = "".join(map(chr, fold(d)))
            m = MinHash(num_perm=num_perm)
            m.update_batch([s[i : i + ngram].encode("utf-8") for i in range(len(s) - ngram + 1)])

    # best of three: the machine is shared, the fastest run is the least disturbed one
    ours = mb / best_seconds(observe_all_docs)
    shingling = mb / best_seconds(shingle_all)
    batch = sub_mb / best_seconds(datasketch_all)
    observations = [stage.observe(Document(str(i), d, seq=i)) for i, d in enumerate(docs)]
    same = all((_datasketch_signature(o.shingles, num_perm) == o.signature).all() for o in observations[:20])
    print(f"\n## Signature speed: {count} documents, {mb:.1f} MB, {ngram}-grams, {num_perm} permutations, one core\n")
    print(f"- this stage's observe (fold, shingles, signature, exact hash): {ours:.1f} MB/s (best of 3)")
    print(f"- of which fold + shingle hashing alone: {shingling:.1f} MB/s")
    print(f"- datasketch MinHash.update_batch on the same n-gram strings: {batch:.2f} MB/s")
    print(f"- ratio: {ours / batch:.1f}x; signatures identical to datasketch for the same hash values: {same}")
    if ngram == Dedup.ngram:
        state_bytes(observations, stage)


def best_seconds(run: Callable[[], None], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def _datasketch_signature(hashes: np.ndarray, num_perm: int) -> np.ndarray:
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, hashfunc=lambda v: v)
    m.update_batch(hashes.tolist())
    return m.hashvalues


def state_bytes(observations: list[Observation], stage: Dedup) -> None:
    """Memory per document: this stage's merge state against datasketch's MinHashLSH."""
    from datasketch import MinHash, MinHashLSH

    summary = stage.merge(iter(observations))
    ours = stage.describe(summary)["state_bytes_per_document"]
    summary.scratch.release()
    bands, rows = stage.lsh
    lsh = MinHashLSH(num_perm=stage.num_perm, params=(bands, rows))
    minhashes = [MinHash(num_perm=stage.num_perm, hashvalues=o.signature, scheme="affine32") for o in observations]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i, m in enumerate(minhashes):
        lsh.insert(f"doc{i:06d}", m)
    theirs = (tracemalloc.get_traced_memory()[0] - before) / len(minhashes)
    tracemalloc.stop()
    print(f"- merge state in memory: {ours:.0f} bytes per document "
          f"({bands} bands; signatures and shingle sets on disk)")  # fmt: skip
    print(f"- datasketch MinHashLSH, same bands, keys only: {theirs:,.0f} bytes per document")
    print(f"- signatures alone would be {4 * stage.num_perm} bytes per document in memory")


@dataclass
class TreeMemory:
    """Memory of a process tree, sampled: the peaks of the sums over its live processes (MB)."""

    rss: float = 0.0  # sum of VmRSS: pages shared by a forked worker and its parent count twice
    pss: float = 0.0  # sum of Pss (shared pages split among their sharers): what the tree really holds


def _proc_kb(path: Path, names: tuple[str, ...]) -> dict[str, int]:
    out = {}
    try:
        for line in path.read_text().splitlines():
            key, _, value = line.partition(":")
            if key in names:
                out[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def sample_tree(root: int, memory: TreeMemory) -> None:
    """Add one sample of the tree under ``root`` to ``memory``."""
    rss = pss = 0
    for pid in _descendants(root):
        rss += _proc_kb(Path(f"/proc/{pid}/status"), ("VmRSS",)).get("VmRSS", 0)
        pss += _proc_kb(Path(f"/proc/{pid}/smaps_rollup"), ("Pss",)).get("Pss", 0)
    memory.rss = max(memory.rss, rss / 1024)
    memory.pss = max(memory.pss, pss / 1024)


def run_sampling_tree(command: list[str], every: float = 0.05) -> tuple[float, TreeMemory]:
    """Run ``command``; return wall seconds and the memory of its whole process tree."""
    t0 = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT)
    memory = TreeMemory()
    while process.poll() is None:
        sample_tree(process.pid, memory)
        time.sleep(every)
    wall = time.perf_counter() - t0
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return wall, memory


def end_to_end(count: int, workers: int, keep: bool = False) -> None:
    """``cleancorpus dedup`` on ``count`` JSONL documents of ~3 KB, in a subprocess: wall, peak RSS."""
    source = CACHE / f"dedup-e2e-{count}-v3.jsonl"
    if not source.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        rng = random.Random(5)
        docs = speed_documents(count)
        with open(source.with_suffix(".tmp"), "w", encoding="utf-8") as fh:
            for i in range(count):
                # one document in ten is a near-copy (1% edited) of an earlier one, one in twenty an exact copy
                record: dict[str, object] = {"id": f"doc{i:06d}"}
                if i % 10 == 1 or i % 20 == 2:
                    parent = rng.randrange(i)
                    docs[i] = edit_chars(docs[parent], 0.01, rng) if i % 10 == 1 else docs[parent]
                    record["copy_of"] = f"doc{parent:06d}"
                record["text"] = docs[i]
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        source.with_suffix(".tmp").replace(source)
    out = Path(tempfile.mkdtemp(prefix="bench-dedup-")) / "out"
    command = [sys.executable, "-m", "pipeline", "dedup", str(source), "-o", str(out), "--workers", str(workers), "-q"]
    print(f"\n## End to end: {count:,} documents, {source.stat().st_size / 1e6:.0f} MB of JSONL, {workers} workers\n")
    shown = ["python", "-m", "pipeline", "dedup", str(source.relative_to(ROOT)), "-o", "OUT", "--workers", str(workers)]
    print("    " + " ".join(shown + ["-q"]))
    wall, tree = run_sampling_tree(command)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    section = report["sections"]["dedup"]
    index_bytes = sum(p.stat().st_size for p in (out / "dedup" / "index").iterdir())
    recall = _planted_recall(out, source)
    print(f"\n- wall: {wall:.1f} s ({count / wall:,.0f} documents/s) [target <= 60 s]")
    print(f"- peak RSS of the whole process tree (parent and workers, summed, sampled every 0.05 s): "
          f"{tree.rss:.0f} MB [target <= 300 MB]; summed Pss (shared pages counted once): {tree.pss:.0f} MB; "
          f"largest single process: {peak:.0f} MB")  # fmt: skip
    print(f"- recall of the planted copies (copy and original represented by one survivor): {recall:.4f} [target >= 0.99]")
    print(f"- stage seconds (summed over workers): {report['timing']['stage_seconds']}")
    print(f"- dropped: {section['dropped']}; candidate pairs verified: {section['candidate_pairs']:,}; "
          f"largest cluster: {section['largest_cluster']}")  # fmt: skip
    print(f"- candidates skipped by the sketch prefilter: {section['candidates_skipped']:,}")
    print(f"- merge state: {section['state_bytes_per_document']} bytes per document; saved index on disk: "
          f"{index_bytes / max(1, report['documents']['written']):,.0f} bytes per written document")  # fmt: skip
    if not keep:
        shutil.rmtree(out.parent, ignore_errors=True)


def _planted_recall(out: Path, source: Path) -> float:
    """Share of the scale corpus's planted copies that end up represented by their original's survivor."""
    survivor: dict[str, str] = {}
    with open(out / "audit" / "dropped.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            survivor[record["id"]] = record["details"]["survivor"]
    pairs = []
    with open(source, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if "copy_of" in record:
                pairs.append((record["id"], record["copy_of"]))
    found = sum(survivor.get(a, a) == survivor.get(b, b) for a, b in pairs)
    return found / max(1, len(pairs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", nargs="?", choices=("all", "quality", "noisy", "speed", "e2e"), default="all")
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds), for the test suite")
    parser.add_argument("--docs", type=int, help="end-to-end documents [default: 100000; quick: 1000]")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    defaults = Dedup()
    if args.part in ("all", "quality"):
        if args.quick:
            quality(300, (defaults.ngram,), (defaults.threshold,), 300)
        else:
            quality(6000, NGRAMS, THRESHOLDS, 2000)
            verification_cost(6000, defaults)
    if args.part in ("all", "noisy"):
        noisy_quality(60 if args.quick else 600)
    if args.part in ("all", "speed"):
        for n in sorted({defaults.ngram, 5}):  # the default, and the baseline (5-grams)
            signature_speed(100 if args.quick else 2000, n, defaults.num_perm)
    if args.part in ("all", "e2e"):
        end_to_end(args.docs or (1000 if args.quick else 100_000), args.workers)


if __name__ == "__main__":
    main()
