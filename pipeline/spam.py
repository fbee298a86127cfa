"""Spam that is in no keyword list: sentences and inline spans scored by general features.

The rule library removes ads whose *shape* it knows (a gambling line, a QQ line,
a bracketed URL). Most ads on Chinese pages have other wording, and there are
more kinds than any list holds: loans, invoices and fake certificates, clinics,
cosmetics, exam services, part-time jobs, flats, tours, shop promotions, app
downloads, games, gambling, adult sites, link farms. What they share is not
their words but what an ad must do: name the thing sold (**promotional
vocabulary**, by family), tell the reader to act (**calls to action**: 点击, 扫码,
加微信, 免费领取, 限时), say how to reach the seller (**contact handles**: phone and
400 numbers, QQ, WeChat ids, URLs, e-mail), catch the eye (**decoration**:
【】★▲►, ！！！), and none of it is about the article around it (**foreign** by the
coherence signal of :mod:`pipeline.coherence`). Digit and Latin density marks
the codes and handles an ad carries.

A sentence (or a bracketed group, or a clause set off by separators) is judged
by how many *kinds* of evidence it shows, never by one word: a news sentence
about bank loans has promotional vocabulary and nothing else; a company's
phone number in a report is a contact and nothing else. Both stay. An ad goes
as a span, and the sentence around an inline ad stays; a line that is all ad
goes with its line break. Every removal is audited with the features that
decided (``doc.meta["evidence"]``), and :func:`explain` prints them for any
text (``cleancorpus rules explain`` shows them too).

The weights are set by hand, from what each feature proves (docs/spam.md):
a contact handle weighs 2; a call to action, promotional vocabulary, a second
promotional family, decoration, density and foreignness weigh 1 each; a span
goes at :data:`THRESHOLD` (3) when it does two of the three things an ad must
do (:func:`_decisive`): name what it sells, tell the reader to act, say how to
reach the seller. A span coherent with the rest of the document (it shares
its topic words, at :data:`KEEP_COHERENCE`) stays unless it carries a contact
handle: an article about an app may tell readers to download it.

>>> find_spam("记者了解到，该小区共有住户三千多户。加微信abc12345，日结兼职，月入过万！居民说，物业服务很好。")
[(18, 40, ('contact', 'cta', 'decoration', 'dense', 'promo:recruitment', 'foreign'))]
>>> find_spam("工商银行下调了个人住房贷款利率，首套房贷款利率降至百分之四。")
[]
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

import regex

from . import coherence, features
from .document import Document
from .removals import decide, junctions, removal_spans

# -- the features -----------------------------------------------------------------------------------

#: Promotional vocabulary, one pattern per family of what Chinese web pages sell. Each
#: entry is a phrase an ad uses and an article rarely does (``代开发票``, ``日结``,
#: ``包邮``), not a topic word (``贷款``, ``医院``, ``楼盘`` alone appear in news): a
#: family counts once however many of its phrases a span holds.
PROMO: dict[str, regex.Pattern[str]] = {
    name: regex.compile(pattern, regex.IGNORECASE)
    for name, pattern in {
        "loans": r"秒批|秒到账?|秒下款|当天放款|快速放款|无抵押|免抵押|低息|黑户|征信(?:不好|花了?|差)|网贷|急用钱|"
                 r"身份证(?:就能|即可)(?:贷|借)|最高可(?:借|贷)|可借\d|借钱|"
                 r"借款平台|小额贷|额度(?:高|最高|\d)|信用卡(?:代还|提额|套现|代办)|下款|口子|白户",
        "invoices": r"代开(?:各类)?(?:发票|增值税)|发票代开|开(?:具)?(?:各类|正规)发票|"
                    r"办(?:理)?(?:各类)?(?:证件|文凭|学历|毕业证|驾照)|刻章|假证|证件办理|文凭办理",
        "medical": r"根治|包治|专治|治愈率|偏方|祖传秘方|特效药|男科|妇科医院|无痛人流|壮阳|增大|早泄|阳痿|"
                   r"哪家医院好|哪家好|权威专家|专家在线|在线(?:解答|问诊)|无效退款|"
                   r"减肥(?:药|茶|产品)|瘦身|祛斑|生发|白发变黑|专科医院|名医坐诊|挂号",
        "cosmetics": r"美白|祛痘|面膜|嫩肤|淡斑|正品(?:保证|保障|行货)|代购|微商|护肤品|化妆品(?:批发|代理)",
        "education": r"包过|代考|考试答案|押题|题库|培训班|辅导班|学历提升|留学中介|网课|雅思|托福|"
                     r"考研(?:培训|辅导|资料)|一对一辅导|保过|提分",
        "recruitment": r"兼职|日结|日赚|月入(?:过|上)?(?:万|\d)|刷单|手工活|在家(?:赚钱|办公|也能赚)|"
                       r"招聘热线|高薪诚聘|宝妈|轻松赚|网赚|躺赚",
        "real_estate": r"均价\d|首付\d|现房|售楼(?:处|热线)|学区房|准现房|精装(?:修)?(?:交付|现房)|"
                       r"(?:楼盘|房源)(?:热销|在售|火爆)|一手房源|看房(?:热线|专车)",
        "travel": r"特价机票|机票预订|酒店预订|跟团游|纯玩团|一日游|旅游专线|出境游(?:特价|报名)|"
                  r"(?:包|含)往返机票",
        "shopping": r"包邮|秒杀|优惠券|领券|满\d+减|限时(?:抢购|特价|折扣|优惠)|\d(?:\.\d)?折(?:起|包邮|优惠)?|旗舰店|特惠|"
                    r"淘宝|天猫|京东|拼多多|全场\d|清仓|特价|下单|原价\d|现价\d|抢购",
        "apps": r"下载[^，。！\n]{0,8}(?:APP|App|app|客户端|安装包)|APP下载|扫码下载|应用商店|安卓版|iOS版|手机版下载|"
                r"官方(?:APP|客户端)",
        "games": r"私服|传奇|开服|充值|礼包|手游|页游|外挂|爆率|元宝|新区",
        "gambling": r"博彩|彩票(?:平台|计划|网)|娱乐城|真人(?:视讯|荷官)|百家乐|老虎机|时时彩|北京赛车|"
                    r"六合彩|首存|注册(?:就|即)?送|棋牌|捕鱼|电子游艺|投注|体育(?:投注|博彩)|赌场|荷官|发牌|"
                    r"网上娱乐|娱乐平台|娱乐场|开什么码|马会|图库|bet365|亚博|威尼斯人|永利|银河娱乐|美高梅|巴黎人|"
                    r"金沙|葡京|炸金花|斗牛|牛牛|真金白银|秒提现|推荐码|下注|开奖|彩金|特码|平码|赔率|盘口",
        "adult": r"约炮|裸聊|一夜情|成人(?:视频|网站|用品|电影)|福利(?:视频|姬|网)|情趣|色情|同城交友|"
                 r"美女(?:主播|视频|直播|在线|聊天)|视频聊天|激情|寂寞",
        "seo": r"友情链接|网站优化|SEO|关键词排名|百度快照|收录|外链|蜘蛛池|站群|排名(?:优化|靠前)",
    }.items()
}
#: Calls to action: the reader is told to do something now. Plain ``咨询`` or ``立即``
#: are common in news (咨询服务, 立即行动), so only their advertising forms count.
CTA = regex.compile(
    r"点击(?:进入|下载|查看|领取|咨询|购买|这里|链接|注册|抢购|了解)|扫码|扫一扫|扫描(?:下方|二维码)|"
    r"长按(?:识别|二维码|扫码)|加(?:微信|V|v|VX|vx|QQ|qq|群)|私信|"
    r"(?:咨询|报名|订购|订房|招商|加盟)(?:电话|热线|微信|QQ)|欢迎(?:来电|致电|咨询|加盟|选购|订购)|免费咨询|在线咨询|详询|"
    r"立即(?:下载|购买|领取|报名|咨询|注册|抢购|体验|预约|开户)|马上(?:抢|领|下载|注册|咨询)|"
    r"免费(?:领取|试用|送|体验|下载|获取|申请)|限时|速来|速抢|先到先得|名额有限|"
    r"详情(?:请)?(?:咨询|致电|联系|点击|见官网)|联系客服|关注(?:公众号|微信号|店铺)|认准|火热(?:招商|报名)|"
    r"戳(?:这里|链接|我)|猛戳|点我|进店|>>|"
    # offers that ask the reader to act for a gift: 注册即送, 登录就送, 首单立减, 领取10元
    r"(?:注册|登录|登陆|下载|关注|转发|分享|充值|下单)(?:就|即|立|后)?(?:送|得|领|返)|首单(?:立减|免费|半价)|"
    r"领取\d+元|送\d+元"
)
#: Contact handles: how to reach a seller. Written to be searched fast (a few hundred MB/s):
#: each branch starts at a rare character or a fixed prefix, not at every word character.
CONTACT = regex.compile(
    r"(?<![\d\-])(?:1[3-9]\d{9}|400-?\d{3}-?\d{4}|0\d{2,3}-\d{7,8})(?![\d\-])|"
    r"(?:[Qq][Qq]|[Qq]群|企鹅)\s*[号群]?\s*[:：]?\s*\d{5,11}|"
    r"(?:微信|[Ww]e[Cc]hat|[Vv][Xx]|[Ww][Xx]|薇信|威信|[Vv]信)\s*号?\s*[:：]?\s*[A-Za-z][-_A-Za-z0-9]{5,19}|"
    r"(?<=[\w.+-])@[\w-]+\.[A-Za-z]{2,}|"
    r"(?:https?://|[Ww]{3}\.)[\w\-./?=&%#]+|"
    r"(?<=[A-Za-z0-9-]{2})\.(?:com|cn|net|org|cc|vip|top|xyz|club|info|me|tv|app|biz|co|io|la|pw|ws|COM|CN|NET)(?![\w])"
)
DECORATION = regex.compile(r"[★☆◆◇▲△▼▽►◄♥❤✔☞☛→⇒]|[！!]|>>|【[^】\n]{1,12}】")

_QUOTED = regex.compile(r"“[^”\n]{0,40}”|「[^」\n]{0,40}」|\"[^\"\n]{0,40}\"")
#: Where a span may end: sentence ends, and the separators ads are strung with.
_SEGMENT = regex.compile(r"[^。！？!?；;\n|｜]*(?:[。！？!?；;]+[”」』）)]?|[|｜]|(?=\n)|$)")
#: Bracketed groups inside a sentence (an inline ad in brackets: （咨询微信：abc123）).
_BRACKETED = regex.compile(r"（[^（）\n]{2,120}）|\([^()\n]{2,120}\)|【[^【】\n]{2,120}】|\[[^\[\]\n]{2,120}\]")
#: Where a clause of a sentence ends: an inline ad inside a long sentence is a run of clauses.
_CLAUSE = regex.compile(r"[^，,、；;\s|｜。！？!?]+[，,、；;\s|｜。！？!?]*")  # (a colon binds: 微信：abc123)
#: A line with a sentence end before its last character holds sentences: it is not judged whole.
_INNER_END = regex.compile(r"[。！？!?；;](?=.*[^\s”」』）)。！？!?])")
_LATIN_OR_DIGIT = regex.compile(r"[A-Za-z0-9０-９Ａ-Ｚａ-ｚ]")
_HAN = regex.compile(r"\p{Han}")
_CONTENT = regex.compile(r"[\p{L}\p{N}]")
#: Every ad shows a contact handle or a call to action (:func:`_decisive` asks for two of
#: contact, call to action and promotion), so a text with neither is clean (the fast path).
_TRIGGERS = (CONTACT, CTA)  # (and the trades whose words alone may pile up into an ad: see below)


#: Feature weights (docs/spam.md): a contact handle proves there is a seller.
WEIGHTS = {"contact": 2, "cta": 1, "promo": 1, "promo2": 1, "promo_dense": 1, "decoration": 1, "dense": 1,
           "foreign": 1, "contact_removed": 0}
#: Distinct phrases of one promotional family in a span at which it is an ad's pile of them, for
#: the trades no article or review piles up the words of (a shop review says 京东, 下单, 包邮).
DENSE_TERMS = 3
DENSE_FAMILIES = frozenset({"gambling", "adult", "invoices", "loans", "seo"})
# (case-sensitive: it only has to let the spans through that PROMO then reads case-blind; a
# case-blind alternation of all these costs five times as much on clean text)
_TRIGGERS = (*_TRIGGERS, *(re.compile(PROMO[name].pattern) for name in sorted(DENSE_FAMILIES)))
#: What the document's own sentences must not show to count as its topic (an ad's handles).
_HANDLES = (CONTACT, CTA)
#: A span goes at this score, when it is also :func:`_decisive`.
THRESHOLD = 3
#: A span at least this coherent with the rest of its document is its own text (unless it
#: carries a contact handle): the share of its topic bigrams the rest of the text has.
KEEP_COHERENCE = 0.15
#: Below this coherence a span with enough topic evidence is foreign to the document.
FOREIGN_COHERENCE = 0.05
#: Share of digits and Latin letters among a span's letters above which it is "dense".
DENSE_SHARE = 0.35
#: Longest span judged as one unit; a longer sentence is real prose or a flattened page.
MAX_SPAN_CHARS = 160


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one span showed: its features, its score, its coherence, and whether it goes."""

    start: int
    end: int
    features: tuple[str, ...]
    score: int
    coherence: float | None
    spam: bool


