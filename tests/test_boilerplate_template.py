"""Recurring is not enough (issue 12): a recurring line goes when it looks like a template.

Change examples: footers and navigation of wordings the other tests do not use,
a disclaimer written as a sentence, a fragment recurring on several sites. Keep
examples: short normal sentences many documents share (``谢谢大家。``, ``谢谢。``,
``以上就是本期节目的全部内容。``) and a byline recurring on one site.
"""

from __future__ import annotations

import random

import pytest

from benchmarks.corpora import clean_news
from pipeline.boilerplate import Boilerplate, is_normal_sentence, looks_like_template, site_of, template_features
from pipeline.document import Document
from pipeline.lines import key_hash, line_key


def pages(texts: list[str], sites: list[str]) -> list[Document]:
    return [Document(str(i), t, source=f"{sites[i % len(sites)]}/{i}.txt", seq=i) for i, t in enumerate(texts)]


def run(stage: Boilerplate, docs: list[Document]) -> tuple[list[str], object]:
    summary = stage.merge(stage.observe(d) for d in docs)
    return [stage.apply(Document(d.id, d.text, d.source), summary).text for d in docs], summary


def body(rng: random.Random, n: int = 5) -> list[str]:
    return rng.sample(clean_news(), n)


@pytest.mark.parametrize("line", [
    "关于本站 ┊ 投稿须知 ┊ 广告合作 ┊ 法律顾问",
    "当前位置：首页 » 国内 » 正文",
    "Copyright©2019 鹭岛在线 All Rights Reserved",
    "闽ICP备19000001号-2 闽公网安备35020302000001号",
    "主办：某某市委宣传部 承办：某某传媒集团",
    "投稿邮箱：news@ludao.cn",
    "地址：某某市思明区某某路88号 邮编：361000",
    "【字号 大 中 小】【打印】【关闭窗口】",
    "责任编辑：王五",
    "文章来源：某某晚报 发布时间：2023-06-01 10:20",
    "凡本网注明“来源：鹭岛在线”的作品，转载请注明出处。",
    "扫一扫，关注鹭岛在线微信公众号",
    "上一篇：某某 下一篇：某某",
    "www.ludao.cn",
])
def test_template_lines_have_features(line):
    assert template_features(line)
    assert looks_like_template(line, 1, 2)


@pytest.mark.parametrize("line", [
    "谢谢大家。", "谢谢。", "谢谢！", "以上就是本期节目的全部内容。", "我们下期再见！",
    "他说：“我们要发展。”", "网友评论称，这是好事。", "记者：你怎么看？", "本次会议由市政府主办。",
])
def test_normal_sentences_are_not_templates(line):
    assert not template_features(line)
    assert is_normal_sentence(line)
    assert not looks_like_template(line, 50, 2)  # not even on fifty sites


def test_fragments_need_several_sites():
    assert not is_normal_sentence("本报记者 张三") and not template_features("本报记者 张三")
    assert not looks_like_template("本报记者 张三", 1, 2)
    assert looks_like_template("本报记者 张三", 2, 2)


def test_site_of_prefers_the_url_host_then_the_folder_then_the_file():
    fields = {"fields": {"link": "http://news.ludao.cn/a/1.html"}}
    assert site_of(Document("1", "", source="crawl.jsonl", meta=fields)) == "news.ludao.cn"
    assert site_of(Document("1", "", source="crawl.jsonl", meta={"fields": {"url": 3}})) == "crawl.jsonl"
    assert site_of(Document("1", "", source="ludao/2023/1.txt")) == "ludao"


def test_talks_keep_their_closing_lines_on_every_site():
    rng = random.Random(1)
    closings = ["谢谢大家。", "谢谢。", "以上就是本期节目的全部内容。"]
    texts = [f"第{i}讲\n\n" + "\n\n".join(body(rng, 4)) + "\n\n" + closings[i % 3] for i in range(60)]
    out, summary = run(Boilerplate(), pages(texts, ["ted", "podcast", "forum", "school"]))
    assert out == texts
    kept = {b.text: b for b in summary.not_template}
    assert set(kept) == set(closings)
    assert all(b.edge_docs == 20 and b.sites == 4 for b in kept.values())
    # Before issue 12, recurrence alone decided: all three went.
    old, _ = run(Boilerplate(template_check=False), pages(texts, ["ted", "podcast", "forum", "school"]))
    assert all(not any(t.endswith(c) for c in closings) for t in old)


def test_footer_of_another_wording_goes_and_a_one_site_byline_stays():
    rng = random.Random(2)
    footer = ["关于本站 ┊ 投稿须知 ┊ 广告合作", "凡本网注明“来源：鹭岛在线”的作品，转载请注明出处。",
              "Copyright©2019 鹭岛在线 闽ICP备19000001号"]
    texts = ["本报记者 张三\n\n" + "\n\n".join(body(rng, 5)) + "\n\n" + "\n\n".join(footer) for _ in range(8)]
    docs = pages(texts, ["ludao"])
    out, summary = run(Boilerplate(), docs)
    for t in out:
        assert t.startswith("本报记者 张三\n\n") and not any(f in t for f in footer)
    assert {b.text for b in summary.blocks} == set(footer)
    (byline,) = summary.not_template
    assert byline.text == "本报记者 张三" and byline.sites == 1


def test_a_fragment_recurring_on_several_sites_goes():
    rng = random.Random(3)
    texts = ["今日导读\n\n" + "\n\n".join(body(rng, 5)) for _ in range(10)]
    out, summary = run(Boilerplate(), pages(texts, ["a", "b", "c"]))
    assert key_hash(line_key("今日导读")) in summary.hashes
    assert not any(t.startswith("今日导读") for t in out)
    one_site, summary = run(Boilerplate(), pages(texts, ["a"]))
    assert one_site == texts


def test_report_lists_the_lines_kept_as_not_template():
    rng = random.Random(4)
    texts = ["\n\n".join(body(rng, 4)) + "\n\n谢谢大家。" for _ in range(6)]
    stage = Boilerplate()
    _, summary = run(stage, pages(texts, ["a", "b"]))
    section = stage.describe(summary)
    assert section["kept_not_template"] == [
        {"text": "谢谢大家。", "docs": 6, "edge_docs": 6, "sites": 2, "all_sites": 0, "where": "edge", "features": []}
    ]
    assert section["settings"]["min_sites"] == 2 and section["settings"]["template_check"] is True


def test_invalid_min_sites_is_refused():
    with pytest.raises(ValueError):
        Boilerplate(min_sites=0)
