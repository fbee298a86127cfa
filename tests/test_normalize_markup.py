"""Markdown residue, pinyin annotations in other brackets, hard-wrapped lines (normalize stage).

Every string here is written for these tests (none is copied from ``seeds/``):
each fixer has change cases and keep cases, the keep cases being the real
text each detector could be mistaken for (code, globs, arithmetic, masked
names, English glosses, name romanisations, pages of short reviews).
"""

from __future__ import annotations

import pytest
import regex

from pipeline.document import Document, apply_spans, replay
from pipeline.markup import markup_spans
from pipeline.normalize import (
    Normalize,
    Wrap,
    broken_paragraph_spans,
    columns,
    heading_marker_spans,
    pinyin_annotation_spans,
    wrap_width,
)


def strip(text: str) -> str:
    return apply_spans(text, markup_spans(text), "t")[0]


def normalize(text: str, **options: object) -> Document:
    return Normalize(script="keep", **options).apply(Document("t", text))


# -- markdown residue -------------------------------------------------------------------------

MARKUP_CHANGES = [
    ("这是**重点**内容。", "这是重点内容。"),
    ("这是__重点__内容。", "这是重点内容。"),
    ("这是***重点***内容。", "这是重点内容。"),
    ("这是*斜体*内容。", "这是斜体内容。"),
    ("这是_斜体_内容。", "这是斜体内容。"),
    ("~~原价100元~~现价80元。", "原价100元现价80元。"),
    ("评分5**星级**酒店。", "评分5星级酒店。"),
    ("**注意**：明天停电。", "注意：明天停电。"),
    ("**Note**：明天停电。", "Note：明天停电。"),
    ("> 引用的一段话。", "引用的一段话。"),
    (">> 两层引用。", "两层引用。"),
    ("> > 两层引用。", "两层引用。"),
    ("详见[官方文档](https://example.com/doc_v2.html)。", "详见官方文档。"),
    ('详见[说明](/wiki/page "标题")。', "详见说明。"),
    ("![夜景](https://img.example.com/a.jpg)很美。", "夜景很美。"),
    ("上文。\n\n![图片](https://img.example.com/a.jpg)\n\n下文。", "上文。\n\n下文。"),
    ("上文。\n\n![](a.png)\n\n下文。", "上文。\n\n下文。"),
    ("这是`重要`的。", "这是重要的。"),
    ("第一节。\n\n---\n\n第二节。", "第一节。\n\n第二节。"),
    ("第一节。\n\n* * *\n\n第二节。", "第一节。\n\n第二节。"),
    ("第一节。\n\n___\n\n第二节。", "第一节。\n\n第二节。"),
    ("第一节。\n\n———\n\n第二节。", "第一节。\n\n第二节。"),
    ("标题\n===\n\n正文。", "标题\n\n正文。"),
    ("| 名称 | 价格 |\n|:---|---:|\n| 苹果 | 5元 |\n\n说明。", "名称 | 价格\n苹果 | 5元\n\n说明。"),
    ("查看https://a.cn/x_y_z和**重点**。", "查看https://a.cn/x_y_z和重点。"),
    ("开心^_^，这是**重点**。", "开心^_^，这是重点。"),  # a rejected pair does not hide the next one
    # a converter fenced a paragraph of prose: the fences go, the paragraph stays
    ("上文。\n\n```\n他说这是**真的**。\n第二行也是中文。\n```\n\n下文。", "上文。\n\n他说这是真的。\n第二行也是中文。\n\n下文。"),
    ("```\n只有一段中文。\n```", "只有一段中文。"),
    ("上文。\n\n|---|---|\n\n下文。", "上文。\n\n下文。"),  # a delimiter row without its table
    ("上文。\n|:---:|---|", "上文。"),
    ("正文。\n\n[3]: https://www.example.cn/a?b=1\n\n正文。", "正文。\n\n正文。"),  # link definitions
    ('正文。\n\n[注一]: m.example.net/1.html "说明"', "正文。"),
    ("本教程文[档已被](wap.example.com.cn)重写。", "本教程文档已被重写。"),  # a bare host as target
    ("详见[说明](example.org/help)。", "详见说明。"),
]