def span_features(span: str) -> list[str]:
    """The named features ``span`` shows, without the document around it.

    >>> span_features("【限时特价】全场包邮，扫码领券！！")
    ['cta', 'decoration', 'promo:shopping']
    >>> span_features("会议强调，要加快推进重点项目建设。")
    []
    """
    found = []
    if CONTACT.search(span):
        found.append("contact")
    if CTA.search(span):
        found.append("cta")
    if DECORATION.search(span):
        found.append("decoration")
    letters = len(_CONTENT.findall(span))
    if letters >= 8 and _HAN.search(span) and len(_LATIN_OR_DIGIT.findall(span)) > DENSE_SHARE * letters:
        found.append("dense")
    terms = 0
    unquoted = _QUOTED.sub("", span)  # a warning about ads quotes their words (不要轻信“无抵押、秒到账”)
    for name, pattern in PROMO.items():
        hits = {m.group().lower() for m in pattern.finditer(span)}
        if hits:
            found.append(f"promo:{name}")
            if name in DENSE_FAMILIES:
                terms = max(terms, len({m.group().lower() for m in pattern.finditer(unquoted)}))
    if terms >= DENSE_TERMS:
        found.append("promo_dense")  # 棋牌、炸金花、斗牛、真金白银、秒提现: the vocabulary of one trade, piled up
    return found


