"""Noise families for the generalisation benchmark: templates, generators, injection.

Fourteen families of junk that scraped Chinese web pages carry, each with at
least 20 templates or generators, written from a survey of real page shapes
(news portals, forums, blogs, Q&A sites, e-commerce, government sites,
WeChat-article reprints, content farms; see docs/noise.md), not from ``seeds/``
and not from the pipeline's detectors. Fill-ins (names, numbers, URLs, dates,
keywords) are drawn with a seeded :class:`random.Random`.

Templates are split into halves by a fixed rule (:func:`template_half`, as
:mod:`benchmarks.structure`): even index ``dev``, odd index ``test``. Tune on
``dev``; quote ``test``.

Every template states the positions it is made for:

``head``    a block inserted before the page's first body paragraph (above or
            below the headline), or — for transforms — the first body paragraph;
``middle``  between two body paragraphs, or a paragraph strictly inside;
``tail``    after the last paragraph, or the last body paragraph;
``inline``  a span inside a real prose line (ads and gambling inside a sentence,
            after a comma; other families at a sentence boundary or the end of
            the line, as when an extractor glues two elements).

Every injected :class:`Item` records its family, kind (sub-family or shape),
template index, half, position, the exact text injected and the *probes*: the
injected characters to look for in the output (for ``broken`` the probes are
the line breaks with four characters of context on each side).
"""

from __future__ import annotations

import random
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from benchmarks.structure import _PLACES, _SOURCES, _date, _name, template_half

POSITIONS = ("head", "middle", "tail", "inline")
ALL = POSITIONS
LINES = ("head", "middle", "tail")


class NoSlot(Exception):
    """The page has no place for this item (too few paragraphs, no title, no prose line long enough)."""


@dataclass(frozen=True)
class Item:
    """One injected noise item and its ground truth.

    ``text`` is exactly what was injected (for transforms: the damaged text);
    ``probes`` the injected characters whose survival is measured; ``unit`` is
    ``"chars"`` or ``"breaks"``; ``repair`` says whether the probes are put
    through the repair stage before measuring (not for mojibake: repairing
    it is the point).
    """

    family: str
    kind: str
    template: int
    half: str
    position: str
    text: str
    probes: tuple[str, ...]
    unit: str = "chars"
    repair: bool = True


# --------------------------------------------------------------------------- folding

# White space (not newlines), control and format characters: the pipeline's spacing and
# invisible-character fixes must not count as text kept or lost.
_FOLD_DROP = re.compile(r"[^\S\n]+|[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_NEWLINES = re.compile(r"\n+")


def fold(text: str) -> str:
    r"""Text as the measures compare it: NFKC (full and half width alike), no spaces or controls, one newline per break.

    >>> fold("Ａ，　b\r\n\r\n\u200b好 ")
    'A,b\n好'
    """
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _NEWLINES.sub("\n", _FOLD_DROP.sub("", text)).strip("\n")


# --------------------------------------------------------------------------- fill-ins

_NICK_A = ("快乐", "小", "老", "阿", "大", "追风", "星空", "无敌", "淡定", "吃货", "爱", "冷", "蓝色", "北方")
_NICK_B = ("的猫", "鱼", "少年", "哥", "妹", "1988", "_007", "小白", "的风", "狼", "叶子", "同学", "嘻嘻", "君")
_SITES = ("新浪网", "网易", "搜狐", "腾讯网", "凤凰网", "中华网", "东方网", "大河网", "红网", "中国网", "环球网", "百家号",
          "今日头条", "知乎", "豆瓣", "天涯社区", "百度知道", "360doc个人图书馆", "道客巴巴", "CSDN博客", "新浪博客", "汽车之家",
          "太平洋电脑网", "中关村在线", "华律网", "39健康网", "育儿网", "58同城", "赶集网", "房天下", "携程旅行", "马蜂窝")
_CHANNELS = ("新闻中心", "国内新闻", "财经", "科技", "体育", "娱乐", "教育", "健康", "汽车", "房产", "旅游", "文化", "社会", "军事",
             "政务公开", "通知公告", "本地资讯", "生活百科", "经验分享", "问答")
_SUBS = ("滚动新闻", "要闻", "综合", "时评", "图片新闻", "工作动态", "部门动态", "行业资讯", "热点专题", "常见问题", "资料下载")
_PROVS = ("京", "沪", "粤", "浙", "苏", "鲁", "川", "鄂", "湘", "豫", "闽", "冀", "陕", "辽", "皖", "津", "渝", "桂")
_TLDS = ("com", "cn", "net", "com.cn", "cc", "vip", "top", "xyz", "org", "info")
_SYL = ("bao", "dai", "xin", "hao", "jin", "tian", "long", "feng", "hua", "mei", "kang", "le", "you", "bo", "cai", "yun", "da", "88", "365", "999")
_BRANDS = ("金鼎", "华信", "恒通", "瑞丰", "鑫源", "宏达", "佳美", "汇丰源", "百川", "天诚", "安信", "诚达", "盛世", "优品", "美联")
_COSMETIC = ("雪肌", "玉颜", "韩束", "薇诺", "莹润", "美肤宝", "水漾", "芙蓉")
_PRODUCTS = ("蓝牙耳机", "扫地机器人", "空气炸锅", "羽绒服", "运动鞋", "电动牙刷", "保温杯", "护眼台灯", "智能手表", "四件套")
_APPS = ("快看", "趣头条", "金豆", "好省", "省钱宝", "乐玩", "聚宝", "天天赚")
_GAMES = ("传奇霸业", "蓝月传奇", "屠龙之刃", "仙侠奇缘", "王者荣耀辅助", "剑侠情缘", "烈焰战神", "热血江湖")
_CASINOS = ("澳门新葡京", "威尼斯人", "金沙", "太阳城", "永利", "皇冠", "银河", "巴黎人", "美高梅", "博彩通")
_ESTATES = ("阳光花园", "锦绣华府", "滨江壹号", "御景湾", "中央公园", "翡翠城", "书香苑", "金域蓝湾")
_HOSPITALS = ("华夏", "仁爱", "协和", "博爱", "康复", "长城", "安琪")
_SPOTS = ("广场", "公园", "博物馆", "展览馆", "街头", "体育馆", "社区服务中心", "田间", "车间", "码头", "校园", "火车站")
_ACTS = ("参观展览", "观看表演", "晨练", "排队购票", "采摘", "选购年货", "参加义诊", "植树", "放风筝", "接受采访", "拍照留念")
_ORGS = ("主办方", "受访者", "活动组委会", "当地宣传部门", "警方", "景区管理处", "校方", "企业")
_COMMENTS = ("顶", "沙发", "写得好", "支持一下", "学习了", "说得太对了", "楼主好人", "路过", "mark一下", "感谢分享", "不明觉厉",
             "前排围观", "收藏了，慢慢看", "有没有人知道后续", "赞同", "已转发")
_ROADS = ("人民路", "中山路", "解放路", "建设大道", "长江路", "文化路", "新华街", "和平大街", "黄河路", "高新大道")
_DISTRICTS = ("朝阳", "海淀", "天河", "福田", "江北", "高新", "经开", "武侯", "雁塔", "历下")
_ROOTS = ("不锈钢管", "装修公司", "二手车", "减肥方法", "婚纱摄影", "股票行情", "电动车", "空调维修", "美容培训", "英语培训",
          "驾校", "搬家公司", "会计培训", "茶叶", "红木家具", "代理记账", "月嫂", "防水涂料", "钢结构", "监控安装")
_SUFFIX = ("价格", "厂家", "批发", "多少钱", "哪家好", "排名", "图片", "怎么样", "官网", "报价", "公司", "品牌", "电话", "加盟")
_CN = "一二三四五六七八九十"


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(n - 1))


