"""The default pipeline as a whole: stages composed, properties across all of them.

Per-stage tests live beside each stage; these check what only the composition
can show: a Traditional mirror deduplicates against its Simplified original
because normalisation ran first, boilerplate the rules strip does not decide
what is a duplicate, and the whole chain is idempotent and fully audited.
"""

from __future__ import annotations

import shutil

import opencc
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpora import clean_news, seed_paragraphs
from pipeline.audit import read_dropped
from pipeline.cli import main
from pipeline.config import Config, RunConfig
from pipeline.document import Document, replay
from pipeline.runner import run_pipeline
from pipeline.stage import is_corpus_stage

from .conftest import SEEDS

S2T = opencc.OpenCC("s2twp")
AD_LINE = "时时彩不定位【Aurl:www.8233066.com】送888元"


def config(workers: int = 2) -> Config:
    return Config(run=RunConfig(workers=workers, progress=False))


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    """The seeds plus copies a crawl would hold: a Traditional mirror of 002 with its own
    site chrome, a re-post of 004 with an ad and other line layout, and an unrelated article."""
    root = tmp_path_factory.mktemp("crawl")
    shutil.copytree(SEEDS, root / "site-a")
    text_002 = (SEEDS / "002_570e254de6a8603d.txt").read_text(encoding="utf-8")
    text_004 = (SEEDS / "004_c52e4cff987ed82e.txt").read_text(encoding="utf-8")
    (root / "site-b").mkdir()
    (root / "site-b" / "mirror-002.txt").write_text(
        "首頁 > 新聞 > 要聞\n\n" + S2T.convert(text_002) + "\n\n分享到：微信 微博\n", encoding="utf-8"
    )
    (root / "site-b" / "repost-004.txt").write_text(
        text_004.replace("\n\n", "\n").replace("。", "。" + AD_LINE, 1), encoding="utf-8"
    )
    (root / "site-b" / "other.txt").write_text("\n\n".join(clean_news()[:12]), encoding="utf-8")
    return root


def test_copies_are_dropped_naming_their_survivor(mirrored, tmp_path):
    report = run_pipeline(mirrored, tmp_path / "out", config(), warn=lambda m: None)
    every = {r["id"]: r for r in read_dropped(tmp_path / "out")}
    # 002's continued foreign articles are split out of both copies (ID#2, ID#3…); the
    # mirror's are copies of the original's and go the same way
    split = {doc_id: r for doc_id, r in every.items() if "#" in doc_id}
    assert split and all("#" in r["details"]["survivor"] for r in split.values())
    dropped = {doc_id: r for doc_id, r in every.items() if "#" not in doc_id}
    pairs = {frozenset((doc_id, r["details"]["survivor"])) for doc_id, r in dropped.items()}
    assert pairs == {
        frozenset(("site-a/002_570e254de6a8603d.txt", "site-b/mirror-002.txt")),
        frozenset(("site-a/004_c52e4cff987ed82e.txt", "site-b/repost-004.txt")),
    }
    for record in dropped.values():
        assert record["stage"] == "dedup"
        assert record["details"]["similarity"] >= 0.75
    # five articles, plus the unrelated one, plus 002's two continued foreign articles
    assert report["documents"]["written"] == 8


def test_standalone_dedup_compares_the_normalised_form_and_writes_originals(mirrored, tmp_path):
    out = tmp_path / "dedup"
    result = CliRunner().invoke(main, ["dedup", str(mirrored), "-o", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    dropped = {r["id"] for r in read_dropped(out)}
    assert len(dropped) == 2
    assert dropped & {"site-b/mirror-002.txt", "site-a/002_570e254de6a8603d.txt"}
    for path in (out / "corpus").rglob("*.txt"):  # survivors' text is written exactly as read
        rel = path.relative_to(out / "corpus")
        original = (mirrored / rel).read_text(encoding="utf-8")
        assert path.read_text(encoding="utf-8") == original.removesuffix("\n") + "\n"  # POSIX: one final newline


def test_a_raw_mirror_is_not_a_duplicate_without_normalisation(mirrored, tmp_path):
    """The control: with only whitespace clean-up before dedup, the mirror is not found."""
    cfg = Config(run=RunConfig(workers=1, progress=False, stages=("whitespace", "dedup")))
    run_pipeline(mirrored, tmp_path / "out", cfg, warn=lambda m: None)
    assert "site-b/mirror-002.txt" not in {r["id"] for r in read_dropped(tmp_path / "out")}


# -- properties of the composed per-document stages ---------------------------------------------------

PER_DOCUMENT = [s for s in Config().build_stages() if not is_corpus_stage(s)]
FRAGMENTS = [
    "?!毒V要》", "崩罱ū蚪榻B", "ä¸­æ–‡", "涓枃", "ÖÐÎÄ", "锟斤拷", "\ufffd", "&amp;nbsp;", "</p>", "\\u4e2d",
    "\u200b", "\u3000\u3000", "地區(qū)", "(上接1版)", AD_LINE, "  ,", " 。", "\n", "\n\n\n", "## ", "？", "?", "(", ")",
]


@st.composite
def dirty_texts(draw) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(seed_paragraphs()),
                st.sampled_from(FRAGMENTS),
                st.text(max_size=8),
            ),
            max_size=12,
        )
    )
    return "".join(parts)


def clean(text: str) -> Document:
    doc = Document(id="x.txt", text=text)
    for stage in PER_DOCUMENT:
        if doc.dropped is None:
            doc = stage.apply(doc)
    return doc


@given(dirty_texts())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_cleaning_is_idempotent_and_fully_audited(text):
    once = clean(text)
    assert replay(text, once.edits) == once.text  # every change is in the log
    if once.dropped is None:
        twice = clean(once.text)
        assert twice.text == once.text
        assert twice.edits == []