def score(found: list[str] | tuple[str, ...]) -> int:
    """The weight of the evidence: each kind once, a second promotional family once more.

    >>> score(["contact", "cta", "promo:recruitment"]), score(["promo:loans"])
    (4, 1)
    """
    promos = sum(f.startswith("promo:") for f in found)
    kinds = {f for f in found if not f.startswith("promo:")}
    return sum(WEIGHTS[k] for k in kinds) + (WEIGHTS["promo"] if promos else 0) + (WEIGHTS["promo2"] if promos > 1 else 0)


def _sells(found: list[str] | tuple[str, ...]) -> bool:
    """Whether ``found`` holds one of the things an ad does (contact, call to action, promotion)."""
    return any(f in ("contact", "cta") or f.startswith("promo:") for f in found)


def _decisive(found: list[str] | tuple[str, ...]) -> bool:
    """Two of the three things an ad must do: name what it sells, tell the reader to act, say how to reach the seller.

    A URL or an e-mail address in a manual, a phone number in a report, a topic
    word in the news: each is one of them, and real text shows one of them all
    the time. Decoration, density and foreignness only add weight.

    >>> _decisive(["contact", "dense", "foreign"]), _decisive(["contact", "cta"]), _decisive(["promo:loans", "cta"])
    (False, True, True)
    >>> _decisive(["promo:gambling", "promo_dense"])  # three phrases of one trade or more: it names what it sells twice over
    True
    """
    sells = any(f.startswith("promo:") for f in found)
    return ("contact" in found) + ("cta" in found) + sells + (sells and "promo_dense" in found) >= 2


