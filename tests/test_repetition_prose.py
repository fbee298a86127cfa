"""Repetition never removes real text (issue 12): commands, list items, headings, topic words.

All strings are written for these tests, in the shapes of real pages: a
tutorial with commands that differ by one argument, numbered and bulleted
steps, a page whose table of contents repeats its section headings, and
clean articles of several genres that repeat their title's topic word.
"""

from __future__ import annotations

import pytest

from pipeline.document import Document
from pipeline.lines import split_lines
from pipeline.repetition import Repetition, heading_like, is_prose_line, near_identical, repeated_lines


def run(text: str, **options) -> Document:
    return Repetition(**options).apply(Document("t", text))


# -- near-identical lines: prose only -----------------------------------------------------------

KEPT_PAIRS = [
    ("dpkg --get-selections > 已安装软件包的完整列表.txt", "dpkg --set-selections < 已安装软件包的完整列表.txt"),
    ("$ sudo systemctl restart networking.service --no-block", "$ sudo systemctl reload networking.service --no-block"),
    ("chmod u+x /usr/local/bin/backup-home.sh", "chmod u-x /usr/local/bin/backup-home.sh"),  # one key
    ("cp /etc/apt/sources.list /etc/apt/sources.list.bak", "cp /etc/apt/sources.list.bak /etc/apt/sources.list"),
    ("- 打开设置页面，找到网络选项，把代理服务器的地址改成公司内部的地址", "- 打开设置页面，找到网络选项，把代理服务器的地址改成公司外部的地址"),
    ("• 在左侧菜单中选择账户管理，然后点击修改密码按钮输入新的登录密码", "• 在左侧菜单中选择账户管理，然后点击修改邮箱按钮输入新的登录邮箱"),
    ("（一）坚持以人民为中心的发展思想，切实保障和改善民生，增进人民福祉", "（二）坚持以人民为中心的发展思想，切实保障和改善民生，增进人民福利"),
    ("一、加强基础设施建设，推进城乡交通一体化，提高公共服务的整体水平", "二、加强基础设施建设，推进城乡交通一体化，提高公共服务的整体质量"),
]


@pytest.mark.parametrize("first, second", KEPT_PAIRS)
def test_commands_code_and_list_items_that_differ_by_a_token_are_kept(first, second):
    text = f"操作步骤\n\n{first}\n\n{second}\n\n完成以后检查结果。"
    assert run(text).text == text


def test_the_list_items_would_be_near_identical_as_prose():
    # Without their list marks these lines are one sentence with a word changed:
    # the list rule, not the similarity threshold, is what keeps them.
    a, b = (line[2:] for line in KEPT_PAIRS[4])
    lines = split_lines(f"{a}\n{b}")
    assert repeated_lines(lines, None, 6, 30, 0.9) == {1: "near_duplicate_line"}


@pytest.mark.parametrize(
    "line, prose",
    [
        ("会议还听取了市污染防治攻坚战任务完成情况通报。", True),
        ("dpkg --get-selections > 列表.txt", False),
        ("/etc/apt/sources.list.d/debian.sources", False),
        ("1. 下载安装包", False),
        ("（三）加强组织领导", False),
        ("- 打开设置页面", False),
        ("第二条 本办法适用于全市", False),
        ("2024年全市生产总值增长5.2%", True),
    ],
)
def test_prose_lines(line, prose):
    assert is_prose_line(line) is prose


def test_near_identical_prose_copies_are_still_removed():
    line = "会议还听取了市污染防治攻坚战任务完成情况通报并对下一步工作提出了明确要求和具体部署。"
    text = f"标题行在这里\n\n{line}\n\n{line.replace('具体', '')}\n\n结束。"
    doc = run(text)
    assert [e.rule for e in doc.edits] == ["near_duplicate_line"]


def test_a_command_shown_again_in_another_example_stays():
    """A tutorial repeats a command in a new context: that is the text, not a scraper's copy."""
    text = "标题行在这里\n\n$ sudo apt-get update\n\n说明文字，很短。\n\n$ sudo apt-get update"
    assert run(text).edits == []


def test_code_repeated_even_in_a_row_stays():
    """Program output and code repeat by design (a loop printing one line twice)."""
    text = "标题行在这里\n\n$ ./animals\na Cow goes moooo!\na Cow goes moooo!\n\n说明文字，很短。"
    assert run(text).edits == []


# -- headings and the table of contents --------------------------------------------------------

TOC_PAGE = """在 Debian 上安装打印机的完整步骤

目录
一、准备工作
二、安装驱动
三、添加打印机

一、准备工作
先确认打印机已经接通电源，并用数据线连接到电脑。

二、安装驱动
大多数打印机的驱动都在软件源里，用软件包管理器安装即可。

三、添加打印机
打开系统设置里的打印机页面，点击添加，选择刚才连接的设备。"""


def test_headings_that_repeat_the_table_of_contents_stay_and_so_does_the_table():
    assert run(TOC_PAGE).text == TOC_PAGE


def test_nested_headings_under_a_table_of_contents_stay():
    text = "规章制度汇编\n\n第一章 总则\n第一节 目的\n\n第一章 总则\n第一节 目的\n本制度用于规范日常管理工作。"
    assert run(text).text == text


def test_a_repeated_paragraph_block_still_goes_heading_included():
    block = "（上接1版）要积极推进乡村振兴工作\n会议听取了全市防汛工作情况的通报。"
    text = f"标题行在这里\n\n{block}\n\n中间的一段新内容，说明情况。\n\n{block}\n\n结尾的一段话。"
    doc = run(text)
    assert doc.text == f"标题行在这里\n\n{block}\n\n中间的一段新内容，说明情况。\n\n结尾的一段话。"


