"""Structure cases: a news article with a foreign block at its head, in its middle or at its tail.

Three kinds of block, each a thing scraped Chinese news pages really carry:

``continuation``  a paragraph opening with a page-continuation marker (``（上接第二版）``)
                  followed by more paragraphs of ANOTHER article: the rest of an
                  article continued from an earlier page, glued to this page's text.
``related``       a marker line (``相关阅读``, ``延伸阅读：``, ``【推荐阅读】`` …) and a list of
                  other articles' headlines, with dates in some templates.
``appended``      a second article: headline (sometimes a byline, source or time
                  line) and paragraphs of another article.

``head`` puts the block before the host's headline, ``middle`` between two of its
body paragraphs (after the first, before the last), ``tail`` after its last
paragraph. Host articles and foreign articles are People's Daily articles of the
requested half (:func:`benchmarks.sources.half_of` on the article id), and no
article is used twice: the foreign block never comes from the host, and no two
cases share a host or a foreign article (so deduplication has nothing to merge).

The templates below were written from a survey of the shapes on Chinese news
sites (人民网, 新华网, 新浪, 网易, 腾讯, 搜狐, 澎湃, regional dailies), not from
``seeds/`` or ``rules/``. They are split into a development and a test half by
a fixed rule: even positions in each list are ``dev``, odd ones ``test``. Tune
detectors on ``dev``; quote ``test``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from benchmarks.corpora import clean_news_lines, news_articles
from benchmarks.sources import half_of

KINDS = ("continuation", "related", "appended")
POSITIONS = ("head", "middle", "tail")

# --------------------------------------------------------------------------- templates

_CN_NUM = "一二三四五六七八九"

# Continuation markers: {n} is a page number as drawn by the template's own style.
CONTINUATION = (
    "（上接第{cn}版）",
    "（上接{d}版）",
    "(上接第{d}版)",
    "（紧接第{cn}版）",
    "〔上接第{cn}版〕",
    "【上接{A}版】",
    "（上接{A}版）",
    "（接第{cn}版）",
    "（续第{cn}版）",
    "(紧接{d0}版)",
    "［上接第{d}版］",
    "（承{cn}版）",
    "（上接{cn}版）",
    "上接第{d}版",
    "(接{d}版)",
    "〈上接第{cn}版〉",
    "（续{d}版）",
    "▲上接{A}版",
    "（上接第{d0}版）",
    "(上接{cn}版)",
    "（转自第{cn}版）",
    "（紧接{A}版）",
    "【接第{d}版】",
    "（上接第{d}版①）",
)

# Related-articles blocks: (marker line, item format, with a date?). {t} is a
# headline, {date} a date in the template's style, {i} the item's number.
RELATED = (
    ("相关阅读", "{t}", None),
    ("延伸阅读：", "· {t}", None),
    ("【推荐阅读】", "{t} {date}", "%Y-%m-%d"),
    ("相关新闻", "■ {t}", None),
    ("相关新闻：", "{t}（{date}）", "%m月%d日"),
    ("【延伸阅读】", "{i}.{t}", None),
    ("推荐阅读", "▪ {t}", None),
    ("相关报道：", "{t} {date}", "%Y/%m/%d %H:%M"),
    ("■相关链接", "{t}", None),
    ("相关文章", "[{date}] {t}", "%m-%d"),
    ("更多阅读：", ">> {t}", None),
    ("【相关新闻】", "· {t} {date}", "%Y-%m-%d %H:%M"),
    ("延伸阅读", "{t}", None),
    (">>相关报道", "● {t}", None),
    ("往期回顾", "{t}", None),
    ("相关阅读：", "{i}、{t}", None),
    ("热点推荐", "{t}\u3000{date}", "%Y年%m月%d日"),
    ("【相关阅读】", "◆ {t}", None),
    ("猜你喜欢", "{t}", None),
    ("▲延伸阅读", "- {t}", None),
    ("相关稿件", "{t} {date}", "%Y-%m-%d"),
    ("[相关新闻]", "{t}", None),
    ("精彩推荐", "《{t}》", None),
    ("本网相关报道：", "{t}（{date}）", "%Y.%m.%d"),
)

# Appended articles: a list of lines put before the foreign article's body;
# {t} is its headline, {name} a reporter, {date}/{time} a date and time, {src} a
# source, {place} a city. "{p}" marks where the body paragraphs go; what
# follows it comes after them.
APPENDED = (
    ("{t}", "{p}"),
    ("{t}", "本报记者 {name}", "{p}"),
    ("【{t}】", "{p}"),
    ("{t}", "{date} {time} 来源：{src}", "{p}"),
    ("■ {t}", "{p}"),
    ("{t}", "（记者 {name} 通讯员 {name2}）", "{p}"),
    ("{t}", "{p}", "（责任编辑：{name}）"),
    ("{t}", "作者：{name} | 来源：{src} | {date}", "{p}"),
    ("◎{t}", "{p}"),
    ("{t}", "发布时间：{date} {time}", "{p}"),
    ("{t}", "文/{name}", "{p}"),
    ("下一篇：{t}", "{p}"),
    ("{t}", "——{src}记者 {name} 报道", "{p}"),
    ("● {t}", "{p}"),
    ("{t}", "{src} {date}", "{p}"),
    ("{t}（图）", "{p}"),
    ("{t}", "{p}", "（本报{place}{month}月{day}日电）"),
    ("△{t}", "{p}"),
    ("{t}", "本报讯（记者 {name}）", "{p}"),
    ("{t}", "来源：{src}\u3000作者：{name}", "{p}"),
    ("[{t}]", "{p}"),
    ("{t}", "{p}", "（来源：{src}）"),
    ("{t}", "{date}\u3000{src}", "{p}"),
    ("★ {t}", "{p}"),
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲建林峰宇浩凯晨旭东雪琳颖慧俊波斌志海亮婷文博远晓"
_SOURCES = ("人民网", "新华网", "中国新闻网", "央视网", "光明网", "经济日报", "解放日报", "南方日报",
            "大众日报", "北京青年报", "新京报", "澎湃新闻", "中国青年报", "羊城晚报", "扬子晚报", "四川日报")
_PLACES = ("北京", "上海", "广州", "南京", "杭州", "成都", "武汉", "西安", "沈阳", "长沙", "济南", "郑州", "昆明", "兰州")


def template_half(index: int) -> str:
    """The half a template belongs to: even positions ``dev``, odd ``test``.

    >>> [template_half(i) for i in range(4)]
    ['dev', 'test', 'dev', 'test']
    """
    return "dev" if index % 2 == 0 else "test"


def templates(kind: str, half: str) -> list[tuple[int, object]]:
    """``(index, template)`` of one kind in one half."""
    table = {"continuation": CONTINUATION, "related": RELATED, "appended": APPENDED}[kind]
    return [(i, t) for i, t in enumerate(table) if template_half(i) == half]


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One generated document with its ground truth.

    ``host_text`` is the host article alone (headline and paragraphs, as
    :func:`benchmarks.sources.news_documents` writes it): run it through the
    pipeline by itself to get the reference of what must survive.
    ``block_paragraphs`` are the lines of the foreign block as inserted.
    """

    id: str
    kind: str
    position: str
    template: str  # "<kind>#<index>"
    host_id: str
    host_text: str
    text: str
    block_paragraphs: tuple[str, ...]

    @property
    def block(self) -> str:
        return "\n\n".join(self.block_paragraphs)