# -- the document's own topic ------------------------------------------------------------------------


class _Topic:
    """In how many sentences of the document each topic bigram occurs, to ask what a span shares with the rest."""

    def __init__(self, text: str) -> None:
        # Only sentences with no contact handle and no call to action are the document's
        # own topic: an ad repeated twice must not vouch for itself, and what one copy's
        # removal leaves must not change the verdict on the other (the stage is idempotent).
        self.counts: Counter[int | str] = Counter()
        self.own: list[tuple[int, int, frozenset[int | str]]] = []  # (start, end, bigrams) of those sentences
        for start, end in segments(text):
            if not any(p.search(text, start, end) for p in _HANDLES):
                keys = frozenset(coherence.content_bigrams(text[start:end]))
                self.counts.update(keys)
                self.own.append((start, end, keys))
        self.starts = [start for start, _, _ in self.own]

    def coherence(self, span: str, start: int, end: int) -> tuple[float, float]:
        """(coherence of ``span``, at ``start``..``end``, with the document's own sentences outside it;
        its topic weight)."""
        grams = coherence.content_bigrams(span)
        total = coherence.weight(grams)
        if not total:
            return 0.0, 0.0
        inside: Counter[int | str] = Counter()
        for s, e, keys in self.own[bisect.bisect_left(self.starts, start):]:
            if s >= end:
                break
            if e <= end:
                inside.update(keys)
        shared = sum(w for k, w in grams.items() if self.counts[k] > inside[k])
        return shared / total, total