def _domain(rng: random.Random) -> str:
    word = "".join(rng.choice(_SYL) for _ in range(rng.randint(1, 3)))
    return f"{word}{rng.choice(('', '', str(rng.randint(1, 999))))}.{rng.choice(_TLDS)}"


def _url(rng: random.Random) -> str:
    host = rng.choice(("www.", "", "m.", "wap.")) + _domain(rng)
    path = rng.choice(("", "", "/", f"/{rng.randint(100, 99999)}.html", "/?from=" + rng.choice(_SYL)))
    return rng.choice(("http://", "https://", "")) + host + path


def _wx(rng: random.Random) -> str:
    return rng.choice(("", "vx", "wx_", "")) + "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 6))) + _digits(rng, rng.randint(3, 6))


def _keywords(rng: random.Random, k: int) -> list[str]:
    """SEO keywords as content farms build them: a root, often a city, a buyer's suffix."""
    root = rng.choice(_ROOTS)
    out = []
    for _ in range(k):
        city = rng.choice(_PLACES) if rng.random() < 0.4 else ""
        out.append(city + (root if rng.random() < 0.7 else rng.choice(_ROOTS)) + (rng.choice(_SUFFIX) if rng.random() < 0.8 else ""))
    return out


# Fill-in generators by field name; a field used twice in one template gets one value.
_FIELDS: dict[str, Callable[[random.Random], str]] = {
    "phone": lambda r: "1" + r.choice("3456789") + _digits(r, 9),
    "land": lambda r: f"0{r.randint(10, 999)}-{_digits(r, r.choice((7, 8)))}",
    "p400": lambda r: f"400-{_digits(r, 3)}-{_digits(r, 4)}",
    "qq": lambda r: _digits(r, r.randint(6, 10)),
    "wx": _wx,
    "url": _url,
    "url2": _url,
    "domain": _domain,
    "email": lambda r: f"{''.join(r.choice(string.ascii_lowercase) for _ in range(r.randint(3, 8)))}@{r.choice(('163.com', 'qq.com', '126.com', 'sina.com', _domain(r)))}",
    "site": lambda r: r.choice(_SITES),
    "site2": lambda r: r.choice(_SITES),
    "src": lambda r: r.choice(_SOURCES),
    "name": _name,
    "name2": _name,
    "name3": _name,
    "user": lambda r: r.choice(_NICK_A) + r.choice(_NICK_B),
    "user2": lambda r: r.choice(_NICK_A) + r.choice(_NICK_B),
    "city": lambda r: r.choice(_PLACES),
    "city2": lambda r: r.choice(_PLACES),
    "prov": lambda r: r.choice(_PROVS),
    "d": lambda r: str(r.randint(2, 9)),
    "n": lambda r: str(r.randint(2, 9)),
    "m": lambda r: str(r.randint(10, 30)),
    "n2": lambda r: f"{r.randint(1, 49):02d}",
    "n3": lambda r: str(r.randint(100, 999)),
    "n4": lambda r: _digits(r, 4),
    "n5": lambda r: str(r.randint(1000, 99999)),
    "n8": lambda r: _digits(r, 8),
    "n14": lambda r: _digits(r, 14),
    "price": lambda r: str(r.randint(39, 9999)),
    "price2": lambda r: str(r.randint(9, 38)),
    "year": lambda r: str(r.randint(2016, 2025)),
    "y1": lambda r: str(r.randint(1998, 2012)),
    "y2": lambda r: str(r.randint(2018, 2025)),
    "date": lambda r: _date(r, r.choice(("%Y-%m-%d", "%Y年%m月%d日", "%Y/%m/%d", "%Y.%m.%d"))),
    "time": lambda r: _date(r, r.choice(("%H:%M", "%H:%M:%S"))),
    "brand": lambda r: r.choice(_BRANDS),
    "cosm": lambda r: r.choice(_COSMETIC),
    "product": lambda r: r.choice(_PRODUCTS),
    "app": lambda r: r.choice(_APPS),
    "game": lambda r: r.choice(_GAMES),
    "casino": lambda r: r.choice(_CASINOS),
    "estate": lambda r: r.choice(_ESTATES),
    "hosp": lambda r: r.choice(_HOSPITALS),
    "ch": lambda r: r.choice(_CHANNELS),
    "ch2": lambda r: r.choice(_CHANNELS),
    "ch3": lambda r: r.choice(_CHANNELS),
    "sub": lambda r: r.choice(_SUBS),
    "company": lambda r: r.choice(_PLACES) + r.choice(_BRANDS) + r.choice(("科技", "网络", "信息技术", "文化传媒", "实业")) + "有限公司",
    "org": lambda r: r.choice(_ORGS),
    "acct": lambda r: r.choice(_PLACES) + r.choice(("发布", "头条", "生活圈", "资讯", "身边事", "在线")),
    "zip": lambda r: _digits(r, 6),
    "district": lambda r: r.choice(_DISTRICTS),
    "road": lambda r: r.choice(_ROADS),
    "cn": lambda r: r.choice(_CN),
    "comment": lambda r: r.choice(_COMMENTS),
    "comment2": lambda r: r.choice(_COMMENTS),
    "scene": lambda r: r.choice(_PLACES) + "市民在" + r.choice(_SPOTS) + r.choice(_ACTS),
    "scene2": lambda r: r.choice(_PLACES) + r.choice(_SPOTS) + "一角",
    "kw": lambda r: _keywords(r, 1)[0],
    "kw2": lambda r: _keywords(r, 1)[0],
    "kw3": lambda r: _keywords(r, 1)[0],
}


@dataclass
class Context:
    """What a template may draw on besides the RNG: the page's title and foreign headlines."""

    title: str | None
    headlines: list[str]


def fill(template: str, rng: random.Random, ctx: Context) -> str:
    """A template with its fields drawn; ``{t1}``…``{t4}`` are foreign headlines, ``{title}`` the page's.

    >>> fill("热线：{p400}，{kw}", random.Random(1), Context("标题", [])) .startswith("热线：400-")
    True
    """
    values: dict[str, str] = {}
    heads = iter(rng.sample(ctx.headlines, min(4, len(ctx.headlines))) if ctx.headlines else [])
    for _, name, _, _ in string.Formatter().parse(template):
        if not name or name in values:
            continue
        if name == "title":
            if not ctx.title:
                raise NoSlot("no title")
            values[name] = ctx.title
        elif name.startswith("t") and name[1:].isdigit() or name.startswith("h") and name[1:].isdigit():
            values[name] = next(heads, "") or rng.choice(_CHANNELS)
        elif name.startswith("kws"):
            sep = {"kws": "、", "kwsp": " ", "kwsb": " | ", "kwsc": ",", "kwsf": "，", "kwsl": "/", "kwsu": "_"}[name]
            values[name] = sep.join(_keywords(rng, rng.randint(5, 10)))
        else:
            values[name] = _FIELDS[name](rng)
    return template.format(**values)


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Line:
    """A text block (one or more lines) inserted at a gap, or as a span inside a line when inline."""

    kind: str
    text: str | Callable[[random.Random, Context], str]
    positions: tuple[str, ...] = ALL


@dataclass(frozen=True)
class Op:
    """A generator that changes the page itself: ``fn(rng, page, position) -> (text, probes)``."""

    kind: str
    fn: Callable[..., tuple[str, tuple[str, ...]]]
    positions: tuple[str, ...] = LINES
    unit: str = "chars"
    repair: bool = True