# A headline by shape: the sample's article grouping also starts "articles" at
# bylines and photo credits, which must not pass for headlines.
_HEADLINE = re.compile(r"[^（(【〔\[第].{5,28}[^，、：。；]")
_NOT_HEADLINE = re.compile(r"记者|通讯员|本报|新华社|摄影?$|电$|附图|图片|^[\u4e00-\u9fff]{2,4}$")


def _articles(half: str) -> list[tuple[str, list[str]]]:
    """People's Daily articles of one half that make good hosts and foreign articles."""
    out = []
    for i, article in enumerate(news_articles(clean_news_lines())):
        doc_id = f"news/{i:05d}"
        body = article[1:]
        if half_of(doc_id) != half or len(body) < 2 or not _HEADLINE.fullmatch(article[0]):
            continue
        if _NOT_HEADLINE.search(article[0]):
            continue
        if 200 <= sum(map(len, article)) <= 6000:
            out.append((doc_id, article))
    # The source repeats some articles: keep one of each text.
    seen: set[str] = set()
    unique = []
    for doc_id, article in out:
        key = "\n".join(article)
        if key not in seen:
            seen.add(key)
            unique.append((doc_id, article))
    return unique


def _date(rng: random.Random, fmt: str) -> str:
    import datetime

    day = datetime.datetime(2015, 1, 1) + datetime.timedelta(days=rng.randrange(3000), minutes=rng.randrange(1440))
    return day.strftime(fmt)


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _fill(template: str, rng: random.Random, **extra: str) -> str:
    n = rng.randint(2, 9)
    values = {
        "cn": _CN_NUM[n - 1], "d": str(n), "d0": f"{n:02d}", "A": f"{rng.choice('ABC')}{n}",
        "name": _name(rng), "name2": _name(rng), "src": rng.choice(_SOURCES), "place": rng.choice(_PLACES),
        "date": _date(rng, rng.choice(("%Y-%m-%d", "%Y年%m月%d日", "%Y/%m/%d"))),
        "time": _date(rng, "%H:%M"), "month": str(rng.randint(1, 12)), "day": str(rng.randint(1, 28)),
    }
    values.update(extra)
    return template.format(**values)


