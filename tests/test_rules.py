"""The rules machinery: loading and validation, application, the stage, explain, the CLI.

Inputs are hand-made in the shape the stages before rules produce (Simplified
script, full-width punctuation); nothing here depends on the repair or
normalisation code.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.audit import read_edits
from pipeline.cli import main
from pipeline.config import ConfigError, Config, parse_config
from pipeline.document import Document, replay
from pipeline.explain_rules import explain, legend, render
from pipeline.rules import (
    KeywordIndex,
    RuleError,
    Rules,
    Where,
    apply_rule,
    apply_rules,
    builtin_rules_dir,
    find_matches,
    junctions,
    line_removals,
    load_rule_file,
    load_rules,
    parse_rule,
    removal_spans,
    removed_ranges,
    select,
)
from pipeline.runner import run_pipeline
from pipeline.stages import DEFAULT_PIPELINE

EXAMPLES = {"change": [{"input": "正文。\n返回顶部", "output": "正文。"}], "keep": ["返回家乡。"]}


def rule_table(**fields) -> dict:
    """A valid rule table, with ``fields`` replacing or adding keys (None deletes one)."""
    table = {"id": "t.rule", "description": "a test rule", "action": "drop_line",
             "pattern": "^返回顶部$", "keywords": ["返回顶部"], "examples": EXAMPLES}
    table.update(fields)
    return {k: v for k, v in table.items() if v is not None}


def make_rule(**fields):
    return parse_rule(rule_table(**fields), "test.toml")


def write_rules(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


USER_RULE = '''
[[rule]]
id = "site.promo_banner"
description = "Our crawl's promo banner"
action = "drop_line"
keywords = ["限时特惠"]
pattern = \'\'\'^【限时特惠】.*$\'\'\'
examples.change = [{ input = "正文。\\n【限时特惠】全场五折", output = "正文。" }]
examples.keep = ["限时特惠活动受到市民欢迎。"]
'''


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, fragments",
    [
        ({"action": None}, ["rule 't.rule'", "action: missing"]),
        ({"id": None}, ["rule #1", "id: missing"]),
        ({"action": "explode"}, ["rule 't.rule'", "action: unknown action 'explode'"]),
        ({"pattern": "(unclosed"}, ["rule 't.rule'", "pattern: bad regular expression"]),
        ({"literals": ["a"]}, ["pattern: give exactly one of"]),
        ({"colour": "red"}, ["colour: unknown field"]),
        ({"where": {"last": 0}}, ["where: must be"]),
        ({"where": "everywhere"}, ["where: must be"]),
        ({"keywords": "返回"}, ["keywords: must be a list"]),
        ({"examples": None}, ["examples: missing"]),
        ({"examples": {"change": [], "keep": ["x"]}}, ["examples.change: at least one"]),
        ({"examples": {"change": EXAMPLES["change"]}}, ["examples.keep: at least one"]),
        ({"examples": {"change": [{"input": "x"}], "keep": ["y"]}}, ["examples.change[1].output: missing"]),
        ({"action": "extract_meta"}, ["pattern: an extract_meta rule needs named groups"]),
        ({"action": "extract_meta", "pattern": "(?P<line>x)"}, ["'line' is reserved"]),
        ({"action": "flag", "examples": EXAMPLES}, ["a flag rule does not change the text"]),
        ({"id": "Bad Id"}, ["id: use lower-case"]),
        ({"enabled": "yes"}, ["enabled: must be true or false"]),
    ],
)
def test_invalid_rule_names_file_rule_and_field(fields, fragments) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule(rule_table(**fields), "rules/x.toml")
    message = str(info.value)
    assert message.startswith("rules/x.toml: ")
    for fragment in fragments:
        assert fragment in message


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = write_rules(tmp_path, "bad.toml", "[[rule]\nid = 'x'\n")
    with pytest.raises(RuleError, match=r"bad\.toml: invalid TOML"):
        load_rule_file(path)


def test_unreadable_rule_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=r"missing\.toml: cannot read rule file: No such file"):
        load_rule_file(tmp_path / "missing.toml")


def test_rule_file_without_rules_or_with_stray_keys(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no \\[\\[rule\\]\\] tables"):
        load_rule_file(write_rules(tmp_path, "empty.toml", "# nothing\n"))
    with pytest.raises(RuleError, match="unknown top-level key 'rules'"):
        load_rule_file(write_rules(tmp_path, "typo.toml", "[[rules]]\nid = 'x'\n"))


def test_duplicate_id_in_one_folder_is_an_error(tmp_path: Path) -> None:
    write_rules(tmp_path, "a.toml", USER_RULE)
    write_rules(tmp_path, "b.toml", USER_RULE)
    with pytest.raises(RuleError, match="b.toml: rule 'site.promo_banner': id: already defined in .*a.toml"):
        load_rules([tmp_path])


def test_missing_or_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="rule folder not found"):
        load_rules([tmp_path / "nope"])
    with pytest.raises(RuleError, match=r"no \*\.toml rule files"):
        load_rules([tmp_path])


def test_user_rule_with_a_shipped_id_replaces_it_in_place(tmp_path: Path) -> None:
    shipped = load_rules([builtin_rules_dir()])
    write_rules(tmp_path, "mine.toml", USER_RULE.replace("site.promo_banner", "nav.share"))
    merged = load_rules([builtin_rules_dir(), tmp_path])
    assert [r.id for r in merged] == [r.id for r in shipped]
    replaced = next(r for r in merged if r.id == "nav.share")
    assert replaced.file.endswith("mine.toml") and replaced.keywords == ("限时特惠",)


def test_shipped_library_is_found_next_to_the_package() -> None:
    assert builtin_rules_dir() == Path(__file__).resolve().parent.parent / "rules"


# -- selection ----------------------------------------------------------------------------------


def _three_rules():
    return [make_rule(id="nav.a"), make_rule(id="nav.b"), make_rule(id="ads.c", enabled=False)]


@pytest.mark.parametrize(
    "enable, disable, active",
    [
        ((), (), ["nav.a", "nav.b"]),
        (("ads.c",), (), ["nav.a", "nav.b", "ads.c"]),
        ((), ("nav.*",), []),
        ((), ("test.toml",), []),
        (("nav.a",), ("nav.*",), ["nav.a"]),  # an id beats a pattern
        (("test.toml",), ("nav.b",), ["nav.a", "ads.c"]),  # and a pattern beats a file
        (("nav.a",), ("nav.a",), ["nav.b"]),  # at equal specificity disable wins
    ],
)
def test_enable_and_disable_by_id_pattern_or_file(enable, disable, active) -> None:
    assert [r.id for r in select(_three_rules(), enable, disable)] == active


def test_enable_entry_matching_nothing_is_an_error() -> None:
    with pytest.raises(RuleError, match="'nav.shar' matches no rule"):
        select(_three_rules(), (), ("nav.shar",))


# -- application -------------------------------------------------------------------------------


def test_where_windows_count_non_empty_lines() -> None:
    text = "一\n\n二\n三\n\n四"
    assert text[slice(*Where(first=2).window(text))] == "一\n\n二"
    assert text[slice(*Where(last=2).window(text))] == "三\n\n四"
    assert Where().window(text) == (0, len(text))
    assert Where(last=9).window(text) == (0, len(text))


def test_windowed_rule_only_sees_its_lines() -> None:
    rule = make_rule(pattern="^返回顶部$", where={"last": 1})
    assert find_matches(rule, "返回顶部\n正文。") == []
    assert [m.group() for m in find_matches(rule, "正文。\n返回顶部")] == ["返回顶部"]


def test_keyword_prefilter_skips_the_regex() -> None:
    rule = make_rule(pattern="顶部", keywords=["不存在的词"])
    assert find_matches(rule, "返回顶部") == []
    assert find_matches(rule, "返回顶部", present=frozenset()) == []
    assert find_matches(rule, "返回顶部", present=frozenset({"不存在的词"}))


@pytest.mark.parametrize(
    "text, lines, result",
    [
        ("a\nX\nb", [1], "a\nb"),
        ("a\n\nX\n\nb", [2], "a\n\nb"),
        ("X\n\nb", [0], "b"),
        ("a\n\nX", [2], "a"),
        ("a\n\nX\n\nY", [2, 4], "a"),
        ("X", [0], ""),
        ("a\n\n\nb\nX", [4], "a\n\n\nb"),  # blank lines away from the removal stay as they were
    ],
)
def test_line_removals_keep_paragraph_spacing(text, lines, result) -> None:
    doc = Document("d", text)
    doc.replace(line_removals(text, lines), "rules", "t")
    assert doc.text == result


@pytest.mark.parametrize(
    "text, span, action, result",
    [
        ("前文。广告词，后文。", "广告词，", "delete_span", "前文。后文。"),
        ("正文。 （记者 张三）", "（记者 张三）", "delete_span", "正文。"),  # no blank stranded at the end
        ("（上接1版） 会议召开。", "（上接1版）", "delete_span", "会议召开。"),
        ("a b c", "b", "delete_span", "a c"),
        ("正文。\n返回顶部\n下文。", "返回顶部", "delete_span", "正文。\n下文。"),  # a whole line goes with its break
        ("正文。\n前 返回顶部 后\n下文。", "返回顶部", "drop_line", "正文。\n下文。"),
        ("一段。\n一段续。\n\n二段。", "续", "drop_paragraph", "二段。"),
        ("一行。\n二行。\n三行。", "二", "drop_paragraph", "一行。\n三行。"),  # no blank lines: a line is a paragraph
    ],
)
def test_removal_spans(text, span, action, result) -> None:
    start = text.index(span)
    doc = Document("d", text)
    doc.replace(removal_spans(text, [(start, start + len(span))], action), "rules", "t")
    assert doc.text == result


def test_footer_rule_peels_a_footer_taller_than_its_window() -> None:
    rule = make_rule(pattern="^(?:电话|传真)：\\d+$", keywords=["："], where={"last": 1})
    doc = Document("d", "正文。\n电话：123\n传真：456\n电话：789")
    apply_rule(rule, doc)
    assert doc.text == "正文。"
    assert [e.rule for e in doc.edits] == ["t.rule"] * 3


def test_extract_meta_keeps_the_first_value_and_deletes_the_match() -> None:
    rule = make_rule(action="extract_meta", pattern="^来源：(?P<source>\\S+)$", keywords=["来源"],
                     examples={"change": [{"input": "来源：甲", "output": "", "meta": {"source": "甲"}}], "keep": ["x"]})
    doc = Document("d", "来源：甲\n正文。\n来源：乙", meta={"encoding": "gb18030"})
    apply_rule(rule, doc)
    assert doc.text == "正文。"
    assert doc.meta == {"encoding": "gb18030", "source": "甲"}


def test_flag_records_the_rule_once_and_changes_nothing() -> None:
    rule = make_rule(action="flag", pattern="新葡京", keywords=["新葡京"],
                     examples={"change": [{"input": "新葡京"}], "keep": ["x"]})
    doc = Document("d", "新葡京，新葡京")
    apply_rules([rule, rule], doc)
    assert doc.meta == {"flags": ["t.rule"]} and doc.text == "新葡京，新葡京" and not doc.edits


def test_drop_document_stops_the_other_rules() -> None:
    drop = make_rule(id="pages.gone", action="drop_document", pattern="^404", keywords=["404"],
                     examples={"change": [{"input": "404"}], "keep": ["x"]})
    later = make_rule(pattern="正文")
    doc = apply_rules([drop, later], Document("d", "404 Not Found\n正文"))
    assert doc.dropped is not None and doc.dropped.stage == "rules" and doc.dropped.reason == "pages.gone"
    assert doc.dropped.details == {"match": "404"} and not doc.edits


def test_runaway_regex_is_stopped_reported_and_the_rest_goes_on() -> None:
    runaway = make_rule(id="t.runaway", pattern="(好|好好)+$", keywords=["好"])
    fine = make_rule(id="t.fine", pattern="^返回顶部$")
    doc = Document("page-7", "好" * 40 + "坏\n返回顶部")
    apply_rules([runaway, fine], doc, timeout=0.05)
    assert doc.text == "好" * 40 + "坏"
    assert [e.rule for e in doc.edits] == ["t.fine"]
    assert len(doc.warnings) == 1
    assert "t.runaway" in doc.warnings[0] and "test.toml" in doc.warnings[0] and "stopped after 0.05 s" in doc.warnings[0]


def test_runaway_regex_in_a_run_is_reported_with_the_document(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    write_rules(rules_dir, "slow.toml", '''
        [[rule]]
        id = "site.slow"
        description = "A pattern that backtracks catastrophically"
        action = "delete_span"
        pattern = \'\'\'(好|好好)+$\'\'\'
        examples.change = [{ input = "好", output = "" }]
        examples.keep = ["坏"]
        ''')
    write_rules(tmp_path / "in", "bad.txt", "好" * 40 + "坏\n返回顶部\n")
    write_rules(tmp_path / "in", "good.txt", "正文。\n返回顶部\n")
    config = Config().with_run(workers=1, progress=False).with_stage("rules", dirs=(str(rules_dir),), timeout=0.05)
    warnings: list[str] = []
    report = run_pipeline(tmp_path / "in", tmp_path / "out", config, warn=warnings.append)
    assert report["documents"]["written"] == 2
    assert len(warnings) == 1 and "bad.txt" in warnings[0] and "site.slow" in warnings[0]
    assert (tmp_path / "out" / "corpus" / "bad.txt").read_text(encoding="utf-8") == "好" * 40 + "坏\n"  # nav.page_tools ran
    assert (tmp_path / "out" / "corpus" / "good.txt").read_text(encoding="utf-8") == "正文。\n"


def test_rules_run_again_until_every_rule_has_seen_the_final_text() -> None:
    def cut(rule_id: str, literal: str):
        return make_rule(id=rule_id, action="delete_span", pattern=None, keywords=None, literals=[literal])

    # C's removal exposes A's match; A's removal then exposes D's match (D ran before A changed it)
    rules = [cut("t.a", "ab"), cut("t.b", "不会出现"), cut("t.c", "Q"), cut("t.d", "xy")]
    doc = apply_rules(rules, Document("d", "前xaQby后"))
    assert doc.text == "前后"
    assert [e.rule for e in doc.edits] == ["t.c", "t.a", "t.d"]


def test_keyword_index_matches_naive_search() -> None:
    index = KeywordIndex.build(["返回顶部", "返回", "QQ", "版）"])
    assert index.present("请返回顶部（下转2版）") == {"返回顶部", "返回", "版）"}
    assert index.present("") == frozenset()
    assert index.around("返回顶部", [2]) == {"返回顶部", "返回"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab版）", min_size=1, max_size=4), max_size=8), st.text(alphabet="ab版）\n", max_size=40))
def test_keyword_index_finds_exactly_the_keywords_that_occur(keywords: list[str], text: str) -> None:
    """Keywords that overlap, nest or repeat are all found, and nothing else (one scan, not one per keyword)."""
    assert KeywordIndex.build(keywords).present(text) == {k for k in keywords if k in text}


def test_removal_that_joins_a_keyword_lets_a_later_rule_run() -> None:
    cut = make_rule(id="t.cut", action="delete_span", pattern="XX", keywords=["XX"])
    later = make_rule(id="t.later", pattern="^返回顶部$")
    rules = [cut, later]
    doc = apply_rules(rules, Document("d", "正文。\n返回XX顶部"), index=KeywordIndex.build(["XX", "返回顶部"]))
    assert doc.text == "正文。" and [e.rule for e in doc.edits] == ["t.cut", "t.later"]


# -- the stage and the config ----------------------------------------------------------------------


def test_rules_is_in_the_default_pipeline_after_whitespace() -> None:
    names = [cls.name for cls in DEFAULT_PIPELINE]
    assert "rules" in names and names.index("rules") > names.index("whitespace")


def test_config_table_enables_disables_and_adds_folders(tmp_path: Path) -> None:
    write_rules(tmp_path, "mine.toml", USER_RULE)
    config = parse_config({"rules": {"dirs": [str(tmp_path)], "disable": ["navigation.toml"], "timeout": 2}})
    (stage,) = [s for s in config.build_stages() if s.name == "rules"]
    ids = [r.id for r in stage.rule_set().active]
    assert "site.promo_banner" in ids and not [i for i in ids if i.startswith("nav.")]
    assert stage.timeout == 2.0


@pytest.mark.parametrize(
    "table, fragment",
    [
        ({"disable": ["nav.nope"]}, "'nav.nope' matches no rule"),
        ({"dirs": ["/nonexistent/rules"]}, "/nonexistent/rules: rule folder not found"),
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"builtin": False}, "no rules"),
    ],
)
def test_bad_rules_config_is_refused_at_start_up(table, fragment) -> None:
    with pytest.raises(ConfigError, match=r"\[rules\]") as info:
        parse_config({"rules": table}, "my.toml")
    assert fragment in str(info.value)


def test_broken_user_rule_is_refused_before_the_run(tmp_path: Path) -> None:
    write_rules(tmp_path / "rules", "bad.toml", USER_RULE.replace("^【限时特惠】.*$", "(【限时特惠】"))
    with pytest.raises(ConfigError) as info:
        Config().with_stage("rules", dirs=(str(tmp_path / "rules"),))
    assert "bad.toml: rule 'site.promo_banner': pattern: bad regular expression" in str(info.value)


def test_user_rule_folder_works_end_to_end(tmp_path: Path) -> None:
    write_rules(tmp_path / "my_rules", "site.toml", USER_RULE)
    write_rules(tmp_path / "in", "a.txt", "成渝两地合作成果丰硕。\n【限时特惠】全场五折\n限时特惠活动受到市民欢迎。\n返回顶部\n")
    config = Config().with_run(workers=1, progress=False).with_stage("rules", dirs=(str(tmp_path / "my_rules"),))
    report = run_pipeline(tmp_path / "in", tmp_path / "out", config, warn=lambda m: None)
    out = (tmp_path / "out" / "corpus" / "a.txt").read_text(encoding="utf-8")
    assert out == "成渝两地合作成果丰硕。\n限时特惠活动受到市民欢迎。\n"
    assert report["rules"]["rules/site.promo_banner"]["edits"] == 1
    assert report["rules"]["rules/nav.page_tools"]["edits"] == 1  # the shipped library still runs
    ((_, edits),) = read_edits(tmp_path / "out")
    (edit,) = [e.to_json() for e in edits if e.rule == "site.promo_banner"]
    assert edit["stage"] == "rules" and edit["before"] == "【限时特惠】全场五折\n" and edit["after"] == ""


def test_stage_pickles_small_and_loads_rules_lazily() -> None:
    import pickle

    stage = Rules(disable=("nav.*",))
    data = pickle.dumps(stage)
    assert len(data) < 400 and pickle.loads(data) == stage


# -- explain ---------------------------------------------------------------------------------------


def test_explain_marks_every_rule_where_it_matched() -> None:
    rules = Rules().rule_set().active
    text = "标题\n时间：2024-05-12 12:40:28 来源：朝三暮四网\n推介的时时彩不定位【Aurl:www.x.com】送888元，还有景区。\n返回顶部"
    hits = explain(text, rules)
    assert [(h.rule.id, h.line) for h in hits] == [
        ("meta.header", 2), ("ads.gambling_inline", 3), ("ads.bracket_url", 3), ("nav.page_tools", 4)]
    shown = render(text, hits)
    assert "⟦1 时间：2024-05-12 12:40:28 来源：朝三暮四网⟧" in shown and "⟦4 返回顶部⟧" in shown
    assert "⟦3" not in shown  # inside hit 2: listed, not marked twice
    assert "[3] line 3: ads.bracket_url (delete_span, ads.toml): 【Aurl:www.x.com】" in legend(hits)
    assert "\x1b[" in render(text, hits, color=True)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abc\n", max_size=30), st.data())
def test_removed_ranges_map_a_removal_log_back_to_the_original(text: str, data) -> None:
    doc = Document("d", text)
    for _ in range(data.draw(st.integers(0, 4))):
        if not doc.text:
            break
        start = data.draw(st.integers(0, len(doc.text) - 1))
        end = data.draw(st.integers(start + 1, len(doc.text)))
        doc.replace([(start, end, "")], "s", "r")
    ranges = removed_ranges(doc.edits)
    kept = "".join(text[i] for i in range(len(text)) if not any(s <= i < e for s, e in ranges))
    assert kept == doc.text
    # each removed range ends up as one junction point in the final text
    final_points = {s - sum(e2 - s2 for s2, e2 in ranges if e2 <= s) for s, _ in ranges}
    assert set(junctions(doc.edits)) == final_points


# -- properties of the whole stage ------------------------------------------------------------------

_NOISE = [
    "时时彩不定位【Aurl:www.8233066.com】送888元，", "返回顶部", "分享到：微信 微博", "扫一扫，分享到微信",
    "上一篇：两地合作", "责任编辑：张三", "□本报记者陈国栋夏元", "记者谢智强摄/视觉重庆", "（四川日报全媒体记者王成栋）",
    "重庆日报讯（记者李志峰）", "（上接1版）", "（下转2版）", "网络招聘服务电话：", "023-63782960",
    "© 2020 重庆两江新区 版权所有 渝ICP备2020014939号-1", "时间：2024-05-12 12:40:28 来源：朝三暮四网", "据《成都日报》",
    "客服QQ：2881234567", "当前位置：首页 > 新闻", "关于我们 | 联系我们", "（完）", "重庆两江新区", "404 Not Found",
]
_PROSE = ["成渝两地合作成果丰硕。", "今年以来，川渝两省市加快延伸产业链。", "5月27日，", "“双核引领，区域联动。”", "摄", "记者"]
_fragments = st.lists(
    st.one_of(st.sampled_from(_NOISE), st.sampled_from(_PROSE), st.text(alphabet="成渝，。：（）记者摄 \n版1", max_size=8)),
    max_size=12,
)
_texts = st.builds(lambda parts, seps: "".join(p + s for p, s in zip(parts, seps)),
                   _fragments, st.lists(st.sampled_from(["", "\n", "\n\n"]), min_size=12, max_size=12))


@settings(max_examples=150, deadline=None)
@given(_texts)
def test_stage_only_removes_replays_and_is_idempotent(text: str) -> None:
    stage = Rules()
    doc = stage.apply(Document("d", text))
    assert replay(text, doc.edits) == doc.text
    assert all(e.stage == "rules" and e.after == "" for e in doc.edits)
    assert not doc.warnings
    if doc.dropped is None:
        again = stage.apply(Document("d", doc.text))
        assert again.text == doc.text and again.dropped is None


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_stage_never_crashes_on_arbitrary_text(text: str) -> None:
    doc = Rules().apply(Document("d", text))
    assert replay(text, doc.edits) == doc.text


# -- the command line --------------------------------------------------------------------------------


def test_rules_list_shows_every_rule() -> None:
    result = CliRunner().invoke(main, ["rules", "list"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(load_rules([builtin_rules_dir()]))
    assert any(line.split()[:4] == ["ads.gambling_inline", "ads.toml", "delete_span", "anywhere"] for line in lines)


def test_rules_list_with_config_shows_disabled_rules(tmp_path: Path) -> None:
    config = write_rules(tmp_path, "c.toml", '[rules]\ndisable = ["nav.*"]\n')
    result = CliRunner().invoke(main, ["rules", "list", "--config", str(config)])
    assert result.exit_code == 0
    share = next(line for line in result.stdout.splitlines() if line.startswith("nav.share "))
    assert " off " in share


def test_rules_test_reports_a_failing_example_and_exits_1(tmp_path: Path) -> None:
    write_rules(tmp_path, "site.toml", USER_RULE.replace('output = "正文。"', 'output = "正文！"'))
    result = CliRunner().invoke(main, ["rules", "test", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAILED site.promo_banner change example 1" in result.output and "wrong output" in result.output
    assert "expected: '正文！'" in result.output and "got:      '正文。'" in result.output
    assert "1 rules, 2 examples: 1 passed, 1 failed" in result.output


def test_rules_test_passes_a_good_user_folder(tmp_path: Path) -> None:
    write_rules(tmp_path, "site.toml", USER_RULE)
    result = CliRunner().invoke(main, ["rules", "test", str(tmp_path)])
    assert result.exit_code == 0 and "2 passed, 0 failed" in result.output


def test_rules_test_on_a_broken_file_names_it_and_exits_2(tmp_path: Path) -> None:
    write_rules(tmp_path, "site.toml", USER_RULE.replace('action = "drop_line"', 'action = "remove"'))
    result = CliRunner().invoke(main, ["rules", "test", str(tmp_path)])
    assert result.exit_code == 2
    assert "site.toml: rule 'site.promo_banner': action: unknown action 'remove'" in result.output


def test_run_with_a_broken_rules_folder_fails_before_writing(tmp_path: Path) -> None:
    write_rules(tmp_path / "rules", "site.toml", USER_RULE.replace("examples.keep", "examples.kept"))
    write_rules(tmp_path / "in", "a.txt", "正文。\n")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                                       "--rules", str(tmp_path / "rules")])
    assert result.exit_code == 2
    assert "site.toml: rule 'site.promo_banner': examples.kept: unknown field" in result.output
    assert not (tmp_path / "out").exists()


def test_run_with_rules_option(tmp_path: Path) -> None:
    write_rules(tmp_path / "rules", "site.toml", USER_RULE)
    write_rules(tmp_path / "in", "a.txt", "正文。\n【限时特惠】全场五折\n")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "-w", "1",
                                       "--rules", str(tmp_path / "rules")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "corpus" / "a.txt").read_text(encoding="utf-8") == "正文。\n"


def test_rules_explain_prepares_the_text_and_marks_matches(tmp_path: Path) -> None:
    page = write_rules(tmp_path, "page.txt", "标题  \r\n\r\n\r\n正文。\r\n返回顶部\r\n")
    result = CliRunner().invoke(main, ["rules", "explain", str(page)])
    assert result.exit_code == 0, result.output
    assert "标题\n\n正文。\n⟦1 返回顶部⟧" in result.stdout  # after the whitespace stage
    assert "[1] line 4: nav.page_tools (drop_line, navigation.toml): 返回顶部" in result.stdout
    assert "stage result: 1 removals, 5 characters; meta: {}" in result.stdout
    raw = CliRunner().invoke(main, ["rules", "explain", "--raw", str(page)])
    assert "标题  " in raw.stdout and "no rule matched" in raw.stdout  # as read: rules expect \n line breaks


def test_rules_explain_without_matches(tmp_path: Path) -> None:
    page = write_rules(tmp_path, "page.txt", "成渝两地合作成果丰硕。\n")
    result = CliRunner().invoke(main, ["rules", "explain", str(page)])
    assert result.exit_code == 0 and "no rule matched" in result.stdout


@pytest.mark.parametrize("command", [["rules"], ["rules", "list"], ["rules", "test"], ["rules", "explain"], ["run"]])
def test_rules_commands_have_help_with_an_example(command) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output
    if command == ["run"]:
        assert "--rules" in result.output
