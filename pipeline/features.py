"""What makes a line page furniture whatever its topic: named features, shared by the stages.

A copyright line, a phone number, a URL, a share widget, a metadata key–value line or a
reprint disclaimer marks text as the site's, not the article's, in any wording. The
boilerplate stage asks which of these a recurring line shows (a template line goes, a
normal sentence that recurs stays); the rules stage asks whether a long span a pattern
would remove shows any (junk goes, the document's own coherent text stays). The patterns
come from the general shape of Chinese site templates (navigation bars, page widgets,
footers with copyright, ICP licence and contact lines, article metadata lines, reprint
disclaimers, advertising decoration), not from any corpus' strings.

>>> present("详情咨询：400-820-8820，官网 www.example.com", ("contact", "url", "copyright"))
('contact', 'url')
>>> present("会议强调，要加快推进重点项目建设。", tuple(PATTERNS))
()
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

WIDGET = regex.compile(
    r"上一[页篇条]|下一[页篇条]|返回(?:顶部|首页|列表|目录|上级|主页)|回到顶部|分享到|一键分享|打印(?:本页|此页|本文)?$|"
    r"^打印|关闭(?:窗口|本页)|字号|【\s*大\s*中\s*小\s*】|[大中小]\s+[大中小]\s+[大中小]|加入收藏|设为首页|收藏本站|"
    r"网站地图|站点地图|联系我们|关于我们|广告服务|招聘信息|友情链接|意见反馈|隐私政策|使用条款|免责声明|"
    r"扫一扫|扫码|二维码|微信公众号|官方微博|关注我们|相关(?:阅读|新闻|文章|链接|推荐)|热门(?:推荐|文章|新闻|标签)|"
    r"猜你喜欢|推荐阅读|延伸阅读|阅读全文|查看全文|点击(?:查看|进入|阅读|这里|此处)|更多\s*(?:>>|»|›|>)|"
    r"登录\s*[|｜/]\s*注册|我要(?:评论|投稿|纠错)|发表评论|技术支持|网站建设|主办单位|承办单位|"
    r"^\s*首\s*页\s*$|^首页\s|\s首页$"
)
COPYRIGHT = regex.compile(
    r"[©®]|\(c\)|copyright|all rights reserved|版权所有|版权归|未经(?:授权|许可|书面)|ICP|备案号|"
    r"公网安备|网安备|增值电信|经营许可证|新闻信息服务许可|网络文化经营",
    regex.IGNORECASE,
)
CONTACT = regex.compile(
    r"(?:电话|热线|传真|邮编|邮箱|信箱|地址|联系人|客服|QQ|微信号?)\s*[：:]|"
    # The address starts where its run of name characters starts: tried at every hanzi of a
    # paragraph (hanzi are \w), it would rescan the run each time, quadratic in the line.
    r"\d{3,4}-\d{7,8}|(?<!\d)1[3-9]\d{9}(?!\d)|400-?\d{3}-?\d{4}|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+"
)
URL = regex.compile(r"https?://|www\.|\b[\w-]+\.(?:com|cn|net|org|gov|edu|cc|info)\b", regex.IGNORECASE)
KEY_VALUE = regex.compile(
    r"^\s*[【\[]?(?:来源|作者|编辑|责任编辑|责编|审核|校对|通讯员|发布(?:时间|日期)?|时间|日期|出处|稿源|"
    r"点击(?:数|量)?|阅读(?:数|量)?|浏览(?:次数|量)?|字数|标签|关键词|栏目|分类|主办|承办|协办|运营|监制)[】\]]?\s*[：:]"
    r"|(?:来源|作者|编辑|发布时间)\s*[：:].*(?:来源|作者|编辑|时间|日期|点击)\s*[：:]"
    r"|\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?\s+\d{1,2}:\d{2}"
)
DISCLAIMER = regex.compile(
    r"(?:本文|本站|本网|本网站|本平台|本公众号|本刊)[^。]{0,30}?(?:转载|声明|免责|观点|立场|版权|侵权|删除|授权|出处|来源|无关)|"
    r"(?:转载|转发)请注明|如有侵权|侵删|不代表[^。]{0,10}(?:观点|立场)"
)
HANDLE = regex.compile(r"(?i)(?:QQ|微信|VX|wechat|公众号)\s*[号群:：]?\s*[\w-]{5,}")
DECORATION = regex.compile(r"[★☆◆◇■□▲△▼▽►◄♥❤✔✘]{2,}|【[^】\n]{0,20}(?:热线|咨询|加盟|优惠|下载|官网)")

#: Every feature by name.
PATTERNS: dict[str, regex.Pattern[str]] = {
    "widget": WIDGET,
    "copyright": COPYRIGHT,
    "contact": CONTACT,
    "handle": HANDLE,
    "url": URL,
    "key_value": KEY_VALUE,
    "disclaimer": DISCLAIMER,
    "decoration": DECORATION,
}


def present(text: str, names: Iterable[str]) -> tuple[str, ...]:
    """The features among ``names`` that ``text`` shows, in the order of ``names``."""
    return tuple(name for name in names if PATTERNS[name].search(text))
