"""Normalisation never rewrites code, commands, paths or identifiers (issue 12, "Never lose real text").

Chinese technical pages put commands, file names, options and code inside
prose and on lines of their own. Width and spacing normalisation apply to the
Chinese prose around them only; the joiner never glues a command line onto
the sentence that introduces it. All strings here are written for these tests.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import Document, replay
from pipeline.normalize import (
    Normalize,
    broken_paragraph_spans,
    cjk_spacing_spans,
    code_lines,
    continues,
    heading_marker_spans,
    looks_like_code,
    punctuation_width_spans,
)


def normalize(text: str) -> str:
    return Normalize().apply(Document("t", text)).text


def widen(text: str) -> str:
    spans = punctuation_width_spans(text)
    for start, end, after in reversed(spans):
        text = text[:start] + after + text[end:]
    return text


# -- identifiers inside Chinese prose ------------------------------------------------------

IDENTIFIERS = [
    "modprobe.conf(5)",
    'printf("%s", x)',
    "a,b",
    "key:value",
    "/etc/apt/sources.list",
    "--get-selections",
    "C:\\Windows",
    "x=1;y=2",
    "f(x)",
    "len(s)",
    "::http::geturl",
    "!$",
    ":wq",
    "foo(bar(1))",
    "$(id -u)",
    "a[i](x)",
]


@pytest.mark.parametrize("token", IDENTIFIERS)
def test_an_identifier_in_chinese_prose_keeps_its_marks_and_the_prose_is_normalised(token):
    text = f"详细说明请参见 {token} 的文档,然后重启服务。"
    out = normalize(text)
    assert token in out
    assert "文档，然后" in out


@pytest.mark.parametrize("token", IDENTIFIERS)
def test_an_identifier_glued_to_chinese_keeps_its_marks(token):
    if token in ("!$", ":wq"):  # glued after a hanzi, a leading mark ends the clause (``时间:2024``)
        return
    out = normalize(f"配置写在{token}里,改完即可")
    assert token in out and "里，改完" in out


@pytest.mark.parametrize(
    "text",
    [
        "参见 modprobe.conf(5)。",
        "详见 sources.list(5),以及 apt(8)。",
        "调用 len(s) 得到长度",
        "函数 printf(\"%d\", n) 输出整数",
        "在调用 ::http::geturl 之后",
        "在 vim 里输入 :wq 保存退出",
        "上一条命令的最后一个参数是 !$ 。",
        "用 dpkg --get-selections 导出列表",
    ],
)
def test_code_marks_in_prose_stay_half_width(text):
    out = widen(text)
    for token in text.split():
        if token.isascii():
            assert token in out


@pytest.mark.parametrize(
    "text, expected",
    [
        ("这是中文,对吧", "这是中文，对吧"),
        ("攻坚战(2018-2020年)任务", "攻坚战（2018-2020年）任务"),
        ("中心(2020)", "中心（2020）"),  # glued to a hanzi, not to an identifier
        ("5G(第五代)网络", "5G（第五代）网络"),  # Chinese content: a prose bracket
        ("接收的 mime(多用途邮件扩展)类型", "接收的 mime（多用途邮件扩展）类型"),
        ("系统重新启动(restart)时", "系统重新启动（restart）时"),
        ("增加了动态帮助 (DynamicHelp) 选项", "增加了动态帮助 （DynamicHelp） 选项"),  # not glued
        ("参见 apt(8),很有用", "参见 apt(8)，很有用"),  # the comma after it is prose
        ("好吗?OK", "好吗？OK"),  # a mark after a hanzi ends the clause
        ("x,(y)中", "x，（y）中"),
        ("牢记殷殷嘱托 ,2023年", "牢记殷殷嘱托 ，2023年"),  # a stray space before a prose comma (seed 001)
        ("截至11月底 ,311项", "截至11月底 ，311项"),
    ],
)
def test_chinese_prose_next_to_identifiers_is_still_normalised(text, expected):
    assert widen(text) == expected


# -- whole lines of code ------------------------------------------------------------------------

CODE_LINES = [
    "$ dpkg --get-selections > 软件列表.txt",
    "$ echo 你好,世界",
    "$ mv 旧文件 新文件",
    '    printf("结果:%d, 完成\\n", n);',
    "x = f(a, b)  # 计算,然后返回",
    'msg = "保存成功!"; show(msg)',
    '# echo "欢迎, 朋友" > /etc/motd',
    "\tint count;   /* 计数器（从 0 开始） */",
    "SELECT name, age FROM users; -- 查询用户, 年龄",
]


@pytest.mark.parametrize("line", CODE_LINES)
def test_a_code_or_command_line_is_never_changed(line):
    assert looks_like_code(line)
    text = f"请运行下面的命令,\n\n{line}\n\n然后检查结果 。"
    out = normalize(text)
    assert line in out.split("\n")
    assert out.startswith("请运行下面的命令，\n") and out.endswith("然后检查结果。")


@pytest.mark.parametrize(
    "line",
    [
        "这是中文,对吧",
        "使用 emacs(1) 或 info(1) 来阅读,很方便",
        "# Linux 入门",
        "Windows (version 10) 中文版",
        "Debian GNU/Linux 安装和使用手册",
        "   `ar' 时应该不用 `S' 修饰符, 或者 对档案 执行 一次 `ranlib' .",
        "$ 100 元",  # a price, not a prompt
    ],
)
def test_prose_that_mentions_code_is_not_a_code_line(line):
    assert not looks_like_code(line)


def test_code_lines_are_found_by_line():
    text = "说明文字,很短\n$ ls -l /etc\n    cfg = load(\"配置\")\n中文段落。"
    assert [text[s:e] for s, e in code_lines(text)] == ["$ ls -l /etc", '    cfg = load("配置")']


def test_spaces_in_a_command_line_stay_and_prose_spaces_go():
    text = "$ mv 旧 新\n中文 段落 。"
    assert normalize(text) == "$ mv 旧 新\n中文段落。"
    assert cjk_spacing_spans("$ cp 甲 乙") == []


def test_a_root_prompt_line_is_not_a_heading():
    assert heading_marker_spans('# echo "你好" > /etc/motd') == []
    assert heading_marker_spans("# Linux 入门") == [(0, 2, "")]


# -- the joiner -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fragment, line",
    [
        ("为了更新软件包列表，请在终端中执行下面这条命令，", "sudo apt-get update"),
        ("如果要备份已经安装的软件包列表，可以这样做，", "dpkg --get-selections > 列表.txt"),
        ("这种形式同于前面介绍的格式。例如，", "binary format a5 {1 2} 中文"),
        ("要把旧的名字改成新的名字，直接运行下面的命令，", "$ mv 旧 新"),
    ],
)
def test_a_command_line_is_never_joined_to_the_sentence_before_it(fragment, line):
    assert not continues(fragment, line)
    assert broken_paragraph_spans(fragment + "\n" + line) == []


def test_prose_broken_before_a_latin_word_is_still_joined():
    fragment = "要查看文件系统与物理实体之间的对应关系，最简单的办法，是不带参数运行"
    line = "mount 命令来查看。"
    assert continues(fragment, line)


# -- properties -------------------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
words = st.sampled_from(["ls", "dpkg", "apt", "cfg", "x", "name", "foo_bar", "len", "conf", "v2"])
chinese = st.sampled_from(["你好", "世界", "文件", "中文", "结果", "配置"])
marks = st.sampled_from([",", ";", ":", "?", "!", "(", ")", "=", " ", "  ", "-", "--", "/", ".", ", "])
code_line = st.builds(
    lambda prompt, command, parts: prompt + command + "".join(parts),
    st.sampled_from(["$ ", "$ sudo "]),
    words,
    st.lists(st.one_of(words, chinese, marks), min_size=1, max_size=12),
)
prose = st.sampled_from(["请运行下面的命令,", "这一步很重要 。", "然后 检查 结果", "例如,", "说明:"])
identifier = st.one_of(
    st.builds(lambda w, n: f"{w}({n})", words, st.sampled_from(["1", "5", "s", "x, y", '"%s", x'])),
    st.builds(lambda a, b: f"{a},{b}", words, words),
    st.builds(lambda a, b: f"{a}:{b}", words, words),
    st.builds(lambda a, b: f"/etc/{a}/{b}.conf", words, words),
    st.builds(lambda a: f"--{a}-selections", words),
    st.builds(lambda a, b: f"{a}=1;{b}=2", words, words),
)


@SETTINGS
@given(st.lists(prose, max_size=3), code_line, st.lists(prose, max_size=3))
def test_a_shell_command_line_is_never_changed(before, line, after):
    text = "\n".join([*before, line, *after])
    assert line in normalize(text).split("\n")


@SETTINGS
@given(prose, identifier, prose)
def test_an_identifier_between_chinese_words_survives(left, token, right):
    for text in (f"{left} {token} {right}", f"{left}{token}{right}"):
        assert token in normalize(text)


@SETTINGS
@given(st.lists(st.one_of(prose, identifier, code_line, chinese, marks), max_size=12).map(" ".join))
def test_idempotent_and_replayable_with_code_around(text):
    for joined in (text, text.replace("  ", "\n")):
        doc = Normalize().apply(Document("t", joined))
        assert replay(joined, doc.edits) == doc.text
        assert normalize(doc.text) == doc.text