# 1 ads other than gambling: two per sub-family, so both halves see every sub-family.
ADS = (
    Line("loans", "急用钱？无抵押信用贷款，最快30分钟放款，额度{n}万起，咨询热线：{phone}"),
    Line("loans", "【{city}{brand}贷】凭身份证即可借款{n}000元，日息低至0.0{d}%，当天到账，微信：{wx}"),
    Line("invoices", "代开各类发票：增值税普通发票、专用发票，点数低，可先验后付，联系{phone}（微信同号）"),
    Line("invoices", "办理各类证书：会计证、教师资格证、学历证书，学信网可查，QQ：{qq}"),
    Line("medical", "{city}治疗牛皮癣哪家医院好？{city}{hosp}皮肤病医院专家在线免费咨询：{land}"),
    Line("medical", "祖传秘方，专治糖尿病、高血压，三个疗程不复发，无效退款，购药热线{phone}"),
    Line("cosmetics", "{cosm}美白祛斑霜，7天见效，28天焕然新生，官方正品限时特价{price}元，点击{url}抢购"),
    Line("cosmetics", "微商代理招募：{cosm}面膜一件代发，零投资月入过万，加V：{wx}"),
    Line("education", "{year}年考研、公务员、教师资格考试保过班，不过全额退费，报名热线：{p400}"),
    Line("education", "英语四六级、计算机二级考前押题，答案考前获取，QQ群：{qq}"),
    Line("jobs", "诚聘在家兼职打字员，手机即可操作，日结{n}0-{n}00元，不收任何费用，联系QQ：{qq}"),
    Line("jobs", "{company}高薪诚聘普工、操作工若干名，月薪{n}000-{m}000元，包吃住，报名电话{phone}"),
    Line("realestate", "{city}{estate}，地铁口现房，首付{n}万起，均价{n5}元/㎡，售楼热线：{p400}"),
    Line("realestate", "{city}二手房急售：三室两厅{n}0平米，业主急用钱，低于市场价，看房电话{phone}"),
    Line("travel", "{city}到{city2}{d}日游特价{price}元/人，纯玩无购物，报名咨询：{phone}"),
    Line("travel", "机票酒店预订，全国特价机票低至1折，24小时订票热线：{p400}"),
    Line("shopping", "双十一狂欢：全场满{n}00减{n}0，前{d}00名下单送好礼，淘宝搜索“{brand}旗舰店”"),
    Line("shopping", "【限时秒杀】{product}原价{price}元，现价仅需{price2}元，点击领取优惠券：{url}"),
    Line("app", "下载{app}APP，新用户注册即送{n}0元红包，扫码下载：{url}"),
    Line("app", "手机扫一扫，下载{site}客户端，随时随地看新闻 {url}"),
    Line("games", "{game}：一刀{n}99级，上线送VIP{d}，爆率100%，立即试玩 {url}"),
    Line("games", "{year}新开{game}私服，万人同服，装备全靠打，官网：{url}"),
    Line("adult", "同城交友，{city}单身美女在线聊天，附近的人一键约，加微信：{wx}"),
    Line("adult", "男性保健品，延时持久效果显著，隐私包装发货，咨询热线{phone}"),
    Line("seo", "友情链接：{site} | {site2} | {kw} | {kw2} | {domain}"),
    Line("seo", "更多{kw}请访问 {url} ，{kw2}就上 {url2}"),
)

# 2 gambling
GAMBLING = tuple(Line("gambling", t) for t in (
    "{casino}娱乐城，真人百家乐，注册送{n}8元，官网{url}",
    "澳门新葡京线上娱乐，首存即送{n}00%，24小时在线提款，网址：{url}",
    "六合彩开奖结果查询，{year}年第{n3}期特码：{n2}，精准一肖一码 {url}",
    "时时彩计划群，稳赚不赔，带你回本翻身，QQ群{qq}",
    "北京赛车pk10人工计划，准确率95%以上，加微信{wx}",
    "{casino}国际：体育投注、电子游艺、棋牌、彩票，一站式娱乐平台 {url}",
    "皇冠体育足球投注，世界杯让球盘口即时更新，信誉平台 {url}",
    "{casino}赌场 老虎机 百家乐 龙虎斗 在线开户 {url}",
    "棋牌游戏炸金花、斗牛、牛牛，真金白银，秒提现，推荐码{n4}",
    "彩票平台：快三、11选5、幸运飞艇，1.98高赔率，下载{app}彩票APP",
    "香港马会资料大全，今晚开什么码，{year}六合彩图库 {url}",
    "威尼斯人线上娱乐场官方网站 {url} 注册即送彩金",
    "{casino}娱乐 {url} 亚洲最具信誉的网上娱乐平台",
    "足球比分直播、竞彩推荐，包中包赢，联系{wx}",
    "百家乐必胜打法揭秘，免费教学，月入{n}万不是梦，联系QQ：{qq}",
    "{casino}集团 官方直营 存款秒到账 {url}",
    "永利皇宫网上赌场，美女荷官在线发牌，{url}",
    "天天中彩票，{n}元中{n}00万，快上{url}",
    "网上真钱捕鱼游戏，上分下分微信{wx}",
    "888真人娱乐，电子游戏爆大奖，{url}",
    "澳门银河官网 {url} 澳门银河娱乐场官方唯一网址",
    "重庆时时彩开奖号码走势图 杀号定胆 {url}",
    "亚博体育 bet365 中文官网 体育博彩 {url}",
    "正规网赌平台推荐，赢了钱能提现，客服微信{wx}",
))


def _title_fragment(rng: random.Random, page: "Page") -> str:
    """2–4 characters of the page's title (what an SEO template stuffs into the text), else of a site name."""
    source = re.sub(r"[^\u4e00-\u9fff]", "", page.title or "")
    while len(source) < 4:
        source = re.sub(r"[^\u4e00-\u9fff]", "", rng.choice(_SITES))
    k = rng.randint(2, min(4, len(source)))
    start = rng.randrange(0, len(source) - k + 1)
    return source[start : start + k]


