"""Page furniture by its shape: lines made of widget words, metadata fields, counts, dates and page numbers.

A scraped page keeps the text of its controls: share bars (``分享到 微信 微博
QQ空间``), tool rows (``【打印】【关闭】 字号：大 中 小``), counters (``阅读 1,234 |
评论 12 | 点赞``), metadata rows (``来源：某某网 作者：张三 2024-05-12 10:20``),
pagination (``首页 上一页 1 2 3 下一页 尾页``), comment prompts (``网友评论 我要评论
已有12人参与``). Every site words them a little differently, and a list of whole
lines cannot keep up; but they are all built the same way: a short line of
*chunks* (split at spaces, ``|``, ``/``, ``·``, ``>``, brackets), each chunk a
control word, a count, a date or time, a page number or a ``key：value`` field
with a metadata key, a portal section name (a menu bar), and no sentence; or a
breadcrumb trail (``首页 > 国内 > 正文``).

:func:`furniture_line` reads a line that way. It goes when every chunk is
furniture and there are at least two (one word alone may be a heading: ``评论``
over a commentary), or when the line is one ``key：value`` field with a
metadata key at the head or tail of the document (``编辑：李四`` closing the
page), and never when the line holds a sentence (``。！？``) or more than
:data:`MAX_LINE_CHARS` characters. A line of an event notice such as
``时间：5月12日 地点：市图书馆`` is two fields, but ``地点`` is not a metadata key:
it stays.

>>> furniture_line("来源：人民网 作者：张三 2024-05-12 10:20 阅读：1234", at_edge=False)
('key_value', 'key_value', 'date', 'date', 'key_value')
>>> furniture_line("首页 上一页 1 2 3 下一页 尾页", at_edge=False)
('control', 'control', 'number', 'number', 'number', 'control', 'control')
>>> furniture_line("分享经济：共享单车的未来", at_edge=True) is None
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar

import regex

from .document import Document
from .lines import split_lines
from .removals import decide, removal_spans

#: Longest line read as furniture: a control row, a metadata row.
MAX_LINE_CHARS = 120
#: A control phrase this long stands alone as furniture (点击加载更多); a shorter word (评论,
#: 分享) alone may be a heading.
STRONG_CONTROL_CHARS = 4
#: Lines from either end of the document where a lone metadata field is furniture.
EDGE_LINES = 4

#: Words of page controls: sharing, printing, font size, navigation between pages,
#: comments and reactions, account links, subscription. Whole chunks only.
CONTROLS = frozenset("""
分享 分享到 分享至 一键分享 转发 收藏 加入收藏 取消收藏 打印 打印本页 打印此页 打印本文 关闭 关闭窗口 关闭本页
返回 返回顶部 回到顶部 返回首页 返回列表 返回目录 顶部 TOP Top top 纠错 我要纠错 举报 投诉
字号 字体 大 中 小 大字 中字 小字 默认 放大 缩小 A+ A- 繁体 简体 繁 简 繁體 切换
首页 尾页 末页 上一页 下一页 上页 下页 上一篇 下一篇 上篇 下篇 上一条 下一条 前一页 后一页 跳转 转到 GO go 更多 更多>> 查看更多
上一章 下一章 上一节 下一节 章节目录 目录
评论 网友评论 我要评论 发表评论 查看评论 热门评论 最新评论 评论区 参与评论 条评论 人评论 人参与 跟帖 我要跟帖 回复 点赞 赞 踩 顶
关于我们 联系我们 广告服务 法律声明 隐私政策 使用条款 网站导航 网站地图 意见反馈 加入我们 诚聘英才 合作伙伴
友情链接 投诉建议 服务条款 用户协议 人才招聘 广告合作 商务合作 招聘信息 设为首页 收藏本站
登录 注册 退出 帮助 帮助中心 登录后发表评论 参与讨论 加载更多 点击加载更多 展开全文 展开 收起 阅读全文 查看全文 全文
登录 注册 退出 投稿 我要投稿 订阅 RSS 发布 提交 取消 写评论 写下你的评论 说两句 我来说两句 我要说 查看 全部 更多评论
在看 打赏 转发 点个赞 赞赏 关注 已关注 私信 留言 回复 引用 删除 编辑本段 编辑本文 暂无评论 抢沙发 快来抢沙发吧 微信 微博 新浪微博 腾讯微博 QQ空间 QQ好友 朋友圈 微信好友 豆瓣 复制链接 二维码 扫一扫 手机版 客户端
责任编辑 编辑 来源 作者 浏览 阅读 点击 发布 发布时间 时间 日期
""".split())
#: Keys of metadata fields (``来源：…``). Keys of an article's own content (地点, 电话,
#: 主题, 对象) are not here: an event notice lists them and they are real text.
META_KEYS = frozenset("""
来源 文章来源 本文来源 原文来源 信息来源 新闻来源 稿源 出处 原标题 作者 本文作者 文章作者 文 图 记者 通讯员 编辑 责任编辑 责编 编审 审核 审校 校对 终审 值班编辑 监制 摄影 摄像
发布 发布时间 发布日期 发表时间 发表于 更新时间 更新 时间 日期 浏览 浏览量 浏览次数 浏览人次 访问量 阅读 阅读量 阅读数 阅读次数
点击 点击量 点击数 点击次数 人气
提问者 回答者 楼主 发帖人 答主 发布者 发布人 上传者 投稿人 原作者 译者 出品 出品人 制作 统筹 策划
评论 评论数 字数 字号 分类 栏目 频道 标签 相关标签 文章标签 关键词 关键字 Tags tags TAG 标签云 所属专题 专题
""".split())
#: Section names of portal menus and breadcrumbs (``首页 新闻 体育 财经``, ``首页 > 国内 > 正文``).
SECTIONS = frozenset("""
新闻 新闻中心 要闻 国内 国际 社会 军事 财经 经济 金融 股票 基金 科技 数码 手机 汽车 房产 家居 教育 健康 旅游 文化 娱乐 体育 游戏
时尚 女性 育儿 美食 视频 图片 图集 直播 论坛 社区 博客 专题 专栏 评论 观点 正文 本地 地方 政务 公告 通知 动态 资讯 热点 排行
原创 访谈 读书 历史 法治 生活 公益 招聘 服务 关于我们 联系我们 网站地图 帮助 English ENGLISH 更多 频道
""".split())
#: Keys whose value is a list of short words (``标签：大数据 永川 产业园``).
TAG_KEYS = frozenset("标签 相关标签 文章标签 关键词 关键字 Tags tags TAG 标签云".split())
#: Control words with a variable part: 返回搜狐 (back to the site's name), 查看更多.
_CONTROL = regex.compile(r"^(?:返回\p{Han}{1,6}|查看更多\p{Han}{0,4}|更多\p{Han}{0,4}[>»›]*|点击(?:查看|进入)\p{Han}{0,4})$")
_SPLIT = regex.compile(r"[\h|｜·•>»›<«‹→⇒，]+|[/／](?!\d)\h*|(?<!\d)[/／]\h*|,(?!\d{3})\h*|[【】\[\]()（）]+")
_KEY_VALUE = regex.compile(r"^(?P<key>[\p{Han}A-Za-z]{1,6})\s*[:：]\s*(?P<value>.{0,40})$")
_COUNT = regex.compile(r"^(?:\p{Han}{0,4})?[（(]?\d[\d,，.万千+]*[）)]?(?:\p{Han}{0,3})?$|^(?:已有|共有|共)\d[\d,万]*(?:人|条)\p{Han}{0,4}$")
_DATE = regex.compile(
    r"^(?:\d{2,4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?|\d{1,2}月\d{1,2}日|\d{1,2}:\d{2}(?::\d{2})?|"
    r"(?:星期|周)[一二三四五六日天]|[上下]午)$"
)
_NUMBER = regex.compile(r"^(?:\d{1,3}(?:,\d{3})*|\.\.\.|…)$")
#: Where the reader is among pages (第2页, 第1/10页, 本文共5页): a control of pagination.
_PAGES = regex.compile(r"^(?:第\d{1,3}(?:/\d{1,4})?页|(?:本文)?共\d{1,4}页[:：]?|共\d{1,6}条(?:记录|评论|结果)?)$")
_SENTENCE = regex.compile(r"[。！？!?；;]")


_NOT_COUNT = regex.compile(r"[\d,，.万千+()（）…/]+")
_DIGIT = regex.compile(r"\d")
_QUOTE_OR_SAYS = regex.compile(r"[“”\"「」]|说")
_COLON = regex.compile(r"[:：]")
_COLON_SPACE = regex.compile(r"([:：])\h+")
_STOP = regex.compile(r"[。！？!?]")


@functools.cache
def _WORD_CHARS() -> frozenset[str]:
    return frozenset("".join(_words()[0]))


@functools.cache
def _words() -> tuple[frozenset[str], int]:
    words = CONTROLS | _COUNTED | frozenset("本文 已有 共有 全部 条评论 人点赞 人收藏 人转发 赞 第 页 记录 条记录 次浏览".split())
    return words, max(map(len, words))


def _made_of_controls(chunk: str) -> bool:
    """Whether ``chunk`` is control words (and counts) run together: normalisation takes the spaces
    between hanzi, so ``收藏　举报`` arrives as ``收藏举报``, ``已有 12 人点赞`` as ``已有12人点赞``.

    >>> _made_of_controls("收藏举报"), _made_of_controls("本文已有141人点赞"), _made_of_controls("收入支出")
    (True, True, False)
    """
    words, longest = _words()
    if not _WORD_CHARS().issuperset(_NOT_COUNT.sub("", chunk)):
        return False  # (a character no control word has: the common case, decided at once)
    pieces = [p for p in _NOT_COUNT.split(chunk) if p]
    if not pieces or len("".join(pieces)) < 2:
        return False
    for piece in pieces:  # each piece must split into words, left to right (dynamic programming)
        ok = [True] + [False] * len(piece)
        for end in range(1, len(piece) + 1):
            ok[end] = any(ok[start] and piece[start:end] in words for start in range(max(0, end - longest), end))
        if not ok[-1]:
            return False
    return True


def chunk_kind(chunk: str) -> str | None:
    """What one chunk of a line is, if it is furniture: control, key_value, count, date, number.

    >>> [chunk_kind(c) for c in ["收藏", "阅读：1234", "评论(12)", "2024-05-12", "3", "地点：市图书馆", "共享单车"]]
    ['control', 'key_value', 'count', 'date', 'number', None, None]
    """
    if chunk in CONTROLS or _CONTROL.match(chunk) or _PAGES.match(chunk):
        return "control"
    kv = _KEY_VALUE.match(chunk)
    if kv and kv.group("key") in CONTROLS and (not kv.group("value") or kv.group("value") in CONTROLS
                                                or _made_of_controls(kv.group("value"))):
        return "control"  # 分享到：微信, 分享到：微信微博 (normalisation took the space between hanzi)
    if kv and kv.group("key") in META_KEYS:
        return "key_value"
    if _NUMBER.match(chunk):
        return "number"
    if _DATE.match(chunk):
        return "date"
    if _COUNT.match(chunk) and _DIGIT.search(chunk) and _controls_in(chunk):
        return "count"
    if chunk in SECTIONS:
        return "section"
    if len(chunk) <= 48 and _made_of_controls(chunk):
        return "control"
    if chunk in _COUNT_WORDS:
        return "count"  # 已有 12 人参与, 本文共 3 页: the words around a spaced number
    return None


#: What a counter counts, besides control words: 12人参与, 已有3条评论.
_COUNTED = frozenset("次 人 条 万 人参与 已有 共有 共 人评论 条评论 人阅读 人浏览 人点赞".split())


#: Words of a counter written with spaces around its number (已有 12 人参与, 本文共 3 页).
_COUNT_WORDS = _COUNTED | frozenset("本文共 页 页： 页: 第 条 人次".split())


def _controls_in(chunk: str) -> bool:
    """A count chunk names what it counts with a control word (``评论(12)``, ``12人参与``, ``阅读1234``)."""
    words = _NOT_COUNT.sub(" ", chunk).split()
    return bool(words) and all(w in CONTROLS or w in META_KEYS or w in _COUNTED for w in words)


#: The fields of a site's contact block (联系电话：… 传真：… 地址：…).
_CONTACT_FIELD = regex.compile(r"(?:联系)?(?:电话|热线|客服热线|服务热线|传真|地址|邮编|邮箱|电子邮箱|E-?mail|QQ|微信|联系人)\h*[:：]",
                               regex.IGNORECASE)
#: A line about the site itself: its licences, who runs it, what to do with its text.
_SITE_LINE = regex.compile(
    r"ICP[备证]|公网安备|网站标识码|主办单位\h*[:：]|承办单位\h*[:：]|"
    r"转载请注明|如有侵权|侵权请|侵删|本文(?:转载|转自|来源于|系转载)|未经(?:授权|许可|书面)[^\n。]{0,12}(?:转载|使用|复制)|"
    r"(?:本网站|本站|本网)(?:所刊登|所载|所发布|文章|内容)",
    regex.IGNORECASE,
)
#: A copyright mark: a site's footer when it names a year or the site's owner (not a heading).
_COPYRIGHT_MARK = regex.compile(r"[©]|\(c\)|copyright|版权所有|all rights reserved", regex.IGNORECASE)
_OWNER = regex.compile(r"网|公司|集团|有限|\.com|\.cn|\.net|www\.", regex.IGNORECASE)
_EMAIL = regex.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = regex.compile(r"(?:https?://|www\.)\S+", regex.IGNORECASE)
_ONLY_COPYRIGHT_WORDS = regex.compile(r"^(?:版权|所有|声明|信息|COPYRIGHT|copyright|Copyright|[（()）\s])+$")
#: What a copyright notice of a *work* (a program, a manual) says and a site's footer does not:
#: its licence and its authors. Such a notice is part of the document (a man page's COPYRIGHT).
_WORK_NOTICE = regex.compile(
    r"licen[cs]e|GPL|BSD|MIT\b|Apache|Creative Commons|CC[- ]BY|Free Software|自由软件|许可证|许可协议|warranty|"
    r"permission|hereby|authors|and others|及其他人|作者|参见|see\b|GNU|software|documentation|程序|软件|文档|手册",
    regex.IGNORECASE,
)
#: A prompt to follow the site elsewhere (更多精彩内容，请关注某某官方微信公众号).
_FOLLOW = regex.compile(r"(?:请|欢迎|敬请)?关注[^\n。]{0,20}(?:公众号|微信号?|微博|抖音号?|头条号|视频号|客户端|官方账号)")
#: The longest line read as a site footer.
FOOTER_CHARS = 160
#: A footer's own words come first: what stands before its feature is at most a site's name.
FOOTER_LEAD = 30


def footer_line(line: str) -> str | None:
    """What kind of site footer ``line`` is, if it is one, wherever it stands: ``site`` (copyright,
    licences, who runs the site, reprint notices), ``contact`` (two contact fields or more, or one
    alone on a short line), ``follow`` (a prompt to follow an account).

    A sentence of prose that mentions a copyright or a hotline is news: the line must be short
    and hold at most one sentence end, at its end.

    >>> footer_line("Copyright © 2001-2021 某某网 All Rights Reserved"), footer_line("联系电话：0878-7111713　传真：0878-7111713")
    ('site', 'contact')
    >>> footer_line("法院认定被告侵犯了原告的著作权，判决赔偿五万元。") is None
    True
    """
    text = line.strip()
    if not text or len(text) > FOOTER_CHARS or _INNER_SENTENCE_END.search(text):
        return None
    kind = _footer_kind(text)
    # (a footer an extractor glued to a paragraph: the paragraph matters more; asked only of
    # lines that read as a footer, since it reads every sentence of the line)
    return None if kind is None or _glued_prose(text) else kind


def _footer_kind(text: str) -> str | None:
    """:func:`footer_line`'s reading of a short stripped line, before the glued-prose check."""
    if not _WORK_NOTICE.search(text):
        site = _SITE_LINE.search(text)
        if site and site.start() <= FOOTER_LEAD:
            return "site"
        bare = _URL.sub("", _EMAIL.sub("", text))  # (an address names no site owner, a path no copyright)
        if _COPYRIGHT_MARK.search(bare) and _OWNER.search(bare) and not _ONLY_COPYRIGHT_WORDS.match(text) \
                and text[-1] not in "：:":
            return "site"
    fields = len(_CONTACT_FIELD.findall(text))
    if fields >= 2 or fields == 1 and len(text) <= 50 and _CONTACT_FIELD.match(text) and _NUMBER_OR_MAIL.search(text) \
            and text[-1] not in "。！？":  # (电话：65091040。 closing an article's notice is its sentence)
        return "contact"
    if len(text) <= 80 and _FOLLOW.search(text):
        return "follow"
    return None


