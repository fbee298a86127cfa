"""The trade-off of the template test (issue 12), measured on a generated corpus.

    .venv/bin/python -m tests.test_boilerplate_tradeoff    # prints the table of docs/quality.md

Corpus (built at run time, nothing of it is stored):

* People's Daily 1998-01 articles, one site (``peoplesdaily/``): headline, paragraphs;
* 300 talks on 5 sites (``talks0/`` …), from the sentence frames of
  :mod:`tests.test_quality_genres`, each ending ``谢谢大家。`` (one in ten ``谢谢。``);
* pages of 24 made-up sites, each with its own navigation and 2–4 footer lines
  drawn from general template kinds (copyright and licence, contact, address,
  reprint disclaimer, editor, share widget, a featureless site slogan for one
  site in four), wording varied per site, over reshuffled People's Daily sentences.

"Real lines" are every line of the articles and talks; "template lines" every
navigation and footer line of the made-up sites. Counted per occurrence.
"""

from __future__ import annotations

import random
import sys

import regex

from benchmarks.corpora import clean_news, clean_news_lines, news_articles
from pipeline.boilerplate import Boilerplate
from pipeline.document import Document
from pipeline.lines import line_key

from .test_quality_genres import talk_texts

_SENTENCE = regex.compile(r"[^。！？]+[。！？]”?")
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜"
PLACES = "江海山河湖城州阳安宁平川岭湾港原"


def site_template(rng: random.Random, k: int) -> tuple[str, list[str], list[str]]:
    """(name, head lines, tail lines) of made-up site ``k``."""
    name = rng.choice(PLACES) + rng.choice(PLACES) + rng.choice(["在线", "新闻网", "网", "资讯", "日报网"])
    domain = f"www.site{k:02d}.{rng.choice(['com', 'cn', 'com.cn', 'net'])}"
    sep = rng.choice([" | ", " > ", " › ", " » ", " / ", "｜"])
    menu = rng.sample(["首页", "新闻", "国内", "国际", "财经", "体育", "娱乐", "科技", "教育", "健康", "旅游", "汽车", "房产", "视频", "图片", "评论"], 5)
    head = [sep.join(menu)] if k % 3 else [f"当前位置：首页{sep}{menu[1]}{sep}正文"]
    editor = rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚")
    kinds = [
        f"Copyright © {rng.randint(2005, 2020)}-2024 {name} 版权所有",
        f"{rng.choice('京沪粤渝川闽浙苏鲁')}ICP备{rng.randint(10000000, 99999999)}号-{rng.randint(1, 5)}",
        f"联系电话：0{rng.randint(10, 999)}-{rng.randint(1000000, 9999999)}  投稿邮箱：news@site{k:02d}.cn",
        f"地址：{rng.choice(PLACES)}{rng.choice(PLACES)}市{rng.choice(PLACES)}路{rng.randint(1, 300)}号 邮编：{rng.randint(100000, 999999)}",
        f"凡注明“来源：{name}”的作品，版权均属{name}，转载请注明出处。",
        f"本网站所刊载信息，不代表{name}观点。",
        f"责任编辑：{editor}",
        "分享到：微信 微博 QQ空间",
        f"扫一扫，关注{name}微信公众号",
        f"【打印】【关闭窗口】",
        domain,
    ]
    tail = rng.sample(kinds, rng.randint(2, 4))
    if k % 4 == 0:
        tail.append(f"{name}——{rng.choice(['传播正能量', '您身边的新闻', '权威发布'])}")  # a slogan: no feature
    return name, head, tail