def _block(kind: str, index: int, template: object, foreign: list[list[str]], rng: random.Random) -> list[str]:
    if kind == "continuation":
        article = foreign[0]
        body = article[1:]
        start = rng.randrange(0, max(1, len(body) - 2))
        paras = body[start : start + rng.randint(2, 4)]
        marker = _fill(str(template), rng)
        return [marker + paras[0], *paras[1:]]
    if kind == "related":
        marker, item, date_fmt = template  # type: ignore[misc]
        lines = [marker]
        for i, article in enumerate(foreign, 1):
            date = _date(rng, date_fmt) if date_fmt else ""
            lines.append(item.format(t=article[0], date=date, i=i))
        return lines
    article = foreign[0]
    body = article[1 : 1 + rng.randint(2, 4)]
    lines = []
    for part in template:  # type: ignore[union-attr]
        if part == "{p}":
            lines.extend(body)
        else:
            lines.append(_fill(part, rng, t=article[0]))
    return lines


def make_cases(half: str, per_cell: int = 20, seed: int = 0) -> list[Case]:
    """``per_cell`` cases for every kind × position, built from ``half``'s articles and templates.

    Deterministic for a given ``half``, ``per_cell`` and ``seed``. Templates are
    used in turn in every cell, so with ``per_cell`` ≥ 12 every template of the
    half appears at every position (24 per cell: twice).

    >>> cases = make_cases("dev", per_cell=1)
    >>> sorted({(c.kind, c.position) for c in cases}) == sorted((k, p) for k in KINDS for p in POSITIONS)
    True
    >>> all(c.block in c.text and all(p in c.text for p in c.host_text.splitlines()) for c in cases)
    True
    """
    if half not in ("dev", "test"):
        raise ValueError(f"half must be 'dev' or 'test', not {half!r}")
    rng = random.Random(f"{seed}-{half}")
    pool = _articles(half)
    rng.shuffle(pool)
    need_foreign = {"continuation": 1, "appended": 1, "related": 0}
    cells = [(k, p) for k in KINDS for p in POSITIONS]
    cases: list[Case] = []
    for number in range(per_cell):
        for kind, position in cells:
            if not pool:
                raise ValueError(f"not enough articles in the {half} half for {per_cell} cases per cell")
            host_id, host = pool.pop()
            count = need_foreign[kind] or rng.randint(3, 6)
            if len(pool) < count:
                raise ValueError(f"not enough articles in the {half} half for {per_cell} cases per cell")
            foreign = [pool.pop()[1] for _ in range(count)]
            table = templates(kind, half)
            # Every position cycles through all of the half's templates.
            index, template = table[(number + POSITIONS.index(position)) % len(table)]
            block = _block(kind, index, template, foreign, rng)
            body = host[1:]
            if position == "head":
                paras = [*block, *host]
            elif position == "tail":
                paras = [*host, *block]
            else:
                cut = rng.randint(1, len(body) - 1)
                paras = [host[0], *body[:cut], *block, *body[cut:]]
            cases.append(
                Case(
                    id=f"structure/{half}/{kind}-{position}-{number:03d}",
                    kind=kind,
                    position=position,
                    template=f"{kind}#{index}",
                    host_id=host_id,
                    host_text="\n\n".join(host),
                    text="\n\n".join(paras),
                    block_paragraphs=tuple(block),
                )
            )
    return cases
