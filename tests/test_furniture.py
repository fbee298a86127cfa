"""The furniture stage: page controls, counters, metadata rows and pagination by their shape."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import Document, replay
from pipeline.furniture import Furniture, furniture_line

BODY = [
    "永川区大数据产业园今年引进企业四十家，园区负责人说，永川将继续扩大大数据产业规模。",
    "园区的数据中心已经投入运行，为永川和周边区县的企业提供云计算服务。",
    "园区负责人表示，永川大数据产业园今年的营业收入有望突破一百亿元。",
    "永川区还与四川的内江、泸州等地签订了大数据产业合作协议。",
]

#: Furniture lines of many sites, worded differently: each must go wherever it stands.
CHANGE = [
    "分享到： 微信 | 微博 | QQ空间",
    "【打印】 【关闭】 【返回顶部】",
    "字号：大 中 小",
    "阅读 1,234 | 评论 12 | 点赞",
    "来源：新华网 作者：王五 2023-11-02 08:15",
    "发布时间：2024年05月12日 浏览次数：3456",
    "首页 上一页 1 2 3 4 下一页 尾页",
    "共5页 第1页 下一页",
    "网友评论 我要评论 12人参与",
    "收藏 举报 分享",
    "责任编辑：赵六 审核：钱七",
    "微信 微博 QQ空间 复制链接",
    "[1] [2] [3] 下一页 >>",
    "繁體 | 简体 | 手机版",
    "首页 > 国内新闻 > 正文",
    "您的位置：网站首页 » 财经频道 » 股市要闻",
    "首页 | 新闻 | 体育 | 财经 | 娱乐 | 科技 | 汽车",
    "（本文来源：经济日报 作者：张三）",
    "阅读次数：1256  评论：8",
    "返回搜狐，查看更多",
    "相关标签：大数据 永川 产业园",
    "已有 12 人参与 | 登录后发表评论",
    "登录 | 注册 | 帮助中心",
    "本文共 3 页：[1] [2] [3]",
    "点击加载更多",
    "展开全文",
    "编辑：董峰审核：郝洋",
    "原创 钟婷 济南身边事 2016年02月20日",
    "2020年11月22日 18:10 39健康网",
    "汽车之家 > 文化 > 常见问题 > 详情",
    "提问者：快乐哥 | 浏览次数：71187次 | 2017年10月14日",
    "共376条记录第1/10页首页上一页下一页尾页跳转",  # as normalisation leaves a spaced pagination bar
    "原创余桂志济南资讯2017/10/03",
    "Copyright © 2002-2021 某某网 All Rights Reserved",
    "主办单位：某市人民政府办公室　承办单位：某市大数据中心　网站标识码：1234567890",
    "联系电话：0878-7111713　传真：0878-7111713　地址：某市经开区文化路966号",
    "客服热线：400-363-6469（工作日9:00-18:00）",
    "更多精彩内容，请关注某某网官方微信公众号：某市发布",
    "本文为某某报原创，转载请注明来源。",
    "（本文转载自某某晚报，如有侵权，请联系我们删除）",
    "关于我们 | 联系我们 | 广告服务 | 法律声明 | 网站地图",
    "本网站所刊登的各种新闻、信息和各种专题专栏资料，均为某某网版权所有，未经协议授权，禁止下载使用。",
    "« 上一篇 中亚五国首脑会晤",
    "上一篇：钱其琛访问圣马力诺　下一篇：阿联酋呼吁欧佩克成员恪守配额",
    "上一章 目录 下一章",
    "共376条记录 第1/10页 首页 上一页 下一页 尾页 跳转",
    "热门栏目：健康 | 文化 | 旅游 | 专题",
    "目录： | 第一章 总则 | 第二章 园区规划",
    "点赞（326）收藏举报",
    "本文已有141人点赞，25人收藏",
    "查看全部492条评论 >",
    "写下你的评论... 发布",
    "欢迎在下方留言区与我们互动",
    "长按识别二维码关注我们",
    "网友评论　冷同学：学习了　阿妹：有没有人知道后续",
]

#: Real lines that look a little like furniture: all stay.
KEEP = [
    "时间：5月12日 地点：市图书馆",  # an event notice's real fields
    "分享经济：共享单车的未来",  # a headline
    "评论",  # one word: a section heading
    "第一章 总则",
    "2024年5月12日",  # a date line alone: may be the article's own dateline
    "他说：“请大家分享一下经验。”",
    "上一篇文章中我们讲到了如何安装软件，这一篇继续讲配置。",
    "1 2 3",  # numbers alone: a table row, a list
    "主题：大数据与城市治理",
    "作者简介：张三，重庆大学教授，长期研究城市规划",
    "收入 > 支出",  # a comparison, not a trail
    "体育 文化",  # two section words: a heading (体育与文化)
    "张三 李四 王五 赵六",  # a list of names
    "数据流向：采集 → 清洗 → 入库",
    "标签：这是一句很长的话，不是标签列表，因为每一段都远远超过了十个字",
    "返回家乡，他看到了巨大的变化",
    "分享",  # one short word: may be a heading
    "共有3人",
    "2024年5月12日 星期日 晴",  # a diary's date line
    "收入 > 支出 > 结余",
    "$ echo \"New Content\" > foo",
    "\"/var/run\" → \"/run\"",
    "研究 > 开发 > 测试 > 发布",
    "付款时间：2009-6-12 0:51:00",  # a review's own words
    "RTC time: Di 2015-04-07 14:26:56",
    "法院认定被告侵犯了原告的著作权，判决赔偿五万元。",
    "记者拨打了该公司的客服热线，工作人员表示将尽快处理。",
    "他说：“欢迎大家关注我们的公众号。”记者注意到，这个公众号已有十万名读者，每天更新三篇文章。",
    "Copyright © 2022 Free Software Foundation, Inc.  License GPLv3+: GNU GPL version 3 or later",
    "版权所有（COPYRIGHT）",  # a man page's section heading
    "版权（C）2007-2021 Holger Levsen 及其他人，版权所有者的完整列表参见版权。",
    "Copyright (C) 1991-1994 The Regents of the University of California.",
    "版权声明",
    "COPYRIGHT（版权）",
    "Unicode字符 0xa9 = 1010 1001（版权所有的符号）在 UTF-8 中被编码为：",
    "下一步，两江新区将努力推动成渝地区双城经济圈建设。",
    "下一个十年，永川将建成西部大数据中心，园区负责人说，这是全区的共同目标。今年先建一期。",
    "目录管理是文件系统的基础功能之一。",
    "next LINE if /^#/;",
    "收入支出",
    "他说：“欢迎大家多提意见，我们一定改进。”",
    "请大家关注天气变化，及时增减衣物，出行注意安全，园区负责人提醒。",
    "网友评论称，这一政策将惠及数百万家庭。",
    "将密码请求转发给wall(1)而不是在调用该命令的TTY上向用户索要密码。",
    "iso 任何值 01-19 00:15",  # a table of date formats
    "电话：６５０９１０４０，６５０９２１４０。",  # the last sentence of a notice in an article
    "11 Copyright: 1998 Johan Hanson <johan@tiq.com>",  # a debian/copyright file
    " 1 Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    "<年><月><日><时><分><拒绝_期间><抛弃_期间><本文>",
    "4.扬小姐提出给房间送水果表示歉意.但后来，我带儿子回酒店时到前台补多一个身份证才发现我的行李仍未送过去房间.本文为光明网原创",
]


@pytest.mark.parametrize("line", CHANGE)
def test_a_furniture_line_goes_in_the_middle_of_a_page(line: str) -> None:
    text = "\n\n".join([*BODY[:2], line, *BODY[2:]])
    assert Furniture().apply(Document("a", text)).text == "\n\n".join(BODY)


@pytest.mark.parametrize("line", KEEP)
def test_a_real_line_stays(line: str) -> None:
    text = "\n\n".join([*BODY[:2], line, *BODY[2:]])
    assert Furniture().apply(Document("a", text)).text == text


def test_a_row_glued_to_a_sentence_goes_and_the_sentence_stays() -> None:
    text = "\n\n".join([BODY[0], BODY[1] + "【打印】【关闭窗口】", BODY[2] + BODY[3] + "阅读：42980　评论：989"])
    out = Furniture().apply(Document("a", text)).text
    assert out == "\n\n".join([BODY[0], BODY[1], BODY[2] + BODY[3]])


#: Widget rows an extractor glued in front of the next sentence (strings written for these tests,
#: in the form the normalize stage hands them on: no spaces between hanzi).
GLUED_IN_FRONT = [
    "共128条记录 第1/9页 首页 上一页 下一页 尾页 跳转",
    "分享到：微信微博 QQ空间复制链接",
    "首页 > 本地新闻 > 社会 > 正文",
    "点赞（86）收藏举报",
    "上一章目录下一章",
    "责编：王强　校对：李明　审核：赵刚",
    "原创张伟某某身边事2021/03/05",
    "本文已有934人点赞，19人收藏",
    "本文共5页 [1] [2] [3]",
    "热门栏目：社会 | 娱乐 | 财经 | 专题",
    "返回顶部",
]
#: Sentence starts that look like the start of such a row.
SENTENCE_STARTS = [
    "1968年9月14日，11时整，会议开始。",
    "上一篇文章中我们讲到了如何安装软件，这一篇继续讲配置。",
    "评论家说这本书写得很好。",
    "打印机坏了，只好手写。",
    "[2] 更多的信息见附录。",
    "首页的设计改了三次。",
]


@pytest.mark.parametrize("row", GLUED_IN_FRONT)
def test_a_row_glued_in_front_of_a_sentence_goes_and_the_sentence_stays(row: str) -> None:
    text = "\n\n".join([BODY[0], BODY[1] + row + BODY[2], BODY[3]])
    doc = Furniture().apply(Document("a", text))
    assert doc.text == "\n\n".join([BODY[0], BODY[1] + BODY[2], BODY[3]])
    assert replay(text, doc.edits) == doc.text


@pytest.mark.parametrize("start", SENTENCE_STARTS)
def test_a_sentence_that_starts_like_a_row_stays(start: str) -> None:
    text = "\n\n".join([BODY[0], BODY[1] + start, BODY[3]])
    assert Furniture().apply(Document("a", text)).text == text


def test_a_comment_header_goes_with_the_widget_lines_under_it() -> None:
    text = "\n".join([BODY[0], "评论区", "最新评论", "暂无评论，快来抢沙发吧~", BODY[1]])
    assert Furniture().apply(Document("a", text)).text == "\n".join(BODY[:2])
    form = "\n".join([BODY[0], "写下你的评论...", "发布", BODY[1]])
    assert Furniture().apply(Document("a", form)).text == "\n".join(BODY[:2])


def test_a_pair_of_lines_naming_the_previous_and_the_next_article_goes() -> None:
    text = "\n".join([BODY[0], "« 上一篇 装系统比较麻烦。搞了一个下午。", "下一篇 » 园区的另一则新闻", BODY[1]])
    assert Furniture().apply(Document("a", text)).text == "\n".join(BODY[:2])


def test_a_tutorial_that_names_its_previous_and_next_parts_stays() -> None:
    text = "\n".join([BODY[0], "上一篇我们讲了安装。", "下一篇我们讲配置。", BODY[1]])
    assert Furniture().apply(Document("a", text)).text == text


def test_a_footer_glued_to_a_paragraph_is_cut_where_its_words_end_and_a_long_notice_goes() -> None:
    prose = "实践我党我军全心全意为人民服务的宗旨，具体到这块地方，就是我们要扶贫济困。"
    text = "\n".join([BODY[0], "版权所有上海某某实业有限公司" + prose, BODY[1]])
    assert Furniture().apply(Document("a", text)).text == "\n".join([BODY[0], prose, BODY[1]])
    # where no footer's end can be found, the line stays whole: the paragraph matters more
    text = "\n".join([BODY[0], "版权所有 某某 " + prose, BODY[1]])
    assert Furniture().apply(Document("a", text)).text == text
    notice = "Copyright © 2001-2021 本网站所刊登的各种新闻、信息和各种专题专栏资料，均为本网站版权所有"
    text = "\n".join([BODY[0], notice, BODY[1]])
    assert Furniture().apply(Document("a", text)).text == "\n".join(BODY[:2])


def test_a_comment_header_alone_stays() -> None:
    text = "\n".join([BODY[0], "评论区", BODY[1]])
    assert Furniture().apply(Document("a", text)).text == text


def test_a_comment_block_and_a_comment_form_go_with_their_headers() -> None:
    block = ["热门评论", "快乐哥：写得好（704赞）", "老狼：顶", "发表评论", "请遵守互联网相关规定，不要发布广告和违法内容", "提交"]
    text = "\n\n".join([*BODY[:2], *block, *BODY[2:]])
    assert Furniture().apply(Document("a", text)).text == "\n\n".join(BODY)


def test_lines_after_a_heading_that_are_not_comments_stay() -> None:
    """Only lines shaped like users' comments follow a comment header into the block."""
    text = "\n\n".join([BODY[0], "网友评论", BODY[1], "发表评论", BODY[2], BODY[3]])
    out = Furniture().apply(Document("a", text)).text
    assert all(b in out for b in BODY)