def test_copies_of_the_title_still_go_even_above_new_text():
    title = "全市防汛工作会议召开"
    text = f"{title}\n\n第一段正文，介绍会议情况。\n\n{title}\n\n第二段正文，介绍下一步安排。"
    doc = run(text)
    assert doc.text.count(title) == 1
    assert [e.rule for e in doc.edits] == ["repeated_title"]


def test_an_exact_duplicate_prose_paragraph_still_goes():
    para = ("市政府召开常务会议，研究部署防汛抗旱和安全生产工作，要求各地压实责任，加强隐患排查，"
            "确保人民群众生命财产安全，并对下一阶段的重点任务作出安排。")
    text = f"标题行在这里\n\n{para}\n\n第二段。\n\n{para}"
    assert [e.rule for e in run(text).edits] == ["duplicate_line"]


def test_heading_like():
    assert heading_like("三、添加打印机")
    assert not heading_like("大多数打印机的驱动都在软件源里。")
    assert not heading_like("首页 > 帮助中心 > 正文")


# -- keyword stuffing: a topic word repeated in sentences is not stuffing --------------------
TALK = """机器人如何改变我们的生活

各位朋友，大家好。今天我想和大家聊一聊机器人。

十年前，机器人还只出现在工厂里。如今，我们的机器人可以帮助老人起床、吃药、散步。机器人如何走进家庭？答案是价格和安全。

很多人担心机器人会抢走工作。我想说，机器人不会取代人类，机器人改变的是我们工作的方式。我们的生活因为机器人变得更方便。

有一位老人告诉我，家里的机器人每天提醒她按时吃药。她说，机器人就像一个耐心的孙子。机器人改变了她的生活，也改变了她女儿的生活。

最后，我想请大家思考：我们希望机器人成为什么样的伙伴？谢谢大家。"""

SPORTS = """北京国安主场二比一逆转上海申花

昨晚，北京国安在工人体育场迎战上海申花。上半场，上海申花率先破门，北京国安一度陷入被动。

下半场，北京国安加强进攻。第六十分钟，国安前锋头球扳平比分。第八十五分钟，国安队长远射破门，北京国安二比一逆转。

赛后，上海申花主教练表示，球队最后十分钟没有守住。北京国安主教练则称赞队员的斗志。

本场胜利后，北京国安积分升至联赛第三，上海申花排名第五。下一轮，北京国安将客场挑战山东泰山。"""

REVIEW = """小米扫地机器人评测：好用但噪音偏大

这台小米扫地机器人我用了一个月。先说结论：清扫效果好，噪音偏大。

外观方面，扫地机器人机身很薄，能钻进沙发底下。小米的做工一向不错，这次也没有让人失望。

清扫方面，扫地机器人对地板上的头发和灰尘清理得很干净。地毯上效果稍差，但也够用。

噪音是最大的问题。扫地机器人工作时声音偏大，晚上使用会影响休息。好用是好用，就是噪音偏大。

总的来说，如果你家地板多、地毯少，这台扫地机器人值得考虑。"""

TECH = """dpkg 命令的用法

dpkg 是 Debian 的底层软件包管理工具。dpkg 可以安装、删除和查询软件包。

要安装一个本地的软件包，运行 dpkg -i 加上文件名。dpkg 不会自动处理依赖关系，依赖需要用 apt 补上。

要列出已经安装的软件包，运行 dpkg -l。要查看某个软件包安装了哪些文件，运行 dpkg -L 加包名。

dpkg 的命令用法很多，详细的用法请参考它的手册页。"""

STUFFED_RUN = """机器人如何改变我们的生活

机器人 机器人价格 机器人厂家 机器人批发 机器人如何 改变生活

十年前，机器人还只出现在工厂里。如今，我们的机器人可以帮助老人。"""

STUFFED_PIECES = """机器人如何改变我们的生活

今天，改变如何我们想和大家聊一聊家庭服务。生活机器人十年前，工厂里只有机械臂。如何

改变改变如今，很多家庭开始使用智能设备。我们的生活老人起床、吃药都有人帮忙。改变

价格和安全是最大的问题。如何生活"""

QA_TALK = """机器人如何改变我们的生活

今天我想先问大家一个问题。

十年以后，谁来照顾我们的父母？机器人

谁来陪孩子做作业？机器人

谁来打扫我们的家？还是机器人

可是，机器人不会取代人类。我们的生活会因为机器人变得更好。"""

CLEAN = {"talk": TALK, "sports": SPORTS, "review": REVIEW, "tech": TECH, "questions and answers": QA_TALK}


@pytest.mark.parametrize("genre", CLEAN)
def test_a_clean_article_repeating_its_topic_word_is_not_stuffing(genre):
    doc = run(CLEAN[genre])
    assert doc.edits == []
    assert doc.meta.get("stuffing_score", 0) == 0


def test_a_topic_word_is_repeated_in_nearly_every_sentence_of_the_talk():
    sentences = [s for s in TALK.split("\n\n", 1)[1].replace("？", "。").split("。") if s.strip()]
    assert sum("机器人" in s for s in sentences) >= 0.6 * len(sentences)


def test_title_pieces_injected_between_sentences_are_still_found():
    doc = run(STUFFED_PIECES)
    assert doc.meta["stuffing_score"] >= 0.5
    removed = [e.before for e in doc.edits if e.rule == "keyword_stuffing"]
    assert removed and all(piece in "机器人如何改变我们的生活" for piece in removed)
    assert "很多家庭开始使用智能设备" in doc.text


def test_a_stranded_piece_after_a_statement_is_still_a_tail():
    text = "机器人如何改变我们的生活\n\n今天我们谈谈家庭。改变\n\n明天我们谈谈工厂。如何生活\n\n后天再说。"
    assert run(text, stuffing="flag").meta["stuffing_score"] > 0