MARKUP_KEEPS = [
    "计算 2*3*4 的值。",
    "使用 --force 选项强制覆盖。",
    "把 a_b_c 改成 my_文件_name。",
    "王**和李**是同学。",  # masked names
    "联系电话：138****1234。",
    "标*的为必填项，*号不能省略。",
    "评分：*****",
    "*注：本文仅代表作者观点。",
    '打开 "*.tar.gz" 和 "*.deb" 文件。',  # globs
    "房型：一张1.3*2，另一张1.1*2米。",  # sizes
    "分辨率1440*900，调到1280*768后不细腻。",
    "创建 package-1_*.deb 和 package-2_*.deb 等软件包。",
    "特殊的名字 __MSBROWSE__。",  # identifiers
    "遵循 <foo>_<版本号>-<修订号>_<架构>.deb 的约定。",
    "运行 `ls -l` 或 `echo 你好` 查看。",  # code spans holding code
    "绝对垃圾书``不值得买``真的。",  # a writer's double backticks
    "房间太小~~不能放行李~~格调还可以~~",  # tildes as punctuation
    "停电了~~我的梦想~~破裂了，进场了~一个。",
    "有点奢侈，哈哈~~印刷中规中矩，不花哨~~",  # over a clause mark, after a laugh
    "不会再看~~这本书~~没心意~~旧瓶装新酒~~",  # more than one pair
    ">三星级的大堂；=零星级的房间；<-三星级的卫生",  # a comparison, no space after >
    "用户管理\n\nGOsa²\n\n---\n\nWeb 服务器",  # a table's empty cell
    "## 标题",  # headings are heading_marker's
    "> cat a > b",  # a redirection
    ">>> print('你好')",  # a Python prompt
    "> > : 大于号",  # a table row of XML entities
    "西部＊＊＊科学城\n\n＊＊＊\n\n下一节。",  # full-width stars: typography
    "a[i](x) 是数组元素的调用。",
    "f[i](obj.attr) 是一次调用。",  # no top-level domain: code
    "政策研究应贴近政府决策_新闻中心_某某知道",  # a page title's separators, not emphasis
    "[注]: 见第三章。",  # a note, no target
    "[1]: 这一条是说明文字。",
    "表头 --- | --- 之间",  # no pipe at an edge
    "```python\n# 只有注释的中文\n```",  # a fence with an info string is code
    "```\nx = 1  # 赋值\n```",  # a fenced block with code stays fenced
    "x = a**2  # 平方",
    "$ rm -rf /tmp/*缓存*",
    "  Selection    Command\n ----------------------------------------------\n      1        /usr/bin/vim",
    "2*3*4 and __init__ --force [a](http://b.c) ---",  # ASCII only
]


@pytest.mark.parametrize("text, expected", MARKUP_CHANGES)
def test_markdown_residue_goes_and_the_words_stay(text, expected):
    assert strip(text) == expected


@pytest.mark.parametrize("text", MARKUP_KEEPS)
def test_code_globs_arithmetic_masks_and_punctuation_keep_their_marks(text):
    assert markup_spans(text) == []


def test_fenced_code_blocks_are_never_touched():
    text = "示例：\n\n```python\nprint(\"**重点**\")  # 打印\n> 不是引用\n---\n```\n\n这是**重点**。"
    assert strip(text) == "示例：\n\n```python\nprint(\"**重点**\")  # 打印\n> 不是引用\n---\n```\n\n这是重点。"


def test_an_unclosed_fence_protects_the_rest_of_the_text():
    text = "示例：\n~~~\n> 不是引用\n**不动**"
    assert markup_spans(text) == []


def test_technical_text_keeps_single_stars_and_backticks():
    # A man page: option lines are code, so ``*之前*`` and `` `反引号` `` are the author's own marks.
    text = "--supplants\n\n到POS2*之前*结束。\n\n避免使用 `反引号` 。"
    assert markup_spans(text) == []
    # ... but with a fence the text is markdown, and the markers are residue.
    fenced = "```\n$ ls\n```\n\n到POS2*之前*结束。"
    assert strip(fenced) == "```\n$ ls\n```\n\n到POS2之前结束。"


def test_markup_edits_are_logged_by_rule_and_replay():
    raw = "> 这是**重点**，详见[文档](https://a.cn)。\n\n---\n\n下一段`说明`。"
    doc = normalize(raw)
    assert doc.text == "这是重点，详见文档。\n\n下一段说明。"
    assert replay(raw, doc.edits) == doc.text
    assert {e.rule for e in doc.edits} == {
        "markdown_blockquote", "markdown_emphasis", "markdown_link", "markdown_rule", "markdown_code"
    }


def test_nested_markers_go_in_one_run_of_the_stage():
    raw = "这是**很*重要*的**内容。"
    once = normalize(raw).text
    assert once == "这是很重要的内容。"
    assert normalize(once).edits == []


def test_markup_can_be_switched_off():
    assert normalize("这是**重点**。", strip_markup=False).text == "这是**重点**。"


# -- heading markers glued to the heading -------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("##进展如何", "进展如何"),
    ("###（一）总体要求", "（一）总体要求"),
    ("##１、大江截流", "１、大江截流"),
])
def test_glued_heading_markers_go(text, expected):
    spans = heading_marker_spans(text)
    assert apply_spans(text, spans, "t")[0] == expected