# -- spans ---------------------------------------------------------------------------------------------


def segments(text: str, breaks: Sequence[int] = ()) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each sentence or separator-delimited clause of ``text``, blanks trimmed.

    ``breaks`` are more places where a span ends: where an earlier stage joined two lines
    (a junk line without a full stop glued to the paragraph after it).

    >>> t = "正文第一句。加微信abc12345领取 | 客服QQ：12345678\\n第二行"
    >>> [t[s:e] for s, e in segments(t)]
    ['正文第一句。', '加微信abc12345领取 |', '客服QQ：12345678', '第二行']
    >>> u = "扫码领取红包下文。"
    >>> [u[s:e] for s, e in segments(u, [6])]
    ['扫码领取红包', '下文。']
    """
    cuts = sorted(set(breaks))
    for match in _SEGMENT.finditer(text):
        start, end = match.span()
        first = bisect.bisect_right(cuts, start)
        for cut in [*itertools.takewhile(lambda c: c < end, cuts[first:]), end]:
            piece = text[start:cut]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                trail = len(piece) - len(piece.rstrip())
                yield start + lead, cut - trail
            start = cut


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each non-blank line of ``text``, blanks trimmed."""
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            yield start, start + len(stripped)
        pos = end + 1


def judge(text: str, threshold: int = THRESHOLD, keep_coherence: float = KEEP_COHERENCE,
          breaks: Sequence[int] = (), removed: Sequence[int] = ()) -> list[Verdict]:
    """Every span of ``text`` that shows a decisive feature, judged (the spam ones have ``spam``).

    Line by line, from the largest unit that may be an ad to the smallest:

    1. bracketed groups (an ad in brackets inside a real sentence, ``…培训课程（咨询微信：
       dsj_2024，名额有限），面向…``, goes alone, even when it holds a sentence end);
    2. a short line that holds no sentence end before its last character, whole (an ad
       line strung with commas and separators: ``友情链接：A | B | C | x.info``);
    3. its sentences (:func:`units`: a fragment too short to be a sentence, ``急用钱？``,
       goes with its neighbour, so an ad strung from punchy fragments shows its evidence
       together);
    4. in a sentence that is spam as a whole but holds prose too, or is too long to be
       judged whole, the runs of clauses that carry the ad (:func:`_clause_runs`): the
       inline ad goes, the clauses of the sentence around it stay.

    ``breaks`` are places where an earlier stage joined two lines (:func:`segments`); a
    line holding one is never judged whole. ``removed`` are places where a rule cut a
    contact handle out of an ad (:func:`ad_removals`): a span at such a place counts the
    handle as still there (feature ``contact``, audited as ``contact_removed``).
    """
    marks = sorted(set(removed))
    if not marks and not any(p.search(text) for p in _TRIGGERS):
        return []
    cuts = sorted(set(breaks))
    judge_span = _Judge(text, threshold, keep_coherence, marks)
    for line_start, line_end in _lines(text):
        if not judge_span.marked(line_start, line_end) and not any(p.search(text, line_start, line_end)
                                                                    for p in _TRIGGERS):
            continue
        line = text[line_start:line_end]
        gone = []  # (start, end) in the line of the brackets that went
        for m in _BRACKETED.finditer(line):
            if m.end() - m.start() < len(line) and any(p.search(m.group()) for p in _TRIGGERS):
                if judge_span(line_start + m.start(), line_start + m.end()):
                    gone.append(m.span())
        rest = _without(line, gone)
        if not judge_span.marked(line_start, line_end) and not any(p.search(rest) for p in _TRIGGERS):
            continue
        line_cuts = [c - line_start for c in cuts if line_start < c < line_end]
        # (a line that opens and closes with clauses of plain prose, ``酒店的管理不专业，<an ad>，
        # 服务非常差…防寒。``, is a sentence an ad was put into: judged by its clauses below, never whole)
        if len(rest) <= LINE_CHARS and not line_cuts and not _INNER_END.search(rest) and not gone \
                and not _prose_around(rest):
            if judge_span(line_start, line_end, keep=False):
                continue
        for start, end in units(line, line_cuts):
            inner = [(max(a, start) - start, min(b, end) - start) for a, b in gone if a < end and b > start]
            piece = _without(line[start:end], inner)
            if not judge_span.marked(line_start + start, line_start + end) and not any(
                    p.search(piece) for p in _TRIGGERS):
                continue
            whole = end - start <= MAX_SPAN_CHARS
            # (a sentence a rule cut a contact handle out of is an ad's, prose or not)
            if whole and (not _holds_prose(piece) or judge_span.marked(line_start + start, line_start + end)):
                if judge_span(line_start + start, line_start + end, shown=piece if inner else None):
                    continue
            for a, b in _clause_runs(line, start, end, gone):
                if judge_span(line_start + a, line_start + b, record=False):
                    judge_span.narrow(line_start + a, line_start + b)
    return judge_span.verdicts