#: Characters of running prose (particles, pronouns, copula, common verbs): a footer's notice has
#: few (``未经授权，不得转载。``), a reporter's sentence many.
_PROSE_CHARS = frozenset("的了是我你他她它们这那很把被吗呢吧啊么没在就也都说")
_PROSE_SENTENCE = regex.compile(r"[^。！？!?\n]{25,}[。！？!?]")


def _glued_prose(text: str) -> bool:
    """Whether a line holds, after its first characters, a sentence of real prose: 25 characters or
    more and three prose characters (``…版权所有上海某公司实践我党我军全心全意为人民服务的宗旨，…``)."""
    return any(sum(ch in _PROSE_CHARS for ch in m.group()) >= 3
               for m in _PROSE_SENTENCE.finditer(text, FOOTER_LEAD // 3))


#: Where a footer's own words end: its owner's kind, its licence number, its closing formula.
_FOOTER_END = regex.compile(
    r"(?:有限公司|公司|集团|网站|网|中心|报社|杂志社|出版社)(?=\p{Han})|ICP[备證证]\d+号(?:-\d+)?|"
    r"公网安备\s*\d+号|All\s+rights\s+reserved\.?",
    regex.IGNORECASE,
)
#: Longest footer cut off the front of a paragraph it was glued to.
MAX_GLUED_FOOTER_CHARS = 80


def glued_footer_end(line: str) -> int:
    """Where a footer glued to the front of a paragraph ends (0 when there is none to cut).

    The line reads as a footer but for the prose after it (:func:`_glued_prose`); the
    footer part runs to the last place, within :data:`MAX_GLUED_FOOTER_CHARS`, where a
    footer's own words end, and must read as a footer by itself.

    >>> line = "网站备案号：京ICP备66742632号百分之四十一点五的读者对作品中的低级趣味表示强烈的拒绝。"
    >>> line[:glued_footer_end(line)]
    '网站备案号：京ICP备66742632号'
    """
    text = line.strip()
    # (the markers first: they are cheap and most lines have none; the prose check reads every sentence)
    if len(text) > FOOTER_CHARS or not (_SITE_LINE.search(text) or _COPYRIGHT_MARK.search(text)) \
            or not _glued_prose(text):
        return 0
    for match in reversed(list(_FOOTER_END.finditer(text, 0, min(len(text), MAX_GLUED_FOOTER_CHARS)))):
        head = text[: match.end()]
        if footer_line(head) == "site":  # (footer_line refuses a head that still holds glued prose)
            return line.index(text[0]) + match.end()
    return 0


#: What a footer or a navigation line holding a sentence end must show one of (the fast path).
_HINT = regex.compile(
    r"[©@]|\([Cc]\)|[Cc]opyright|COPYRIGHT|rights|版权|ICP|公网安备|网站标识码|主办|承办|转载|侵权|侵删|本文|本网|本站|未经|"
    r"上一|下一|前一篇|后一篇|上篇|下篇|关注|留言|评论|点赞|收藏|电话|热线|传真|地址|邮箱|QQ|微信|目\h?录"
)
_NUMBER_OR_MAIL = regex.compile(r"\d[\d-]{6,}|@")
_INNER_SENTENCE_END = regex.compile(r"(?:[。！？!?]|\.(?=\p{Han}))(?=.*[^\s”」』）)。！？!?])")


#: A line that links the previous and next pages: its marker, then any title (« 上一篇 某某, 前一篇：…).
_PREV_NEXT = regex.compile(
    r"^[«‹<←\h]*(?:上一篇|下一篇|上一章|下一章|上一节|下一节|前一篇|后一篇|上篇|下篇|上一条|下一条|上一页|下一页|"
    r"上一个|下一个)(?:\h*[:：»›>→]|\h|$)"
)
_NEXT_MARK = regex.compile(r"(?:下一篇|下一章|下一节|后一篇|下篇|下一条|下一页|下一个)")
#: A table of contents run into one line: 目录 and two entries or more (一、… 二、…, 第一章 …, 1.2 …).
_TOC_HEAD = regex.compile(r"^\h*[【\[]?\h*(?:文章|本文|内容)?目\h?录\h*[】\]]?\h*[:：]?")
_TOC_ENTRY = regex.compile(r"(?:^|[\h|｜])(?:[一二三四五六七八九十]{1,3}、|第[一二三四五六七八九十\d]{1,3}[章节篇部]|\d{1,2}(?:\.\d{1,2})*[.、]?\h)")
#: Labels of a menu bar (热门栏目：健康 | 文化 | 旅游).
MENU_KEYS = frozenset("栏目 热门栏目 频道 热门频道 导航 网站导航 热门分类 分类 推荐栏目 本站导航 快速导航".split())


#: A prompt asking the reader to react (点个赞, 欢迎留言, 长按识别二维码关注我们).
_PROMPT = regex.compile(
    r"(?:^|[，,！!\h])(?:欢迎|请(?!求)|记得|别忘了|觉得[^\n，。]{0,8}就|动动手指|长按|扫码|扫一扫|一键)[^\n。]{0,20}"
    r"(?:点赞|点个赞|收藏|转发|留言|评论|在看|打赏|互动|三连|关注(?:我们|公众号|微信|本号|小编|作者|账号|主页)|"
    r"分享(?:给|到)(?:朋友|好友|朋友圈|更多人))"
)
#: The header of a comment block (网友评论 冷同学：学习了 …): what follows it on the line is users' comments.
_COMMENTS_HEAD = regex.compile(r"^\h*[【\[]?(?:网友评论|热门评论|最新评论|精彩评论|全部评论|用户评论|读者评论|评论区|网友留言)[】\]]?")


def _navigation(text: str) -> str | None:
    """``prev_next`` or ``toc`` when ``text`` is a line of page navigation, whatever titles it names.

    >>> _navigation("« 上一篇 中亚五国首脑会晤"), _navigation("前一篇：显示输出　后一篇：石家庄机场跑道延长")
    ('prev_next', 'prev_next')
    >>> _navigation("目录： | 第一章 总则 | 第二章 规划"), _navigation("上一篇文章中我们讲到了如何安装软件，这一篇继续讲配置。")
    ('toc', None)
    """
    if len(text) > FOOTER_CHARS:
        return None
    if _PREV_NEXT.match(text) and (_NEXT_MARK.search(text, 2) or len(_INNER_SENTENCE_END.findall(text)) == 0):
        return "prev_next"
    head = _TOC_HEAD.match(text)
    if head and len(_TOC_ENTRY.findall(text, head.end())) >= 2:
        return "toc"
    if len(text) <= 40 and _PROMPT.search(text) and not _INNER_SENTENCE_END.search(text) \
            and not _QUOTE_OR_SAYS.search(text):  # a quoted appeal is someone's words
        return "prompt"
    head = _COMMENTS_HEAD.match(text)
    if head and head.end() < len(text) and _COLON.search(text, head.end()):
        return "comments"  # 网友评论　冷同学：学习了　阿妹：…
    return None


def furniture_line(line: str, at_edge: bool) -> tuple[str, ...] | None:
    """The chunk kinds of ``line`` when it is page furniture, else None (see the module docstring).

    >>> furniture_line("编辑：李四", at_edge=True), furniture_line("编辑：李四", at_edge=False)
    (('key_value',), None)
    >>> furniture_line("时间：5月12日 地点：市图书馆", at_edge=True) is None
    True
    """
    text = line.strip()
    if not text or len(text) > FOOTER_CHARS:
        return None
    # The fast path: a line of sentences is prose unless it shows a footer's or a link's words.
    prose = _INNER_SENTENCE_END.search(text) is not None
    if not prose or _HINT.search(text):
        footer = footer_line(text) or _navigation(text)
        if footer is not None:
            return (footer,)
    if prose or len(text) > MAX_LINE_CHARS or _SENTENCE.search(text):
        return None
    chunks = _chunks(text)
    if not chunks:
        return None
    kinds = [chunk_kind(c) for c in chunks]
    if _is_breadcrumb(text, chunks, kinds):
        return ("breadcrumb",)
    tags = _KEY_VALUE.match(chunks[0])
    if tags and tags.group("key") in TAG_KEYS and all(len(c) <= 10 for c in chunks[1:]):
        return ("tags",)
    if tags and tags.group("key") in MENU_KEYS and len(chunks) >= 3 and all(len(c) <= 8 for c in chunks[1:]):
        return ("menu",)
    if any(k is None for k in kinds):
        return ("dated_row",) if _is_dated_row(chunks, kinds) else None
    found = tuple(k for k in kinds if k is not None)
    if set(found) == {"section"} and len(found) < 3:
        return None  # 新闻 评论: two section words may be a heading; a menu has more
    if len(found) >= 2 and set(found) != {"number"} and set(found) != {"date"}:
        return found
    if found == ("key_value",) and at_edge:
        return found
    if found == ("control",) and len(chunks[0]) >= STRONG_CONTROL_CHARS:
        return found  # 点击加载更多, 返回顶部: a phrase no heading is made of; 评论 alone may be one
    return None


_TRAIL = regex.compile(r"[>»›→]")
#: Where a breadcrumb trail ends: the page itself (``… > 国内新闻 > 详情``).
_TRAIL_ENDS = frozenset("正文 详情 内容 全文 文章 本文 阅读".split())
#: A trail may start at the site's name (某某网 > 国内 > …).
_SITE_NAME = regex.compile(r"(?:网|站|频道|在线|之家|首页|门户)$")
_HANZI = regex.compile(r"\p{Han}")
_TRAIL_START = regex.compile(r"^(?:当前位置|您的位置|你的位置|您现在的位置|所在位置|位置)\s*[:：]")


#: Words that mark an article's byline row (原创 张三 某某网 2024-05-12).
ROW_MARKERS = frozenset("原创 转载 独家 首发 来源 专稿 特稿".split())
_ROW_MARKER_START = regex.compile(r"^(?:原创|转载|独家|首发|专稿|特稿)(?=\p{Han})")
_GLUED_DATE = regex.compile(r"(?<=\p{Han})(?:19|20)\d\d[-/.年]\d{1,2}[-/.月]\d{1,2}日?")


def _is_dated_row(chunks: list[str], kinds: list[str | None]) -> bool:
    """A byline row: a date, at most two short names (author, site) and a marker, a time or a field.

    >>> _is_dated_row(["原创", "钟婷", "济南身边事", "2016年02月20日"], ["control", None, None, "date"])
    True
    >>> _is_dated_row(["2024年5月12日", "星期日", "晴"], ["date", "date", None])
    False
    """
    if not 2 <= len(chunks) <= 6 or "date" not in kinds or any(len(c) > 12 for c in chunks):
        return False
    if not any(_FULL_DATE.search(c) for c, k in zip(chunks, kinds) if k == "date"):
        return False  # a byline's date has its year (01-19 00:15 is a format table's example)
    if not any(_HANZI.search(c) for c in chunks):
        return False  # RTC time: Di 2015-04-07 14:26:56 is a program's output, not a page's byline
    unknown = [c for c, k in zip(chunks, kinds) if k is None and c not in ROW_MARKERS]
    if len(unknown) > 2 or any(len(c) > 8 for c in unknown):
        return False
    times = sum(bool(_TIME.match(c)) for c in chunks)
    marked = any(c in ROW_MARKERS for c in chunks) or any(k in ("control", "key_value", "count") for k in kinds)
    return bool(times or marked)


_FULL_DATE = regex.compile(r"(?:19|20)\d\d|\d{1,2}月\d{1,2}日")
_TIME = regex.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")


def _is_breadcrumb(text: str, chunks: list[str], kinds: list[str | None]) -> bool:
    """A trail of short links joined by ``>`` (``首页 > 国内新闻 > 正文``): it starts at the site's
    home page or says where the reader is, and every step is a short name.

    >>> _is_breadcrumb("首页 > 国内新闻 > 正文", ["首页", "国内新闻", "正文"], ["control", None, "section"])
    True
    >>> _is_breadcrumb("收入 > 支出", ["收入", "支出"], [None, None])
    False
    """
    if len(_TRAIL.findall(text)) < 1 or len(chunks) < 2 or any(len(c) > 12 for c in chunks) or "<" in text:
        return False  # (<年><月><日> encloses placeholders; it is no trail)
    if not all(_HANZI.search(c) for c in chunks):
        return False  # "/var/run" → "/run", $ echo x > foo: paths and commands, not a trail of pages
    return chunks[0] in ("首页", "主页", "网站首页", "Home", "home") or bool(_TRAIL_START.match(text)) \
        or chunks[-1] in _TRAIL_ENDS or bool(_SITE_NAME.search(chunks[0])) and len(chunks) >= 3


#: What a widget's text trails (``快来抢沙发吧~``, ``写下你的评论...``, ``点个赞吧👍``): not part of its words.
_DECORATION_TAIL = regex.compile(r"(?:[~～…]|\.{2,}|\p{So})+$")


@functools.cache
def _menu_start() -> regex.Pattern[str]:
    keys = sorted(MENU_KEYS, key=len, reverse=True)
    return regex.compile("(?:" + "|".join(map(regex.escape, keys)) + r")\h*[:：]")


@functools.cache
def _key_start() -> regex.Pattern[str]:
    keys = sorted(META_KEYS | TAG_KEYS, key=len, reverse=True)
    return regex.compile("(?:" + "|".join(map(regex.escape, keys)) + r")\h*[:：]")


def _chunks(text: str) -> list[str]:
    """The chunks of a line: split at separators; ``key：value`` fields kept whole, even when spaced,
    and split apart when glued (``编辑：董峰审核：郝洋``: normalisation takes the space between hanzi).

    >>> _chunks("编辑：董峰审核：郝洋"), _chunks("本文来源：经济日报")
    (['编辑：董峰', '审核：郝洋'], ['本文来源：经济日报'])
    """
    # "来源： 人民网" is one field: glue a key's colon to the value that follows it
    text = _COLON_SPACE.sub(r"\1", text)
    keys = [m.start() for m in _key_start().finditer(text)]
    # split only a row that opens with a field (付款时间：… is one field, not 付款 + 时间：…)
    starts = [k for k in keys if k > 0] if keys and keys[0] == 0 else []
    # a byline row glued by normalisation: its marker and its date are chunks of their own
    # (原创余桂志济南资讯2017/10/03 → 原创 / 余桂志济南资讯 / 2017/10/03)
    marker = _ROW_MARKER_START.match(text)
    if marker:
        starts.append(marker.end())
    date = _GLUED_DATE.search(text)
    if date and date.start() > 0 and text[date.start() - 1] not in " \t|｜":
        starts.append(date.start())
    starts = sorted(set(starts))
    if starts:
        text = "".join(text[a:b] + (" " if b < len(text) else "")
                       for a, b in zip([0, *starts], [*starts, len(text)]))
    chunks = (_DECORATION_TAIL.sub("", c) for c in _SPLIT.split(text))
    return [c for c in chunks if c and c not in (":", "：")]


@dataclass(frozen=True)
class Furniture:
    """Remove lines that are page controls, counters, metadata rows or pagination (by their shape)."""

    name: ClassVar[str] = "furniture"

    def apply(self, doc: Document) -> Document:
        lines = split_lines(doc.text)
        if not lines:
            return doc
        edge = {i for i in range(len(lines)) if i < EDGE_LINES or i >= len(lines) - EDGE_LINES}
        found = []
        glued = []  # (start, end, kinds) of furniture glued to a real line after a sentence end
        for i, line in enumerate(lines):
            kinds = furniture_line(line.text, i in edge)
            if kinds is not None:
                found.append((line, kinds))
                continue
            for start, end in _glued_parts(line.text):
                part = furniture_line(line.text[start:end], at_edge=False)
                if part is not None:
                    glued.append((line.start + start, line.start + end, part))
            if not glued or glued[-1][0] < line.start:
                for start, end, part in glued_prefixes(line.text):
                    glued.append((line.start + start, line.start + end, part))
            footer_end = glued_footer_end(line.text)
            if footer_end and (not glued or glued[-1][0] < line.start):
                glued.append((line.start, line.start + footer_end, ("site",)))
        found = _with_blocks(lines, found)
        if len(found) == len(lines):
            # A document made only of such lines is a list page or a stub: the quality
            # stage decides about it, on agreeing evidence.
            return doc
        if not found and not glued:
            return doc
        for line, kinds in found:
            decide(doc, self.name, "line", "removed", match=line.text[:60], kinds=list(kinds))
        for start, end, kinds in glued:
            decide(doc, self.name, "glued", "removed", match=doc.text[start:end][:60], kinds=list(kinds))
        matches = [(line.start, line.end) for line, _ in found]
        spans = removal_spans(doc.text, matches, "drop_line")
        if glued:
            spans = sorted(spans + removal_spans(doc.text, [(s, e) for s, e, _ in glued], "delete_span"))
        doc.replace(spans, self.name, "line")
        return doc


#: A comment block's header line, and a comment form's (users' comments or a form follow it).
_COMMENT_HEADER = regex.compile(r"^\h*[【\[]?(?:网友评论|热门评论|最新评论|精彩评论|全部评论|用户评论|读者评论|评论区|网友留言|"
                                r"最新留言|热门跟帖|网友跟帖)[】\]]?\h*(?:[（(]\d+[）)])?\h*[:：]?\h*$")
_FORM_HEADER = regex.compile(r"^\h*[【\[]?(?:发表评论|我要评论|写评论|发表留言|我要留言|写下你的评论|参与评论)[】\]]?\h*[:：]?(?:[~～…]|\.{2,})*\h*$")
_SUBMIT = regex.compile(r"^\h*[【\[]?(?:提交|发布|发表|提交评论|发表评论|发送|确定)[】\]]?\h*$")
#: A user's comment: a short line opening with a handle and a colon (冷同学：学习了（241赞）),
#: or a handle, a date and the comment's buttons.
_COMMENT_LINE = regex.compile(r"^\h*[^\s，。：:！？]{1,12}\h*[:：][^\n]{1,60}$|^[^\n]{0,80}(?:回复|点赞\d*|赞\d+|\d+赞)[）)]?\h*$")
#: At most so many lines of a comment form between its header and its submit button.
FORM_LINES = 3


def _with_blocks(lines: list, found: list) -> list:
    """``found`` with the lines of the comment blocks and forms its headers open.

    After a comment header (网友评论, 热门评论 …) the lines shaped like users' comments
    (``handle：text``, or ending in the comment's buttons) are the block, up to the first
    line that is not; after a form header (发表评论 …), the lines up to its submit button
    (提交, 发布), when that comes within :data:`FORM_LINES` lines.
    """
    taken = {id(line) for line, _ in found}
    extra = []
    for i, line in enumerate(lines):
        if _COMMENT_HEADER.match(line.text):
            j = i + 1
            while j < len(lines) and (id(lines[j]) in taken or _COMMENT_LINE.match(lines[j].text)
                                      and len(lines[j].text) <= 90):
                if id(lines[j]) not in taken:
                    extra.append((lines[j], ("comment",)))
                    taken.add(id(lines[j]))
                j += 1
            if j > i + 1 and id(line) not in taken:
                # The header goes with its block (``评论区`` over ``最新评论`` / ``暂无评论，快来抢沙发吧~``);
                # alone, it may be a commentary's heading and stays.
                extra.append((line, ("comments",)))
                taken.add(id(line))
        elif _FORM_HEADER.match(line.text):
            end = next((j for j in range(i + 1, min(len(lines), i + 2 + FORM_LINES)) if _SUBMIT.match(lines[j].text)), None)
            if end is not None:
                for j in range(i + 1, end + 1):
                    if id(lines[j]) not in taken:
                        extra.append((lines[j], ("comment_form",)))
                        taken.add(id(lines[j]))
    for i in range(len(lines) - 1):
        # ``« 上一篇 <a title>`` over ``下一篇 » <a title>``: the pair is the page's navigation,
        # whatever the titles say (a review's sentences, as here, included).
        first, second = lines[i], lines[i + 1]
        if _PREV_LINE.match(first.text) and _NEXT_LINE.match(second.text) \
                and max(len(first.text), len(second.text)) <= FOOTER_CHARS:
            for line in (first, second):
                if id(line) not in taken:
                    extra.append((line, ("prev_next",)))
                    taken.add(id(line))
    if not extra:
        return found
    return sorted(found + extra, key=lambda pair: pair[0].start)


#: A line naming the previous article and the next line naming the next one, each marker with
#: its separator (``上一篇我们讲了…`` is a sentence).
_PREV_LINE = regex.compile(r"^\h*(?:[«‹<]+\h*)?(?:上一篇|上一章|上一节|前一篇|上篇)(?:\h*[:：»›>]|\h)")
_NEXT_LINE = regex.compile(r"^\h*(?:[«‹<]+\h*)?(?:下一篇|下一章|下一节|后一篇|下篇)(?:\h*[:：»›>]|\h)")


#: Where an extractor glues a page element to a real line: after a sentence end.
_AFTER_SENTENCE = regex.compile(r"(?<=[。！？!?”])\h*")


def _glued_parts(line: str) -> list[tuple[int, int]]:
    """The pieces of a line that follow a sentence end, up to the next one or the line's end
    (where an extractor puts a widget row or a byline it glued to the paragraph)."""
    if line[-1:] in "。！？!?”" and not _HINT.search(line):
        return []  # sentences to its end, and no footer's or link's words: prose (the fast path)
    cuts = [m.end() for m in _AFTER_SENTENCE.finditer(line) if m.end() < len(line)]
    parts = []
    for start, end in zip(cuts, [*cuts[1:], len(line)]):
        piece = line[start:end]
        stop = _STOP.search(piece)
        if stop is None or _HINT.search(piece) and footer_line(piece):  # no sentence of its own, or a notice
            parts.append((start, end))
    return parts


# -- furniture glued to the front of a sentence ------------------------------------------------------

#: Where a widget row may start inside a line: the line's start or a sentence end (a half-width
#: stop too, before a bracket or a control mark: ``第一个分区.< 上一页 1 2 3 下一页 >``).
_SENTENCE_START = regex.compile(r"^|(?<=[。！？!?”])\h*|(?<=\.)\h*(?=[<«【\[])")
#: What a widget row glued to a sentence may start with: a bracket or a pagination mark, a count,
#: a date, a metadata key and its colon, a byline marker, or a control word.
_FURNITURE_START = regex.compile(r"[<«【\[]|(?:本文)?(?:已有|共有|共)\d|\d{4}[-/.年]|(?:原创|转载|独家|首发)(?=\h|\p{Han})")
#: A person's field: the row may end two hanzi after its colon (the shortest name: when the name
#: is longer, its last character stays glued to the sentence rather than a real one going).
_PERSON_FIELD = regex.compile(r"(?:作者|编辑|责任编辑|责编|审核|审校|校对|记者|通讯员|终审|值班编辑|监制|摄影)\h*[:：]\h*\p{Han}{2}")
#: Where a widget row may end: after a digit, a closing mark, a colon's value, or a control word.
_ROW_END = regex.compile(r"(?<=[\d>»】\]）)])")
_LEAD_CHUNK = regex.compile(r"(\p{Han}{2,4})(?:\h*[>»›|｜（(]|\h)")
#: Words a breadcrumb or a menu ends with (``… > 时评 > 正文``).
_ROW_END_WORDS = SECTIONS | _TRAIL_ENDS
#: Longest widget row tried at one start.
MAX_GLUED_CHARS = 80


def _starts_like_furniture(part: str) -> bool:
    if _FURNITURE_START.match(part) or _key_start().match(part) or _TRAIL_START.match(part) \
            or _menu_start().match(part) or part.startswith(_TOP_CONTROLS):
        return True
    words, longest = _words()
    if any(part[:n] in words for n in range(3, longest + 1)):
        return True
    # A short word and a separator: the first step of a trail or a control row (``首页 >``, ``上一章 目录``).
    first = _LEAD_CHUNK.match(part)
    return first is not None and (first.group(1) in words or first.group(1) in SECTIONS)


_CLAUSE_MARK = regex.compile(r"[、；;]")
#: The page's back-to-top link: no sentence starts with it, so it goes alone.
_TOP_CONTROLS = ("返回顶部", "回到顶部")
#: What only a widget row is (a line's kind); a date or a number with one control word may be a
#: sentence's start (``[2] 更多的…``, ``2004/06/11 第…``).
_ROW_KINDS = frozenset("breadcrumb dated_row tags menu prev_next toc prompt comments".split())


def _sure_row(kinds: tuple[str, ...], length: int) -> bool:
    """Whether the kinds of a glued stretch prove a widget row: two fields or controls, a row's kind,
    or one control phrase of six characters or more (``上一章目录下一章``)."""
    fields = [k for k in kinds if k not in ("date", "number")]
    pagination = "control" in kinds and kinds.count("number") >= 2  # 本文共5页 [1] [2] [3]
    return bool(_ROW_KINDS.intersection(kinds)) or len(fields) >= 2 or pagination or (
        kinds == ("control",) and length >= STRONG_CONTROL_CHARS + 2)


def _ends_cleanly(stretch: str, kinds: tuple[str, ...]) -> bool:
    """Whether a glued stretch's last chunk is a row's end, not the sentence's first words read into it:
    a trail ends at a section or the page (``正文``), a field's value is a name or a date."""
    last = _chunks(stretch)[-1]
    if kinds == ("breadcrumb",):
        return last in _ROW_END_WORDS or last in CONTROLS or bool(_SITE_NAME.search(last))
    field = _KEY_VALUE.match(last)
    if field and field.group("key") in META_KEYS:
        value = field.group("value")
        return len(value) <= 4 or bool(_DATE.match(value)) or bool(_DIGIT.search(value[-1:]))
    return True


def glued_prefixes(line: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Widget rows an extractor glued to the front of a sentence: ``…内核。共290条记录 第1/11页 首页 上一页
    下一页 尾页 跳转它最初为386…``, ``…脚本。分享到：微信 微博 QQ空间 复制链接这些文件…``.

    At the line's start and after each sentence end, the longest stretch that
    :func:`furniture_line` reads as furniture and that ends where a row may end
    (a digit, a closing mark, a control word) goes, the sentence after it stays.
    A stretch of one short control word (``评论家说…``, ``打印机坏了``) never does.

    >>> line = "简而言之，Linux是一个内核。共290条记录 第1/11页 首页 上一页 下一页 尾页 跳转它最初为386开发。"
    >>> [line[s:e] for s, e, _ in glued_prefixes(line)]
    ['共290条记录 第1/11页 首页 上一页 下一页 尾页 跳转']
    >>> glued_prefixes("评论家说这本书很好。打印机坏了，关闭窗口后再试。")
    []
    """
    found: list[tuple[int, int, tuple[str, ...]]] = []
    words, longest = _words()
    for m in _SENTENCE_START.finditer(line):
        start = m.end()
        part = line[start : start + MAX_GLUED_CHARS]
        if len(part) < 2 or not _starts_like_furniture(part):
            continue
        # A row ends before the next sentence mark, and before a clause mark (``1968年9月14日，11时…``
        # is a clause of the sentence, no widget row).
        stop = _STOP.search(part)
        limit = stop.start() if stop else len(part)
        clause = _CLAUSE_MARK.search(part, 0, limit)
        limit = clause.start() if clause else limit
        ends = {e for e in range(2, limit + 1) if _ROW_END.match(part, e)}
        # (a one-character count word ends a row only after its number: 12人, not 负责人)
        ends |= {e for e in range(2, limit + 1) for n in range(1, longest + 1)
                 if e >= n and (part[e - n : e] in words or part[e - n : e] in _ROW_END_WORDS)
                 and (n > 1 or part[e - 2].isdigit())}
        ends |= {f.end() for f in _PERSON_FIELD.finditer(part, 0, limit)}
        for end in sorted(ends, reverse=True):
            if end < len(part) and not (_HANZI.match(part[end]) or part[end] in "“「《(（"
                                        or part[end].isdigit() and not part[end - 1].isdigit()):
                continue  # the row must end where a sentence begins (or at the line's end)
            kinds = furniture_line(part[:end], at_edge=False)
            if kinds is not None and not _ends_cleanly(part[:end], kinds):
                continue
            if kinds == ("prev_next",) and not _NEXT_MARK.search(part, 2, end):
                continue  # ``上一篇文章中我们讲到…``: one mark is a sentence's start; a row names both
            if kinds is not None and (_sure_row(kinds, end) or part[:end] in _TOP_CONTROLS):
                found.append((start, start + end, kinds))
                break
    return found