@pytest.mark.parametrize("text", ["#话题#", "#旅行 #美食", "##话题#", "##C 语言#", "a##中文", "##"])
def test_hashtags_and_token_pasting_keep_their_hashes(text):
    assert heading_marker_spans(text) == []


def test_a_spaced_heading_before_a_full_width_bracket_goes_through_the_stage():
    # cjk_spacing removes the space of ``## （一）`` before heading markers run.
    assert normalize("## （一）总体要求\n\n正文。").text == "（一）总体要求\n\n正文。"


# -- pinyin annotations in other brackets ---------------------------------------------------------

PINYIN_CHANGES = [
    ("汉字(hàn zì)很美。", "汉字很美。"),
    ("汉字（hàn zì）很美。", "汉字很美。"),
    ("汉字【hàn zì】很美。", "汉字很美。"),
    ("汉字[hàn zì]很美。", "汉字很美。"),
    ("汉字(han4 zi4)很美。", "汉字很美。"),
    ("汉字（hànzì）很美。", "汉字很美。"),
    ("汉字[hanzi]很美。", "汉字很美。"),
    ("汉字[han zi]很美。", "汉字很美。"),
    ("绿色(lv4 se4)的。", "绿色的。"),  # v for ü
    ("那个(nà ge)人。", "那个人。"),  # a neutral tone written without a mark
    ("那个时代(na4 ge5 shi2 dai4)的。", "那个时代的。"),
    ("重庆(chóng qìng)到了。", "重庆到了。"),  # a heteronym's other reading
    ("长城(Cháng chéng)很长。", "长城很长。"),  # capital at the start of a tone-marked reading
    ("北京 (běi jīng)到了。", "北京到了。"),  # a space before a tone-marked reading of two syllables
    ("区【qū】到了。", "区到了。"),
    ("安装(Ān Zhuāng)时。", "安装时。"),  # every syllable capitalised, tone-marked
    ("备选/bèi xuǎn/的系统。", "备选的系统。"),  # the dictionary style between slashes
    ("优势/shì/明显。", "优势明显。"),
    ("部分（注音：bù fen）命令。", "部分命令。"),  # a label inside the brackets
    ("世纪初（拼音：jì chū），", "世纪初，"),
    # capitals without tones, where the page's habit is proven: by a sure reading, or by two
    # of which one reads no name (a single character)
    ("汉字(hàn zì)和更(GENG)多。", "汉字和更多。"),
    ("无线网卡(KA)不支持。我该(WO GAI)怎么办？", "无线网卡不支持。我该怎么办？"),
]

PINYIN_KEEPS = [
    "机器学习（machine learning）很热。",  # an English gloss
    "张三（Zhang San）来了。",  # a name's romanisation, capitalised
    "中国（China）很大。",
    "北京（Beijing）到了。",
    "苹果(apple)好吃。",
    "地区(qu)",  # one toneless syllable: too little to go on
    "他说(shuo)。",
    "北京 (beijing)到了。",  # a space and no tone
    "地区 (qū)",  # one syllable after a space
    "区(QŪ)",
    "看[1]和注[a]。",  # footnotes
    "函数(han4 shu3)",  # tone numbers that are not this word's readings (函数 is hán shù)
    "字母(é)",
    "张三（ZHANG SAN）和李四（LI SI）来了。",  # names in capitals, no habit proven
    "华为（HUAWEI）发布了新机。",  # a brand's romanisation
    "更(GENG)",  # one capital reading alone: too little to go on
    "中/英文版本。",  # a slash between hanzi
    "目录/lib/下的文件。",  # a path: no tone
    "优势/shi/明显。",
]


@pytest.mark.parametrize("text, expected", PINYIN_CHANGES)
def test_readings_in_any_bracket_and_form_go_when_they_spell_the_word(text, expected):
    spans = pinyin_annotation_spans(text)
    assert apply_spans(text, spans, "t")[0] == expected
    assert {rule for *_, rule in spans} == {"pinyin_annotation"}


@pytest.mark.parametrize("text", PINYIN_KEEPS)
def test_glosses_romanisations_and_footnotes_stay(text):
    assert pinyin_annotation_spans(text) == []


def test_annotation_run_checks_only_a_bounded_word():
    # A long run of hanzi before the bracket: only its last MAX_ANNOTATED_CHARS are tried.
    text = "中" * 5000 + "汉字(hanzi)"
    assert [text[s:e] for s, e, *_ in pinyin_annotation_spans(text)] == ["(hanzi)"]


# -- hard-wrapped lines ---------------------------------------------------------------------------

ARTICLE = [
    "阮路说，接下来，全市金融系统将围绕建设西部金融中心主目标，携手四川共同推进，加快金融改革创新，"
    "提升金融服务实体经济质效，为成渝地区双城经济圈建设提供有力支撑。",
    "会议强调，要压实各方责任，加强隐患排查，确保人民群众生命财产安全，做好岁末年初各项工作，"
    "以优异成绩迎接新的一年。",
    "下一步，两地将联合开展调研，研究制定配套政策，推动更多合作项目落地见效，让群众有更多获得感。",
]