def _core(text: str, start: int, end: int) -> tuple[int, int]:
    """The part of ``text[start:end]`` from its first feature to its last: the ad inside a clause
    that an extractor glued to real words (``…现场同步推介的时时彩不定位【Aurl:…】送888元``).

    >>> t = "现场同步推介的时时彩不定位【Aurl:www.8233066.com】送888元"
    >>> t[slice(*_core(t, 0, len(t)))]
    '时时彩不定位【Aurl:www.8233066.com】送888元'
    """
    spans = [m.span() for p in (CONTACT, CTA, DECORATION, *PROMO.values()) for m in p.finditer(text, start, end)]
    if not spans:
        return start, end
    first, last = min(a for a, _ in spans), max(b for _, b in spans)
    while first > start and not _HAN.match(text[first - 1]) and not text[first - 1] in "，,、；;":
        first -= 1  # (【, digits, Latin that open the ad)
    while last < end and not _HAN.match(text[last]):
        last += 1
    return first, last


def _without(text: str, gone: Sequence[tuple[int, int]]) -> str:
    """``text`` with the ranges ``gone`` (sorted, disjoint) left out."""
    if not gone:
        return text
    return "".join(text[a:b] for a, b in zip([0] + [e for _, e in gone], [s for s, _ in gone] + [len(text)]))


#: A line this short with no sentence end inside it is judged whole.
LINE_CHARS = 100
#: Rounds of judging a document (see ``Spam.apply``): a bound, never reached in practice.
MAX_ROUNDS = 4
#: A clause this long with no feature is prose: a sentence holding one is judged by its clauses.
PROSE_CLAUSE_CHARS = 6


def _holds_prose(sentence: str) -> bool:
    """Whether a sentence holds a clause of plain prose (:data:`PROSE_CLAUSE_CHARS` or more, no feature).

    >>> _holds_prose("急用钱？身份证就能贷，秒到账！戳这里>>"), _holds_prose("园区负责人说，加微信abc12345领红包")
    (False, True)
    """
    return any(len(m.group().strip("，,、；;|｜。！？!? ")) >= PROSE_CLAUSE_CHARS and not span_features(m.group())
               for m in _CLAUSE.finditer(sentence))


def _prose_around(line: str) -> bool:
    """Whether the first and the last clause of a line are plain prose (:data:`PROSE_CLAUSE_CHARS`
    or more, no feature): an ad put inside a sentence, not an ad line.

    >>> _prose_around("酒店的管理不专业，首付4万起，售楼热线：400-739-8838 服务非常差，晚上要用自己的羽绒衣防寒。")
    True
    >>> _prose_around("雪肌美白祛斑霜，7天见效，官方正品限时特价，点击http://a.cn")
    False
    """
    clauses = [m.group() for m in _CLAUSE.finditer(line) if m.group().strip("，,、；;|｜。！？!? ")]
    if len(clauses) < 3:
        return False
    return all(len(c.strip("，,、；;|｜。！？!? ")) >= PROSE_CLAUSE_CHARS and not span_features(c)
               for c in (clauses[0], clauses[-1]))