def corpus(seed: int = 0, shared_titles: bool = False) -> tuple[list[Document], set[str]]:
    """The documents and the keys of the template lines (``shared_titles``: talks share 48 titles)."""
    rng = random.Random(seed)
    docs: list[Document] = []
    for a in news_articles(clean_news_lines()):
        if len(a) >= 2:
            docs.append(Document(f"pd{len(docs)}", "\n\n".join(a), source=f"peoplesdaily/{len(docs)}.txt"))
    for i, talk in enumerate(talk_texts(rng, 300, shared_titles)):
        if i % 10 == 0:
            talk = talk.removesuffix("谢谢大家。") + "谢谢。"
        docs.append(Document(f"talk{i}", talk, source=f"talks{i % 5}/{i}.txt"))
    pool = [s for p in clean_news() for s in _SENTENCE.findall(p)]
    titles = [line for line in clean_news_lines()
              if 8 <= len(line) <= 30 and line[-1] not in "。！？" and not regex.search(r"记者|摄|电）|图|照片", line)]
    template: set[str] = set()
    for k in range(24):
        _, head, tail = site_template(rng, k)
        template.update(line_key(t) for t in head + tail)
        for j in range(rng.randint(6, 40)):
            paras = ["".join(rng.choice(pool) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(4, 10))]
            docs.append(Document(f"s{k}-{j}", "\n\n".join([*head, rng.choice(titles), *paras, *tail]),
                                 source=f"site{k:02d}/{j}.txt"))
    for seq, d in enumerate(docs):
        d.seq = seq
    return docs, template


def measure(stage: Boilerplate, docs: list[Document], template: set[str]) -> dict[str, object]:
    summary = stage.merge(stage.observe(d) for d in docs)
    real_removed, template_left, real_lines, template_lines = 0, 0, 0, 0
    removed_texts: dict[str, int] = {}
    left_texts: dict[str, int] = {}
    for d in docs:
        out = stage.apply(Document(d.id, d.text, d.source), summary)
        kept = {line_key(line) for line in out.text.split("\n") if line.strip()}
        for line in d.text.split("\n"):
            key = line_key(line)
            if not key:
                continue
            if key in template:
                template_lines += 1
                if key in kept:
                    template_left += 1
                    left_texts[line] = left_texts.get(line, 0) + 1
            else:
                real_lines += 1
                if key not in kept:
                    real_removed += 1
                    removed_texts[line] = removed_texts.get(line, 0) + 1
    return {"real_lines": real_lines, "real_removed": real_removed, "template_lines": template_lines,
            "template_left": template_left, "removed": removed_texts, "left": left_texts}


def main() -> int:
    for shared in (False, True):
        table(shared)
    return 0


def table(shared_titles: bool) -> None:
    docs, template = corpus(shared_titles=shared_titles)
    print(f"{len(docs)} documents: People's Daily articles, 300 talks on 5 sites"
          f"{' (48 shared titles)' if shared_titles else ''}, pages of 24 made-up sites")
    for label, stage in (("before (recurrence alone)", Boilerplate(template_check=False)),
                         ("after (template test, min_sites=2)", Boilerplate()),
                         ("after, min_sites=1", Boilerplate(min_sites=1)),
                         ("after, min_sites=3", Boilerplate(min_sites=3))):
        r = measure(stage, docs, template)
        print(f"{label}: real lines removed {r['real_removed']} of {r['real_lines']}; "
              f"template lines left {r['template_left']} of {r['template_lines']}")
        top = sorted(r["removed"].items(), key=lambda kv: -kv[1])[:8]
        print("   removed real:", "、".join(f"{t}×{n}" for t, n in top))
        top = sorted(r["left"].items(), key=lambda kv: -kv[1])[:6]
        print("   left template:", "、".join(f"{t}×{n}" for t, n in top))


def test_the_template_test_keeps_real_lines_and_still_removes_the_templates():
    docs, template = corpus()
    before = measure(Boilerplate(template_check=False), docs, template)
    after = measure(Boilerplate(), docs, template)
    assert before["removed"].get("谢谢大家。", 0) > 200  # the measured problem
    assert "谢谢大家。" not in after["removed"] and "谢谢。" not in after["removed"]
    assert after["real_removed"] < before["real_removed"] / 5
    # What the template test costs: only the featureless slogans of one site each.
    newly_left = {line: n for line, n in after["left"].items() if line not in before["left"]}
    assert newly_left and all("——" in line for line in newly_left)
    assert after["template_left"] - before["template_left"] == sum(newly_left.values())


if __name__ == "__main__":
    sys.exit(main())