def _stuff(style: str, between: bool) -> Callable[..., tuple[str, tuple[str, ...]]]:
    """Insert a title fragment 2–6 times into (or between) sentences of one prose line."""

    def op(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
        index = page.prose(position, rng, 30)
        frag = style.format(f=_title_fragment(rng, page) if "{s}" not in style else "", s=rng.choice(_SITES))
        line = page.texts[index]
        cuts = _cuts(line, between) or [len(line)]
        chosen = sorted(rng.sample(cuts, min(len(cuts), rng.randint(2, 6))))
        for cut in reversed(chosen):
            line = line[:cut] + frag + line[cut:]
        page.set(index, line)
        return line, (frag,) * len(chosen)

    return op


# 3 keyword stuffing
STUFFING = (
    Line("keyword-run", "关键词：{kws}", LINES),
    Op("title-fragment", _stuff("{f}", between=False), ("inline",)),
    Line("keyword-run", "标签：{kwsp}", LINES),
    Op("title-fragment", _stuff("{f}", between=True), ("inline",)),
    Line("keyword-run", "热门搜索：{kwsb}", LINES),
    Line("hidden-text", lambda r, c: "".join(city + kw for city in r.sample(_PLACES, 8) for kw in [r.choice(_ROOTS)]), LINES),
    Op("title-fragment", _stuff("【{f}】", between=True), ("inline",)),
    Line("keyword-run", "Tags：{kwsc}", LINES),
    Op("title-fragment", _stuff("{s}", between=False), ("inline",)),
    Line("keyword-run", lambda r, c: "，".join(_keywords(r, r.randint(6, 10))), LINES),
    Line("hidden-text", lambda r, c: (lambda k: k * r.randint(5, 9))(r.choice(_ROOTS)), LINES),
    Op("title-fragment", _stuff("_{f}_", between=False), ("inline",)),
    Line("keyword-run", "相关搜索：{kwsp}", LINES),
    Op("title-fragment", _stuff("{f}", between=True), ("inline",)),
    Line("keyword-run", "本文关键词：{kwsf}", LINES),
    Line("hidden-text", lambda r, c: " ".join(f"{k} {_url(r)}" for k in _keywords(r, 5)), LINES),
    Line("keyword-run", "TAG标签：{kwsp}", LINES),
    Op("title-fragment", _stuff("【{f}】", between=False), ("inline",)),
    Line("hidden-text", lambda r, c: " ".join(f"{root}{s}" for root in [r.choice(_ROOTS)] for s in r.sample(_SUFFIX, 8)), LINES),
    Line("keyword-run", "热词：{kwsl}", LINES),
    Line("keyword-run", lambda r, c: "\n".join(_keywords(r, r.randint(5, 8))), LINES),
    Op("title-fragment", _stuff("{s}", between=True), ("inline",)),
    Line("hidden-text", lambda r, c: (lambda f: f * r.randint(4, 8))(re.sub(r"[^\u4e00-\u9fff]", "", c.title or "")[:4] or r.choice(_ROOTS)), LINES),
    Line("keyword-run", "站内搜索：{kwsu} 搜索", LINES),
)

# 4 metadata lines
METADATA = tuple(Line(kind, t) for kind, t in (
    ("breadcrumb", "首页 > {ch} > {sub} > 正文"),
    ("source", "来源：{src}　作者：{name}　发布时间：{date} {time}"),
    ("date", "{date} {time}　来源：{src}"),
    ("editor", "责任编辑：{name}"),
    ("counts", "阅读：{n5}　评论：{n3}"),
    ("font-size", "字号：大 中 小"),
    ("share", "分享到：微信 微博 QQ空间 复制链接"),
    ("breadcrumb", "当前位置：{site} » {ch} » 正文"),
    ("editor", "编辑：{name}　审核：{name2}"),
    ("date", "发布日期：{date}　浏览次数：{n5}"),
    ("print", "【打印】【关闭窗口】"),
    ("source", "作者：{name}　来源：{src}　点击数：{n5}　更新时间：{date}"),
    ("breadcrumb", "您现在的位置：首页 > {ch} > {sub}"),
    ("source", "{date} 来源: {src} 作者: {name} 阅读量: {n5}"),
    ("editor", "责编：{name}　校对：{name2}　审核：{name3}"),
    ("counts", "阅读 {n5}　在看 {n3}"),
    ("date", "时间：{date} {time} | 来源：{src} | 作者：{name}"),
    ("font-size", "[ 字体：大 中 小 ] [ 打印本页 ] [ 关闭 ]"),
    ("breadcrumb", "{site} > {ch} > {sub} > 详情"),
    ("date", "发表于 {date} {time} | 只看楼主 | 倒序浏览"),
    ("source", "原创 {name} {acct} {date}"),
    ("counts", "更新时间：{date}　已有{n5}人阅读"),
    ("date", "{date} {time} {site}"),
    ("share", "分享：扫一扫 用手机浏览 打印 收藏"),
    ("source", "提问者：{user} | 浏览次数：{n5}次 | {date}"),
    ("source", "文章来源：{src}　发布者：{name}　发布时间：{date}"),
))

# 5 footers
FOOTERS = tuple(Line(kind, t) for kind, t in (
    ("copyright", "Copyright © {y1}-{y2} {site} All Rights Reserved"),
    ("icp", "{prov}ICP备{n8}号-{d}"),
    ("contact", "联系电话：{land}　传真：{land}　地址：{city}市{district}区{road}{n3}号"),
    ("copyright", "版权所有：{city}市人民政府办公室　技术支持：{company}"),
    ("disclaimer", "免责声明：本文来源于网络，版权归原作者所有，如有侵权请联系删除。"),
    ("reprint", "未经授权，严禁转载。转载请注明出处：{site}"),
    ("links", "关于我们 | 联系我们 | 广告服务 | 法律声明 | 网站地图"),
    ("icp", "{prov}公网安备 {n14}号"),
    ("copyright", "本网站所刊登的各种新闻、信息和各种专题专栏资料，均为{site}版权所有，未经协议授权，禁止下载使用。"),
    ("disclaimer", "声明：本文仅代表作者个人观点，与{site}无关。其原创性以及文中陈述文字和内容未经本站证实，仅供参考。"),
    ("gov", "主办单位：{city}市人民政府办公室　承办单位：{city}市大数据中心　网站标识码：{n8}"),
    ("contact", "违法和不良信息举报电话：{land}　举报邮箱：{email}"),
    ("contact", "邮箱：{email}　QQ：{qq}　微信：{wx}"),
    ("icp", "©{y2} {company} 版权所有 | 增值电信业务经营许可证：{prov}B2-{n8}"),
    ("reprint", "（本文转载自{src}，如有侵权，请联系我们删除）"),
    ("disclaimer", "本站部分文章来自互联网，仅供学习交流，如涉及版权问题请及时联系站长处理。"),
    ("icp", "网站备案号：{prov}ICP备{n8}号　建议使用IE8以上浏览器浏览"),
    ("contact", "地址：{city}市{district}区{road}{n3}号　邮编：{zip}　电话：{land}"),
    ("copyright", "Copyright©{y2} {domain}. All rights reserved. 版权所有 {company}"),
    ("disclaimer", "特别声明：以上内容（如有图片或视频亦包括在内）为自媒体平台“{site}”用户上传并发布，本平台仅提供信息存储服务。"),
    ("follow", "更多精彩内容，请关注{site}官方微信公众号：{acct}"),
    ("contact", "联系我们\n电话：{phone}\n邮箱：{email}\n地址：{city}市{road}{n3}号"),
    ("reprint", "本文为{src}原创，转载请注明来源。"),
    ("copyright", "Powered by Discuz! X3.4 © 2001-{y2} Comsenz Inc."),
    ("contact", "客服热线：{p400}（工作日9:00-18:00）"),
))

# 6 photo captions
CAPTIONS = tuple(Line(kind, t) for kind, t in (
    ("credit", "图/{name}"),
    ("credit", "{name} 摄"),
    ("archive", "（资料图）"),
    ("caption", "图为{scene}。"),
    ("source", "（图片来源：{src}）"),
    ("caption", "▲{scene}。图片来源：网络"),
    ("credit", "本报记者 {name}摄"),
    ("credit", "新华社记者 {name} 摄"),
    ("source", "（图片来自网络）"),
    ("caption", "图：{scene}（{name}摄）"),
    ("source", "图片来源：视觉中国"),
    ("source", "图片由{org}提供"),
    ("credit", "（{src}记者 {name}/摄）"),
    ("caption", "▲图为{scene}"),
    ("caption", "上图：{scene}；下图：{scene2}。"),
    ("credit", "（图文：{name}）"),
    ("caption", "图{d}：{scene}"),
    ("credit", "摄影：{name}"),
    ("source", "（受访者供图）"),
    ("archive", "资料图片：{scene2}"),
    ("caption", "图片说明：{scene}。{name} 摄"),
    ("widget", "（点击图片进入下一页）"),
    ("caption", "↑{scene}"),
    ("source", "图片来源：东方IC"),
))

# 7 repeated titles (the page's own title, with site suffixes)
TITLES = tuple(Line("title", t) for t in (
    "{title}_{ch}_{site}", "{title}-{site}", "【{title}】", "{title} - 手机{site}", "{title}(组图)",
    "{title}|{site}", "{title}——{site}", "《{title}》", "{title} _ {site}资讯", "{title}_百度知道",
    "{title} - 知乎", "原标题：{title}", "{title}_网易订阅", "{title}（1）", "{title} 第{d}页",
    "{title}_搜狐网", "{title} - 澎湃新闻", "{title}【图】", "本文标题：{title}", "{title} | 微信公众号 {acct}",
    "{title} - CSDN博客", "{title}_哔哩哔哩_bilibili",
))


# 8 duplicated paragraphs --------------------------------------------------------------


def _near(rng: random.Random, text: str, how: str) -> str:
    """A near-exact copy of ``text``: what a second extraction of the same paragraph looks like."""
    if how == "halfwidth":
        return text.translate(str.maketrans("，。：；！？（）", ",.:;!?()"))
    if how == "drop":
        i = rng.randrange(len(text))
        return text[:i] + text[i + 1 :]
    if how == "sub":
        i = rng.randrange(len(text))
        return text[:i] + rng.choice(text) + text[i + 1 :]
    if how == "truncate":
        return text[: max(8, int(len(text) * rng.uniform(0.5, 0.8)))]
    if how == "spaces":
        chars = list(text)
        for i in sorted(rng.sample(range(1, len(chars)), min(3, len(chars) - 1)), reverse=True):
            chars.insert(i, " ")
        return "".join(chars)
    if how == "nopunct":
        return text.rstrip("。！？.!?")
    if how == "firstcut":
        return text[rng.randint(1, 3) :]
    if how == "fullwidth-digits":
        return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return text


def _dup(how: str = "exact", prefix: str = "", suffix: str = "", copies: int = 1, block: int = 1,
         which: str = "any", split: bool = False) -> Callable[..., tuple[str, tuple[str, ...]]]:
    def op(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
        source = page.prose_block(which, block, rng)
        originals = [page.texts[i] for i in source]
        copy_lines = [prefix + _near(rng, t, how) + suffix for t in originals]
        if split:
            line = copy_lines[0]
            cut = rng.randint(len(line) // 3, 2 * len(line) // 3)
            copy_lines = [line[:cut] + "\n" + line[cut:]]
        block_text = "\n\n".join(copy_lines)
        text = "\n\n".join([block_text] * copies)
        page.insert(position, rng, text)
        return text, tuple(ln for ln in text.split("\n") if ln.strip())

    return op


def _dup_sentence(near: bool) -> Callable[..., tuple[str, tuple[str, ...]]]:
    """A sentence of a line repeated right after itself (or at the line's end, slightly changed)."""

    def op(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
        index = page.prose(position, rng, 30)
        line = page.texts[index]
        sentences = [m.group() for m in re.finditer(r"[^。！？!?]+[。！？!?]", line)]
        sentences = [s for s in sentences if len(s) >= 8]
        if not sentences:
            raise NoSlot("no sentence")
        s = rng.choice(sentences)
        copy = _near(rng, s, "halfwidth" if rng.random() < 0.5 else "drop") if near else s
        at = line.index(s) + len(s) if not near else len(line)
        page.set(index, line[:at] + copy + line[at:])
        return copy, (copy,)

    return op


DUPLICATES = (
    Op("exact", _dup()),
    Op("exact", _dup(prefix="　　")),
    Op("near", _dup("halfwidth")),
    Op("near", _dup("drop")),
    Op("near", _dup("truncate")),
    Op("near", _dup("spaces")),
    Op("exact", _dup(which="first")),
    Op("exact", _dup(which="last")),
    Op("near", _dup("fullwidth-digits")),
    Op("summary", _dup(prefix="【摘要】", which="first")),
    Op("near", _dup(split=True)),
    Op("summary", _dup("truncate", suffix="...[详细]", which="first")),
    Op("near", _dup("sub")),
    Op("exact", _dup(copies=2)),
    Op("summary", _dup(prefix="导读：", which="first")),
    Op("near", _dup("nopunct")),
    Op("exact", _dup(block=2)),
    Op("near", _dup(prefix="　", suffix="  ")),
    Op("summary", _dup("truncate", prefix="内容提要：", which="first")),
    Op("near", _dup("firstcut")),
    Op("sentence", _dup_sentence(near=False), ("inline",)),
    Op("sentence", _dup_sentence(near=True), ("inline",)),
)


# 9 markdown residue --------------------------------------------------------------------


def _phrase(rng: random.Random, line: str) -> tuple[int, int]:
    """A span of 2–8 CJK characters of ``line`` (what an author emphasises or links)."""
    runs = [m.span() for m in re.finditer(r"[\u4e00-\u9fff]{4,}", line)]
    if not runs:
        raise NoSlot("no phrase")
    a, b = rng.choice(runs)
    k = rng.randint(2, min(8, b - a))
    start = rng.randint(a, b - k)
    return start, start + k


def _wrap(left: str, right: str) -> Callable[..., tuple[str, tuple[str, ...]]]:
    """Markdown inline markup around a real phrase of a prose line: only the markers are noise."""

    def op(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
        index = page.prose(position, rng, 20)
        line = page.texts[index]
        a, b = _phrase(rng, line)
        r = right.format(url=_url(rng), d=rng.randint(1, 9))
        page.set(index, line[:a] + left + line[a:b] + r + line[b:])
        return page.texts[index], tuple(p for p in (left, r) if p)

    return op


def _prefix(marker: str, closing: str = "") -> Callable[..., tuple[str, tuple[str, ...]]]:
    """A block marker before a real paragraph (``> ``, ``# ``, ``- ``); ``closing`` after it."""

    def op(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
        if marker.startswith("#") and position == "head" and page.title:
            index = 0
        else:
            index = page.prose(position, rng, 10)
        page.set(index, marker + page.texts[index] + closing)
        return page.texts[index], tuple(p for p in (marker, closing.strip("\n")) if p.strip())

    return op


def _underline(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
    if not page.title:
        raise NoSlot("no title")
    marker = "=" * rng.randint(4, 20)
    page.set(0, page.texts[0] + "\n" + marker)
    return page.texts[0], (marker,)


MARKDOWN = (
    Line("rule", "---", LINES),
    Op("emphasis", _wrap("**", "**"), ("inline",)),
    Line("rule", "***", LINES),
    Op("quote", _prefix("> ")),
    Line("rule", "___", LINES),
    Op("heading", _prefix("# ")),
    Op("link", _wrap("[", "]({url})"), ("inline",)),
    Line("rule", "* * *", LINES),
    Op("emphasis", _wrap("__", "__"), ("inline",)),
    Op("list", _prefix("- ")),
    Line("image", "![图片]({url})", LINES),
    Op("emphasis", _wrap("*", "*"), ("inline",)),
    Op("fence", _prefix("```\n", "\n```")),
    Op("heading", _underline, ("head",)),
    Op("code", _wrap("`", "`"), ("inline",)),
    Op("quote", _prefix("> **", "**")),
    Line("link", "[点击查看原文]({url})", LINES),
    Line("rule", "- - -", LINES),
    Op("strike", _wrap("~~", "~~"), ("inline",)),
    Op("heading", _prefix("## ")),
    Line("table", "|---|---|", LINES),
    Op("footnote", _wrap("", "[^{d}]"), ("inline",)),
    Line("link", "[{d}]: {url}", LINES),
    Line("comment", "<!-- more -->", LINES),
)


# 10 broken lines -----------------------------------------------------------------------

_NO_LINE_START = "，。、；：！？）》」”,.;:!?)"


def _wrap_lines(text: str, width: int, kinsoku: bool) -> list[str]:
    """Hard-wrap at ``width`` characters; ``kinsoku`` keeps closing punctuation off a line's start."""
    out, i = [], 0
    while i < len(text):
        j = min(len(text), i + width)
        if kinsoku:
            while j < len(text) and text[j] in _NO_LINE_START:
                j += 1
        out.append(text[i:j])
        i = j
    return out


def _break(width: int = 0, sep: str = "\n", trail: str = "", indent: str = "", kinsoku: bool = False,
           splits: int = 0, at: str = "any") -> Callable[..., tuple[str, tuple[str, ...]]]:
    """Break a real prose paragraph: hard-wrapped at ``width`` or split ``splits`` times."""

    def op(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
        index = page.prose(position, rng, max(40, 2 * width + 1))
        text = page.texts[index]
        if width:
            pieces = _wrap_lines(text, width, kinsoku)
        else:
            if at == "comma":
                cuts = [m.end() for m in re.finditer(r"[，,、]", text[:-2])]
            elif at == "quote":
                cuts = [m.start() for m in re.finditer(r"[“《（(]", text) if m.start() > 2]
            else:
                cuts = [i for i in range(4, len(text) - 4) if text[i - 1] not in _NO_LINE_START and text[i] not in _NO_LINE_START]
            if len(cuts) < splits:
                raise NoSlot("nowhere to split")
            chosen = sorted(rng.sample(cuts, splits))
            pieces = [text[a:b] for a, b in zip([0, *chosen], [*chosen, len(text)])]
        pieces = [p for p in pieces if p]
        if len(pieces) < 2:
            raise NoSlot("too short")
        broken = (trail + sep + indent).join(pieces)
        page.set(index, broken)
        return broken, _break_probes(pieces)

    return op


def _break_probes(pieces: list[str]) -> tuple[str, ...]:
    """Each break as four characters either side of a newline (folded as the measure folds text)."""
    folded = [fold(p) for p in pieces]
    return tuple(f"{a[-4:]}\n{b[:4]}" for a, b in zip(folded, folded[1:]))


BROKEN = tuple(Op("wrap" if "width" in str(kw) else "split", _break(**kw), unit="breaks") for kw in (
    {"width": 20}, {"width": 21}, {"width": 24}, {"width": 25}, {"width": 28}, {"width": 30},
    {"width": 32}, {"width": 35}, {"width": 36}, {"width": 40}, {"width": 38, "trail": " "},
    {"width": 26, "sep": "\r\n"}, {"splits": 1, "sep": "\n\n"}, {"splits": 1, "sep": "\n\n", "at": "comma"},
    {"splits": 2, "sep": "\n\n"}, {"width": 30, "kinsoku": True}, {"width": 34, "kinsoku": True},
    {"width": 16}, {"splits": 1, "sep": "\n\n", "indent": "　　"}, {"width": 27, "indent": "  "},
    {"width": 33, "sep": "\n\n"}, {"width": 29, "kinsoku": True, "trail": "　"},
    {"splits": 1, "sep": "\n\n", "at": "quote"}, {"splits": 1, "sep": "\n"},
))


# 11 pinyin annotations -----------------------------------------------------------------


def _pinyin(chars: str, style: str) -> list[str]:
    import pypinyin

    table = {"tone": pypinyin.Style.TONE, "tone3": pypinyin.Style.TONE3, "plain": pypinyin.Style.NORMAL,
             "bopomofo": pypinyin.Style.BOPOMOFO}
    return [s[0] for s in pypinyin.pinyin(chars, style=table[style])]


def _annotate(fmt: str, style: str = "tone", sep: str = " ", per_char: bool = False,
              case: str = "") -> Callable[..., tuple[str, tuple[str, ...]]]:
    """Pinyin after 1–3 words (runs of 1–3 hanzi) of a prose paragraph, as dictionaries and textbooks print it."""

    def op(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
        index = page.prose(position, rng, 20)
        line = page.texts[index]
        runs = [m.span() for m in re.finditer(r"[\u4e00-\u9fff]{3,}", line)]
        if not runs:
            raise NoSlot("no hanzi")
        spots = []
        for a, b in rng.sample(runs, min(len(runs), rng.randint(1, 3))):
            k = rng.randint(1, min(3, b - a))
            start = rng.randint(a, b - k)
            spots.append((start, start + k))
        spots.sort()
        out, last, notes = [], 0, []
        for a, b in spots:
            if a < last:
                continue
            word = line[a:b]
            syllables = _pinyin(word, style)
            if case == "upper":
                syllables = [s.upper() for s in syllables]
            elif case == "title":
                syllables = [s.capitalize() for s in syllables]
            out.append(line[last:a])
            if per_char:
                for ch, s in zip(word, syllables):
                    note = fmt.format(s)
                    out.append(ch + note)
                    notes.append(note)
            else:
                note = fmt.format(sep.join(syllables))
                out.append(word + note)
                notes.append(note)
            last = b
        out.append(line[last:])
        page.set(index, "".join(out))
        return page.texts[index], tuple(notes)

    return op


PINYIN = tuple(Op(kind, fn, ALL[:3]) for kind, fn in (
    ("parens", _annotate("({})")),
    ("fullwidth", _annotate("（{}）")),
    ("brackets", _annotate("[{}]", "plain", "")),
    ("tone-numbers", _annotate("({})", "tone3")),
    ("brackets", _annotate("[{}]")),
    ("fullwidth", _annotate("（{}）", sep="")),
    ("parens", _annotate("({})", "plain")),
    ("lenticular", _annotate("【{}】")),
    ("tone-numbers", _annotate("（{}）", "tone3", "")),
    ("tortoise", _annotate("〔{}〕")),
    ("parens", _annotate("({})", case="title")),
    ("tone-numbers", _annotate("[{}]", "tone3")),
    ("fullwidth", _annotate("（{}）", sep="-")),
    ("parens", _annotate("({})", sep="'")),
    ("slashes", _annotate("/{}/")),
    ("labelled", _annotate("（拼音：{}）")),
    ("parens", _annotate("({})", "plain", case="upper")),
    ("labelled", _annotate("（读音：{}）")),
    ("per-char", _annotate("({})", per_char=True)),
    ("per-char", _annotate("[{}]", "tone3", per_char=True)),
    ("padded", _annotate("( {} )", sep="  ")),
    ("bopomofo", _annotate("（{}）", "bopomofo")),
    ("labelled", _annotate("（注音：{}）")),
    ("per-char", _annotate("（{}）", per_char=True)),
))


# 13 mojibake ---------------------------------------------------------------------------


def _garble(text: str, encode: str, decode: str, errors: str, rounds: int = 1) -> str:
    for _ in range(rounds):
        text = text.encode(encode, errors="replace").decode(decode, errors=errors)
    return text


def _mojibake(encode: str, decode: str, lo: int, hi: int, errors: str = "replace", rounds: int = 1,
              clause: bool = False) -> Callable[..., tuple[str, tuple[str, ...]]]:
    """A span of a real line mis-decoded (its bytes in ``encode`` read as ``decode``); truth is the original."""

    def op(rng: random.Random, page: "Page", position: str) -> tuple[str, tuple[str, ...]]:
        index = page.prose(position, rng, hi + 4)
        line = page.texts[index]
        if clause:
            spans = [m.span() for m in re.finditer(r"[^，。；！？,.;!?]{%d,%d}" % (lo, hi), line)]
            if not spans:
                raise NoSlot("no clause")
            a, b = rng.choice(spans)
        else:
            k = rng.randint(lo, hi)
            a = rng.randrange(0, len(line) - k + 1)
            b = a + k
        span = line[a:b]
        try:
            span.encode(encode)
        except UnicodeEncodeError:
            raise NoSlot("span not encodable") from None
        garbled = _garble(span, encode, decode, errors, rounds)
        if garbled == span or not garbled:
            raise NoSlot("nothing garbled")
        page.set(index, line[:a] + garbled + line[b:])
        return garbled, (garbled,)

    return op


MOJIBAKE = tuple(Op(f"{e}>{d}", _mojibake(e, d, lo, hi, **kw), ALL[:3], repair=False) for e, d, lo, hi, kw in (
    ("utf-8", "gbk", 4, 8, {}),
    ("gbk", "latin-1", 3, 6, {}),
    ("gbk", "cp1252", 3, 6, {}),
    ("utf-8", "gbk", 8, 16, {}),
    ("utf-8", "cp1252", 3, 8, {}),
    ("utf-8", "latin-1", 3, 8, {}),
    ("gb18030", "latin-1", 4, 8, {}),
    ("utf-8", "gb18030", 4, 10, {}),
    ("gbk", "big5", 4, 10, {}),
    ("utf-8", "gbk", 4, 10, {"errors": "ignore"}),
    ("gbk", "latin-1", 10, 20, {"clause": True}),
    ("utf-8", "cp1252", 6, 16, {"clause": True}),
    ("utf-8", "big5", 4, 10, {}),
    ("gbk", "cp1252", 8, 14, {}),
    ("utf-8", "gbk", 6, 14, {"clause": True}),
    ("utf-8", "latin-1", 2, 4, {}),
    ("gbk", "latin-1", 6, 10, {}),
    ("utf-8", "gbk", 2, 3, {"rounds": 2}),
    ("utf-8", "cp1252", 2, 3, {}),
    ("utf-8", "shift_jis", 4, 10, {}),
    ("gbk", "utf-8", 4, 10, {}),
    ("utf-8", "gbk", 12, 20, {}),
    ("gbk", "latin-1", 12, 20, {}),
    ("utf-8", "cp1252", 10, 16, {}),
))

# 12 site navigation
NAVIGATION = tuple(Line(kind, t) for kind, t in (
    ("prev-next", "上一篇：{t1}\n下一篇：{t2}"),
    ("pagination", "首页 上一页 1 2 3 4 5 下一页 尾页"),
    ("prev-next", "上一篇：{t1}　下一篇：{t2}"),
    ("pagination", "共{n}页：上一页 1 2 3 下一页"),
    ("toc", "目录\n一、{h1}\n二、{h2}\n三、{h3}"),
    ("menu", "首页 | 新闻 | 体育 | 娱乐 | 财经 | 科技 | 汽车 | 房产 | 论坛"),
    ("prev-next", "« 上一篇 {t1}\n下一篇 » {t2}"),
    ("pagination", "第一页 上一页 [1] [2] [3] 下一页 最后一页"),
    ("menu", "返回顶部"),
    ("pagination", "1 2 3 4 ... {m} 下一页 >"),
    ("prev-next", "上一章 目录 下一章"),
    ("toc", "文章目录\n1. {h1}\n2. {h2}\n3. {h3}\n4. {h4}"),
    ("prev-next", "前一篇：{t1}　后一篇：{t2}"),
    ("menu", "网站首页 政务公开 政务服务 互动交流 走进{city}"),
    ("pagination", "< 上一页 1 2 3 下一页 >"),
    ("prev-next", "下一页：{t2}"),
    ("pagination", "本文共{n}页 [1] [2] [3]"),
    ("prev-next", "上一条：{t1}\n下一条：{t2}"),
    ("pagination", "共{n3}条记录 第1/{m}页 首页 上一页 下一页 尾页 跳转"),
    ("menu", "登录 | 注册 | 手机版 | 帮助中心"),
    ("toc", "目录：\n第一章 {h1}\n第二章 {h2}\n第三章 {h3}"),
    ("prev-next", "返回列表 上一主题 下一主题"),
    ("menu", "热门栏目：{ch} | {ch2} | {ch3} | 专题"),
    ("prev-next", "上一篇：没有了\n下一篇：{t2}"),
))

# 14 comment blocks and interaction widgets
COMMENTS = tuple(Line(kind, t) for kind, t in (
    ("comments", "网友评论\n{user}：{comment}\n{user2}：{comment2}"),
    ("widget", "我要评论"),
    ("widget", "点赞({n3})　收藏　举报"),
    ("widget", "已有{n3}条评论，点击查看"),
    ("form", "发表评论\n请遵守互联网相关规定，不要发布广告和违法内容\n提交"),
    ("widget", "赞({n3}) | 踩({n}) | 回复 | 举报"),
    ("comments", "{user} {date} {time}\n{comment}\n回复 点赞{n3}"),
    ("widget", "喜欢此内容的人还喜欢"),
    ("comments", "评论区\n最新评论\n暂无评论，快来抢沙发吧~"),
    ("widget", "分享 | 收藏 | 评论({n3}) | 点赞"),
    ("widget", "本文已有{n3}人点赞，{m}人收藏"),
    ("comments", "{site}网友 [{city}网友] 发表于 {date}\n{comment}"),
    ("widget", "长按识别二维码关注我们"),
    ("widget", "点个“在看”，让更多人看到"),
    ("widget", "觉得不错就点个赞吧👍"),
    ("comments", "{m}楼 {user} 发表于 {date}\n{comment}"),
    ("widget", "查看全部{n3}条评论 >"),
    ("widget", "举报 | 删除 | 回复"),
    ("form", "写下你的评论...\n发布"),
    ("widget", "打赏\n{m}人已打赏"),
    ("comments", "热门评论\n{user}：{comment}（{n3}赞）"),
    ("widget", "有用({n3})　没用({n})　回复"),
    ("widget", "欢迎在下方留言区与我们互动"),
    ("form", "登录后才可以评论 | 立即登录 | 注册"),
))

FAMILIES: dict[str, tuple[Line | Op, ...]] = {
    "ads": ADS,
    "gambling": GAMBLING,
    "stuffing": STUFFING,
    "metadata": METADATA,
    "footer": FOOTERS,
    "caption": CAPTIONS,
    "title": TITLES,
    "duplicate": DUPLICATES,
    "markdown": MARKDOWN,
    "broken": BROKEN,
    "pinyin": PINYIN,
    "navigation": NAVIGATION,
    "mojibake": MOJIBAKE,
    "comments": COMMENTS,
}


def templates(family: str, half: str) -> list[tuple[int, Line | Op]]:
    """``(index, template)`` of one family in one half (even index dev, odd test).

    >>> all(len(t) >= 20 for t in FAMILIES.values())
    True
    >>> {i % 2 for i, _ in templates("ads", "test")}
    {1}
    """
    return [(i, t) for i, t in enumerate(FAMILIES[family]) if template_half(i) == half]


# --------------------------------------------------------------------------- pages


_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
# Ads and gambling inside a sentence: how sites and spammers set a span off (or not at all).
_INLINE_WRAP = ("{}", "（{}）", "【{}】", " {} ", "，{}，", "({})")


def _cuts(line: str, between: bool) -> list[int]:
    """Where a span can go in a line: after sentence ends (``between``) or after commas (inside a sentence)."""
    pattern = r"[。！？!?]" if between else r"[，,、；]"
    return [m.end() for m in re.finditer(pattern, line) if 2 < m.end() < len(line) - 1]


@dataclass
class Page:
    """A clean source document being made noisy: paragraphs, insertions at gaps, paragraphs changed.

    ``title`` is the first paragraph when the source has headlines (news, manuals), else ``None``.
    """

    paras: list[str]
    title: str | None
    texts: list[str] = field(default_factory=list)
    inserts: dict[int, list[str]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.texts = list(self.paras)

    @property
    def first_body(self) -> int:
        return 1 if self.title else 0

    def _is_prose(self, i: int, min_len: int) -> bool:
        t = self.paras[i]
        return ("\n" not in t and len(t) >= min_len and len(_CJK_RE.findall(t)) >= 0.5 * len(t)
                and t[-1] in "。！？!?.”）)～~" and i not in self.used)

    def prose(self, position: str, rng: random.Random, min_len: int) -> int:
        """An unused prose paragraph for a change at ``position``; marks it used."""
        cands = [i for i in range(self.first_body, len(self.paras)) if self._is_prose(i, min_len)]
        if position == "head":
            cands = cands[:1] if cands and cands[0] <= self.first_body + 1 else []
        elif position == "tail":
            cands = cands[-1:] if cands and cands[-1] >= len(self.paras) - 2 else []
        elif position == "middle":
            cands = [i for i in cands if self.first_body < i < len(self.paras) - 1]
        if not cands:
            raise NoSlot(f"no prose paragraph at {position}")
        i = rng.choice(cands)
        self.used.add(i)
        return i

    def prose_block(self, which: str, size: int, rng: random.Random) -> list[int]:
        """``size`` consecutive unused prose paragraphs to copy (the first, the last or any); marks them used."""
        body = range(self.first_body, len(self.paras) - size + 1)
        starts = [i for i in body if all(self._is_prose(j, 10) for j in range(i, i + size))]
        if which == "first":
            starts = [i for i in starts if i == self.first_body]
        elif which == "last":
            starts = [i for i in starts if i + size == len(self.paras)]
        if not starts:
            raise NoSlot("nothing to copy")
        i = rng.choice(starts)
        self.used.update(range(i, i + size))
        return list(range(i, i + size))

    def set(self, index: int, text: str) -> None:
        self.used.add(index)
        self.texts[index] = text

    def gap(self, position: str, rng: random.Random) -> int:
        """Where a block goes: index of the paragraph it is inserted before."""
        n, first = len(self.paras), self.first_body
        if position == "head":
            return rng.choice((0, first)) if first else 0
        if position == "tail":
            return n
        if n - first < 2:
            raise NoSlot("no middle")
        return rng.randint(first + 1, n - 1)

    def insert(self, position: str, rng: random.Random, block: str) -> None:
        self.inserts.setdefault(self.gap(position, rng), []).append(block)

    def inline(self, rng: random.Random, span: str, inside: bool) -> str:
        """Put ``span`` into a prose line (after a comma when ``inside``, else at a sentence end); return it."""
        index = self.prose("inline", rng, 20)
        line = self.texts[index]
        cuts = _cuts(line, between=not inside) or [len(line)]
        cut = rng.choice(cuts)
        self.set(index, line[:cut] + span + line[cut:])
        return span

    def render(self) -> str:
        out = []
        for i, text in enumerate(self.texts):
            out.extend(self.inserts.get(i, []))
            out.append(text)
        out.extend(self.inserts.get(len(self.texts), []))
        return "\n\n".join(out)


def inject(family: str, index: int, half: str, position: str, page: Page, rng: random.Random,
           ctx: Context) -> Item:
    """Apply template ``index`` of ``family`` to ``page`` at ``position``; raise :class:`NoSlot` if it cannot go there.

    A failed attempt may leave paragraphs marked used but changes nothing in the text.
    """
    tpl = FAMILIES[family][index]
    if position not in tpl.positions:
        raise NoSlot(f"{family}#{index} not made for {position}")
    if isinstance(tpl, Op):
        text, probes = tpl.fn(rng, page, position)
        return Item(family, tpl.kind, index, half, position, text, probes, tpl.unit, tpl.repair)
    text = tpl.text(rng, ctx) if callable(tpl.text) else fill(tpl.text, rng, ctx)
    if position == "inline":
        span = text.replace("\n", rng.choice((" ", "　", " | ")))
        if family in ("ads", "gambling"):
            span = rng.choice(_INLINE_WRAP).format(span)
        page.inline(rng, span, inside=family in ("ads", "gambling"))
        return Item(family, tpl.kind, index, half, position, span, (span,))
    page.insert(position, rng, text)
    return Item(family, tpl.kind, index, half, position, text, tuple(ln for ln in text.split("\n") if ln.strip()))


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """A noisy document: the clean source text (the truth) and the items injected into it."""

    id: str
    source: str
    clean: str
    text: str
    items: tuple[Item, ...]


def _pool(source: str, docs: list[tuple[str, str]], half: str) -> list[tuple[str, str]]:
    from benchmarks.sources import half_of

    return [(i, t) for i, t in docs if half_of(i) == half and 200 <= len(t) <= 6000 and t.count("\n\n") >= 2]


def make_cases(half: str, sources_docs: dict[str, list[tuple[str, str]]], per_cell: int = 8,
               families: Iterable[str] | None = None, seed: int = 0) -> list[Case]:
    """Noisy documents of one half: ``per_cell`` items for every family × position its templates are made for.

    Every position cycles through the half's templates made for it; items are
    shuffled and dealt 1–3 to a document, documents taken in turn from each
    source (documents of the half by :func:`benchmarks.sources.half_of`, each
    used once). An item that has no place in a document (a transform needing
    a prose line, a title for a page without one) goes to the next.
    Deterministic for the same arguments.

    >>> docs = {"x": [(f"x/{i}", "标题\\n\\n" + "\\n\\n".join(["今天天气很好，我们去公园散步，看到很多人在锻炼身体。"] * 8)) for i in range(400)]}
    >>> cases = make_cases("dev", docs, per_cell=1, families=["ads", "broken"])
    >>> sorted({(it.family, it.position) for c in cases for it in c.items})[:3]
    [('ads', 'head'), ('ads', 'inline'), ('ads', 'middle')]
    >>> all(it.text in c.text for c in cases for it in c.items)
    True
    """
    if half not in ("dev", "test"):
        raise ValueError(f"half must be 'dev' or 'test', not {half!r}")
    rng = random.Random(f"noise-{seed}-{half}")
    names = list(families) if families else list(FAMILIES)
    specs: list[tuple[str, int, str]] = []
    for family in names:
        table = templates(family, half)
        for p, position in enumerate(POSITIONS):
            usable = [i for i, t in table if position in t.positions]
            for k in range(per_cell if usable else 0):
                specs.append((family, usable[(k + p) % len(usable)], position))
    rng.shuffle(specs)
    pools = {name: _pool(name, docs, half) for name, docs in sources_docs.items()}
    for pool in pools.values():
        rng.shuffle(pool)
    headlines = [t.split("\n\n", 1)[0] for docs in pools.values() for _, t in docs[-200:]]
    headlines = [h for h in headlines if 6 <= len(h) <= 30 and "\n" not in h] or list(_CHANNELS)
    order = [name for name in pools if pools[name]]
    cases: list[Case] = []
    turn = 0
    failures = 0
    while specs and order and failures < 50 * len(specs) + 1000:
        name = order[turn % len(order)]
        turn += 1
        if not pools[name]:
            order.remove(name)
            continue
        doc_id, clean = pools[name].pop()
        paras = clean.split("\n\n")
        title = paras[0] if name != "reviews" and len(paras[0]) <= 40 and "\n" not in paras[0] else None
        page = Page(paras, title)
        ctx = Context(title, headlines)
        want = rng.randint(1, 3)
        items: list[Item] = []
        rest = []
        for spec in specs:
            if len(items) >= want:
                rest.append(spec)
                continue
            family, index, position = spec
            if any(it.family == family for it in items):
                rest.append(spec)
                continue
            try:
                items.append(inject(family, index, half, position, page, rng, ctx))
            except NoSlot:
                failures += 1
                rest.append(spec)
        specs = rest
        if items:
            cases.append(Case(f"noise/{half}/{doc_id}", name, clean, page.render(), tuple(items)))
    return cases