def _clause_runs(line: str, start: int, end: int, gone: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs of consecutive clauses of ``line[start:end]`` that carry a feature, outside ``gone``.

    A clause with no feature ends a run, unless it is a short one between two that carry one
    (``日结200元，不收费用，联系QQ``: the middle clause is part of the ad).

    >>> t = "园区负责人说，加微信abc12345，日结兼职，园区今年营收过亿。"
    >>> [t[a:b] for a, b in _clause_runs(t, 0, len(t), [])]
    ['加微信abc12345，日结兼职，']
    """
    clauses = [(start + m.start(), start + m.end()) for m in _CLAUSE.finditer(line[start:end])
               if not any(a <= start + m.start() and start + m.end() <= b for a, b in gone)]
    marks = [bool(span_features(line[a:b])) for a, b in clauses]
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(clauses):
        if not marks[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(clauses) and (marks[j + 1] or (
                j + 2 < len(clauses) and marks[j + 2] and clauses[j + 1][1] - clauses[j + 1][0] <= FRAGMENT_CHARS)):
            j += 1
        runs.append((clauses[i][0], clauses[j][1]))
        i = j + 1
    return runs


#: Hanzi of real words glued to an ad in its clause at which the ad alone goes (fewer: the ad's own).
NARROW_HANZI = 4
_CLAUSE_END = regex.compile(r"[，,、；;]")
#: Where a clause starts: after these, an ad's own trailing comma is the text's (…仪式。[ad]，).
_OPEN = frozenset("，,。！？!?；;：:、\n “「（(")


class _Judge:
    """Judges spans of one text against its topic (built once, when first needed); keeps the verdicts."""

    def __init__(self, text: str, threshold: int, keep_coherence: float, removed: Sequence[int] = ()) -> None:
        self.text, self.threshold, self.keep_coherence = text, threshold, keep_coherence
        self.removed = list(removed)  # sorted places where a rule cut a contact handle out of an ad
        self.topic: _Topic | None = None
        self.verdicts: list[Verdict] = []

    def marked(self, start: int, end: int) -> bool:
        """Whether a rule cut a contact handle out of ``text`` between ``start`` and ``end`` (edges included)."""
        i = bisect.bisect_left(self.removed, start)
        return i < len(self.removed) and self.removed[i] <= end

    def narrow(self, start: int, end: int) -> None:
        """Record the spam verdict for ``text[start:end]`` on its core (:func:`_core`) alone, when the
        words glued to the core in its own clause are real text (:data:`NARROW_HANZI` or more)."""
        first, last = _core(self.text, start, end)
        if len(_HAN.findall(self.text, start, first)) < NARROW_HANZI or _CLAUSE_END.search(self.text, start, first):
            first = start
        if len(_HAN.findall(self.text, last, end)) < NARROW_HANZI or _CLAUSE_END.search(self.text, last, end - 1):
            last = end
        self(first, last, keep=False) or self(start, end, keep=False)

    def __call__(self, start: int, end: int, shown: str | None = None, keep: bool = True,
                 record: bool = True) -> bool:
        """Judge ``text[start:end]`` (its features read from ``shown`` when given); True when it is spam.

        With ``keep=False`` a verdict that is not spam is not kept (a whole line tried first,
        judged again by its parts); with ``record=False`` no verdict is kept at all (a clause run
        whose removal :meth:`narrow` decides).
        """
        span = self.text[start:end] if shown is None else shown
        found = span_features(span)
        if "contact" not in found and self.marked(start, end):
            found.insert(0, "contact")
            found.append("contact_removed")
        if not _decisive(found):
            return False
        if self.topic is None:
            self.topic = _Topic(self.text)
        share, weight = self.topic.coherence(span, start, end)
        if weight >= coherence.Thresholds().min_weight and share < FOREIGN_COHERENCE:
            found.append("foreign")
        points = score(found)
        own = share >= self.keep_coherence and "contact" not in found
        spam = points >= self.threshold and not own
        if record and (spam or keep):
            end = len(self.text[:end].rstrip(" ，,、：:；;"))
            if spam and end < len(self.text) and self.text[end] in "，," and start and self.text[start - 1] not in _OPEN \
                    and self.text[start] not in "（(【[":
                end += 1  # an ad inside a clause takes its comma: 推介的[ad]，还有 → 推介的还有  # a run's trailing comma stays with the text
            self.verdicts.append(Verdict(start, max(end, start + 1), tuple(found), points, round(share, 3), spam))
        return spam


#: A piece this short is a fragment, not a sentence: it is judged with its neighbour.
FRAGMENT_CHARS = 16


def units(line: str, breaks: Sequence[int] = ()) -> list[tuple[int, int]]:
    """The spans of one line that are judged: its sentences (:func:`segments`), each fragment of
    at most :data:`FRAGMENT_CHARS` characters that does what an ad does (``急用钱？``, ``立即咨询``)
    joined to the sentence before it (or, first in the line, to the one after it); never across
    a join an earlier stage made (``breaks``). A short sentence with no feature (``居民说好。``)
    stays a span of its own.

    >>> u = "急用钱？身份证就能贷，最高可借20万，秒到账！戳这里>>"
    >>> [u[s:e] for s, e in units(u)]
    ['急用钱？身份证就能贷，最高可借20万，秒到账！戳这里>>']
    >>> u = "市场监管部门提醒消费者，不要轻信网贷广告。限时免费开放的博物馆吸引了大批游客。"
    >>> [u[s:e] for s, e in units(u)]
    ['市场监管部门提醒消费者，不要轻信网贷广告。', '限时免费开放的博物馆吸引了大批游客。']
    """
    cuts = sorted(set(breaks))

    def joined_between(a: int, b: int) -> bool:
        return any(a <= c <= b for c in cuts)

    merged: list[tuple[int, int]] = []
    waiting: tuple[int, int] | None = None  # leading fragments, before any sentence
    for start, end in segments(line, cuts):
        if waiting is not None:
            if joined_between(waiting[1], start):
                merged.append(waiting)
            else:
                start = waiting[0]
            waiting = None
        if end - start <= FRAGMENT_CHARS and _sells(span_features(line[start:end])):
            if merged and not joined_between(merged[-1][1], start):
                merged[-1] = (merged[-1][0], end)
            else:
                waiting = (start, end)
        else:
            merged.append((start, end))
    if waiting is not None:
        merged.append(waiting)
    return merged


def find_spam(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """``(start, end, features)`` of every span of ``text`` that is an ad (see the module docstring)."""
    return [(v.start, v.end, v.features) for v in judge(text) if v.spam]


def explain(text: str) -> list[str]:
    """One line per judged span: kept or removed, the score and the features that decided.

    >>> explain("欢迎来电咨询，热线：400-800-1234")[0].startswith("spam  score 4")
    True
    """
    out = []
    for v in judge(text):
        label = "spam" if v.spam else "kept"
        out.append(f"{label}  score {v.score}  coherence {v.coherence}  {'+'.join(v.features)}  "
                   f"{text[v.start:v.end][:60]!r}")
    return out


def ad_removals(doc: Document) -> list[int]:
    """Where, in ``doc.text``, a rule of the ``ads`` library cut part of an ad (a contact handle, a
    disguised URL): the rest of that ad has lost its decisive evidence, and the edit log keeps it."""
    points = junctions(doc.edits)
    # (a rule that took whole lines left no part of an ad behind: the lines around are not its)
    return [p for p, e in zip(points, doc.edits) if e.stage == "rules" and e.rule.startswith("ads.")
            and "\n" not in e.before]


def joins(doc: Document) -> list[int]:
    """Where, in ``doc.text``, the normalize stage joined a line to the one before (paragraphs broken
    mid-sentence): a junk line without a full stop may have been glued to real text there."""
    points = junctions(doc.edits)
    return [p for p, e in zip(points, doc.edits) if e.stage == "normalize" and e.rule == "broken_paragraph"]


# -- the stage -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spam:
    """Remove ads that no rule names: sentences and inline spans scored by general features.

    ``threshold``  score at which a span goes (default :data:`THRESHOLD`);
    ``keep_coherence``  a span this coherent with its document stays unless it
                   carries a contact handle (default :data:`KEEP_COHERENCE`).
    """

    name: ClassVar[str] = "spam"

    threshold: int = THRESHOLD
    keep_coherence: float = KEEP_COHERENCE

    def __post_init__(self) -> None:
        if self.threshold < 2:
            raise ValueError(f"threshold must be at least 2 (one feature is never enough), not {self.threshold!r}")

    def apply(self, doc: Document) -> Document:
        # A removal changes what a line looks like (a sentence that went leaves a short line, judged
        # whole next time): judge again until nothing changes, so applying the stage twice changes
        # nothing more. Each round removes text; in practice one or two rounds.
        for _ in range(MAX_ROUNDS):
            found = [v for v in judge(doc.text, self.threshold, self.keep_coherence, joins(doc), ad_removals(doc))
                     if v.spam]
            if not found:
                break
            for v in found:
                decide(doc, self.name, "ad", "removed", match=doc.text[v.start:v.end][:60], score=v.score,
                       coherence=v.coherence, features=list(v.features))
            spans = removal_spans(doc.text, [(v.start, v.end) for v in found], "delete_span")
            if not doc.replace(spans, self.name, "ad"):
                break
        return doc