def test_a_lone_metadata_field_goes_only_at_the_edges() -> None:
    assert furniture_line("编辑：李四", at_edge=True) == ("key_value",)
    assert furniture_line("编辑：李四", at_edge=False) is None
    text = "\n\n".join([*BODY, "编辑：李四"])
    assert Furniture().apply(Document("a", text)).text == "\n\n".join(BODY)


def test_a_page_of_furniture_only_is_left_to_the_quality_stage() -> None:
    text = "\n".join(CHANGE[:3])
    assert Furniture().apply(Document("a", text)).text == text


def test_the_audit_names_the_chunk_kinds() -> None:
    doc = Furniture().apply(Document("a", "\n\n".join([BODY[0], CHANGE[3], BODY[1]])))
    (evidence,) = doc.meta["evidence"]
    assert evidence["stage"] == "furniture" and evidence["kinds"] == ["control", "number", "control", "number", "control"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*BODY, *CHANGE, *KEEP]), min_size=1, max_size=8), st.sampled_from(["\n", "\n\n"]))
def test_the_stage_is_idempotent_and_its_edits_replay(lines: list[str], sep: str) -> None:
    text = sep.join(lines)
    once = Furniture().apply(Document("a", text))
    assert replay(text, once.edits) == once.text
    assert Furniture().apply(Document("a", once.text)).text == once.text