def wrap(paragraph: str, width: int) -> list[str]:
    return [paragraph[i : i + width] for i in range(0, len(paragraph), width)]


@pytest.mark.parametrize("width", [14, 20, 27, 36])
@pytest.mark.parametrize("between", ["\n", "\n\n"])
def test_a_hard_wrapped_article_is_joined_back(width, between):
    article = ARTICLE * 2  # enough lines at the margin to show the width
    text = "\n\n".join(between.join(wrap(p, width)) for p in article)
    assert apply_spans(text, broken_paragraph_spans(text), "t")[0] == "\n\n".join(article)


def wrap_columns(paragraph: str, width: int) -> list[str]:
    """What ``fold -s`` does for mixed text: fill to ``width`` columns, Latin words kept whole."""
    lines, line = [], ""
    for token in regex.findall(r"[A-Za-z0-9.]+ ?|.", paragraph):
        if columns(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += token
    return lines + [line]


def test_wrapped_in_columns_with_latin_words_joined_with_their_space():
    paragraph = (
        "新版本支持 Python 3.12 以及更早的版本，安装后运行升级命令即可升级到最新版本，旧版本的用户需要先卸载"
        "再安装，配置文件会自动迁移到新的目录，迁移完成后请检查日志中的 warning messages 是否有异常，如果有 "
        "errors 请按照文档中的说明处理，处理后重新运行安装程序即可，安装完成后可以在设置页面查看当前版本号，"
        "确认升级已经成功，然后重新启动服务，让新的配置文件生效。"
    )
    lines = wrap_columns(paragraph, 60)
    wrapped = wrap_width(lines)
    assert wrapped is not None and wrapped.in_columns
    text = "\n".join(lines)
    joined = apply_spans(text, broken_paragraph_spans(text), "t")[0]
    # Between two Latin words the space the wrapper dropped comes back; next to a hanzi none is
    # needed (whether there was one cannot be known).
    assert "\n" not in joined and "如果有 errors 请" in joined
    assert joined.replace(" ", "") == paragraph.replace(" ", "")


def test_a_wrapped_text_keeps_its_list_items_and_code_lines_apart():
    body = "".join(ARTICLE)
    lines = wrap(body, 20)
    text = "\n".join(lines[:6]) + "\n1、第一项内容\n$ ls -l /etc\n" + "\n".join(lines[6:])
    out = apply_spans(text, broken_paragraph_spans(text), "t")[0]
    assert "\n1、第一项内容\n$ ls -l /etc\n" in out


def test_after_a_finished_sentence_at_the_margin_a_blank_line_still_ends_the_paragraph():
    first = "会议强调，要压实各方责任，加强隐患排查，确保安全。"  # 25 characters: ends at the margin
    rest = "".join(ARTICLE)
    text = first + "\n\n" + "\n".join(wrap(rest, 25))
    out = apply_spans(text, broken_paragraph_spans(text), "t")[0]
    assert out == first + "\n\n" + rest


def test_pages_of_reviews_of_similar_length_are_not_taken_for_a_wrap():
    # Short user reviews, several of one length by chance, most ending a sentence.
    reviews = [
        "房间干净，服务热情，下次还会再来住。", "位置很好，离地铁站很近，出行方便。", "早餐品种太少了，味道也一般般吧。",
        "性价比不错，前台态度也很好，推荐。", "隔音效果差，晚上很吵，睡不好觉。", "还行", "床很舒服，卫生间有点小，总体满意。",
        "不会再来了。",
    ]
    assert wrap_width(reviews) is None
    assert broken_paragraph_spans("\n\n".join(reviews)) == []


def test_wrap_width_ignores_margins_too_wide_to_be_a_wrap():
    lines = ["这" * 190] * 6  # a source that cut every review at 190 characters
    assert wrap_width(lines) is None


def test_wrap_margin_measure():
    wrap_at = Wrap(20, False)
    assert wrap_at.at_margin("中" * 20) and wrap_at.at_margin("中" * 18) and not wrap_at.at_margin("中" * 10)


# -- short reviews across blank lines (precision) -------------------------------------------------


def test_short_reviews_without_full_stops_stay_apart():
    # Fewer than four reviews of 40+ characters: judged on those of 15+ (INFORMAL_SHORT_CHARS).
    page = "\n\n".join([
        "这本书带给我新的启示，是否成功，非常好看的书",
        "很久没有读过爱不释手的书了，虽然是一本儿童文学，但大人也爱看。",
        "配置高，该有的一个都不少，价格合理",
        "速度快，前一天下单，第二天就拿到货了，包装完好。",
    ])
    assert broken_paragraph_spans(page) == []
