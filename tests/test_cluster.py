"""Topic clustering: a generated corpus of clearly separated topics must come back as such."""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from sklearn.metrics import adjusted_rand_score

from reuse import cli_cluster
from reuse.cluster import (
    ClusterParams,
    _map_rows,
    class_tfidf,
    cluster_documents,
    co_association,
    collapse_near_duplicates,
    distinctive_weights,
    is_content_token,
    stop_words,
    tokenize,
)
from reuse.model import Document

# Four topics a reader tells apart at a glance; each document also gets the shared officialese.
TOPICS = {
    "water": "水资源 河道 水库 防汛 抗旱 灌溉 饮用水 水源地 水污染 堤防 排涝 节水 水土保持 流域 "
    "取水许可 泵站 水文 河长 地下水 蓄水",
    "school": "学校 教师 学生 课程 教材 招生 考试 校园 义务教育 职业教育 高校 学前教育 "
    "教学质量 学位 奖学金 师资 课堂 辅导员 毕业生 家长",
    "health": "医院 医生 护士 患者 疫苗 门诊 医保 药品 诊疗 公共卫生 疾病预防 传染病 "
    "基层医疗 处方 住院 急救 体检 卫生院 慢性病 康复",
    "traffic": "机动车 驾驶人 道路 交通信号 停车场 公交 地铁 非机动车 超速 酒驾 "
    "交通事故 高速公路 路口 行人 出租车 客运 货运 车道 限行 导航",
}
SHARED_WORDS = "坚持 推进 加强 落实 完善 健全 提升 深化 统筹 保障 工作 建设 发展 管理 制度 机制"
GLUE = ["，", "。", "；", "的", "和", "要", "进一步", "切实"]


def _doc_text(rng: random.Random, topic: str, n_words: int = 160) -> str:
    own = TOPICS[topic].split()
    shared = SHARED_WORDS.split()
    parts: list[str] = []
    for _ in range(n_words):
        pool = own if rng.random() < 0.45 else shared
        parts.append(rng.choice(pool))
        parts.append(rng.choice(GLUE))
    return "".join(parts) + "。"


def make_corpus(
    seed: int = 0, per_topic: int = 15, sizes: dict[str, int] | None = None
) -> tuple[list[Document], list[str]]:
    rng = random.Random(seed)
    docs: list[Document] = []
    labels: list[str] = []
    for topic in TOPICS:
        for i in range((sizes or {}).get(topic, per_topic)):
            docs.append(Document(id=f"{topic}-{i:02d}.txt", text=_doc_text(rng, topic)))
            labels.append(topic)
    return docs, labels


def _assignment(result) -> dict[str, int]:
    return {d: c.id for c in result.clusters for d in c.docs}


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Document], list[str]]:
    return make_corpus()


@pytest.fixture(scope="module")
def clustered(corpus):
    docs, _ = corpus
    return cluster_documents(docs, ClusterParams(workers=1), with_map=True)


def test_topics_recovered_without_k(corpus, clustered) -> None:
    docs, labels = corpus
    got = _assignment(clustered)
    ari = adjusted_rand_score(labels, [got[d.id] for d in docs])
    assert ari >= 0.9, (ari, clustered.k, clustered.scores)
    assert clustered.k == len(TOPICS)


def test_unbalanced_topics_recovered_without_k() -> None:
    # One topic holds most of the corpus: its words are in most documents, and a
    # document-frequency ceiling of one half (the old default) threw them away.
    docs, labels = make_corpus(seed=2, sizes={"water": 45, "school": 6, "health": 6, "traffic": 6})
    result = cluster_documents(docs, ClusterParams(workers=1))
    got = _assignment(result)
    assert adjusted_rand_score(labels, [got[d.id] for d in docs]) >= 0.9, result.scores
    assert result.method == "consensus"


def test_co_association_is_a_share_of_runs() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8)
    z = np.vstack([c + 0.05 * rng.standard_normal((10, 8)) for c in centres])
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    co = co_association(z, runs=20, seed=0)
    assert co.shape == (30, 30)
    assert np.allclose(co, co.T)
    assert np.allclose(np.diag(co), 1.0)
    assert co.min() >= 0.0
    # Runs with k from 2 to 2 sqrt(n) both merge and split blobs, but two points of one blob
    # are together more often than any two points of different blobs.
    blob = np.repeat(np.arange(3), 10)
    same = blob[:, None] == blob[None, :]
    assert co[same].min() > co[~same].max()


def test_map_sample_keeps_every_cluster() -> None:
    labels = np.array([0] * 5000 + [1] * 40 + [2] * 3)
    rows = _map_rows(labels, 500, seed=0)
    assert len(rows) <= 520
    assert set(labels[rows].tolist()) == {0, 1, 2}
    assert (labels[rows] == 2).sum() == 3
    assert len(set(rows.tolist())) == len(rows)


def test_every_document_in_exactly_one_cluster(corpus, clustered) -> None:
    docs, _ = corpus
    listed = [d for c in clustered.clusters for d in c.docs]
    assert sorted(listed) == sorted(d.id for d in docs)
    assert len(listed) == len(set(listed))


def test_terms_are_distinctive_not_shared(clustered) -> None:
    shared = set(SHARED_WORDS.split())
    for c in clustered.clusters:
        assert c.terms, c
        assert not shared & set(c.terms[:5]), c.terms
        # All of a cluster's top terms come from one topic's vocabulary.
        topics = {t for t, words in TOPICS.items() if set(c.terms[:5]) <= set(words.split())}
        assert len(topics) == 1, c.terms
        assert c.representative in c.docs


def test_reposts_collapsed_into_their_originals_cluster(corpus) -> None:
    docs, labels = corpus
    # The same bulletin on three more sites, one with a site header and footer added.
    original = docs[3]
    reposts = [
        Document(id="site-a/copy.txt", text=original.text),
        Document(id="site-b/copy.txt", text="来源：某某网\n" + original.text + "\n责任编辑：张三"),
        Document(id="site-c/copy.txt", text=original.text.replace("。", "。\n")),
    ]
    result = cluster_documents(docs + reposts, ClusterParams(workers=1))
    assert result.collapsed == 3
    got = _assignment(result)
    assert {got[r.id] for r in reposts} == {got[original.id]}
    home = result.clusters[got[original.id]]
    assert sorted(home.collapsed) == sorted(r.id for r in reposts)
    # Reposts form no cluster of their own: the topics still come back.
    ari = adjusted_rand_score(labels, [got[d.id] for d in docs])
    assert ari >= 0.9


def test_k_is_honoured(corpus) -> None:
    docs, _ = corpus
    for k in (2, 6):
        result = cluster_documents(docs, ClusterParams(k=k, workers=1))
        assert result.k == k
        assert len(result.clusters) == k
        assert sum(len(c.docs) for c in result.clusters) == len(docs)


def test_near_duplicates_need_high_overlap() -> None:
    rng = np.random.default_rng(0)
    a = np.unique(rng.integers(0, 2**32, 400, dtype=np.uint64).astype(np.uint32))
    b = np.unique(np.r_[a[:390], rng.integers(0, 2**32, 10, dtype=np.uint64).astype(np.uint32)])
    c = np.unique(np.r_[a[:200], rng.integers(0, 2**32, 200, dtype=np.uint64).astype(np.uint32)])
    reps = collapse_near_duplicates([a, b, c, np.zeros(0, np.uint32)], 0.8)
    assert reps.tolist() == [0, 0, 2, 3]


def test_tokens_drop_stop_words_numbers_and_punctuation() -> None:
    words = tokenize("我们要在2024年第三次会议上，进一步加强水资源保护和饮用水安全！ＡＢ")
    assert "水资源" in words
    assert "饮用水" in words
    assert not {"我们", "2024", "2024年", "第三次", "，", "！", "在", "要"} & set(words)
    assert all(len(w) >= 2 for w in words)
    stops = stop_words()
    assert len(stops) > 500  # a maintained list, not a hand-made one
    assert not is_content_token("三月", stops)
    assert not is_content_token("一百二十", stops)
    assert is_content_token("水资源", stops)


def test_class_tfidf_prefers_terms_rare_elsewhere() -> None:
    from scipy import sparse

    # term 0 is everywhere, term 1 only in cluster 0, term 2 only in cluster 1
    counts = sparse.csr_matrix(np.array([[5, 3, 0], [5, 2, 0], [5, 0, 4], [5, 0, 3]]))
    w = class_tfidf(counts, np.array([0, 0, 1, 1]), 2)
    assert w[0].argmax() == 1
    assert w[1].argmax() == 2


def test_distinctive_weights_demote_words_every_cluster_uses() -> None:
    from scipy import sparse

    # term 0 (应当) is in every cluster and most frequent; term 1 only in cluster 0;
    # term 2 only in cluster 1; cluster 2 is a third group using term 0 only with term 3.
    counts = sparse.csr_matrix(
        np.array([[20, 3, 0, 0], [20, 2, 0, 0], [20, 0, 3, 0], [20, 0, 2, 0], [20, 0, 0, 3]])
    )
    labels = np.array([0, 0, 1, 1, 2])
    w = distinctive_weights(counts, labels, 3)
    assert w[0].argmax() == 1
    assert w[1].argmax() == 2
    assert w[2].argmax() == 3
    # Plain class-based TF-IDF still put the everywhere-word first in cluster 0.
    assert class_tfidf(counts, labels, 3)[0].argmax() == 0


def _args(tmp_path: Path, **over) -> argparse.Namespace:
    folder = tmp_path / "docs"
    if not folder.exists():
        folder.mkdir()
        docs, _ = make_corpus(seed=1, per_topic=8)
        for d in docs:
            (folder / d.id).write_text(d.text, encoding="utf-8")
    base = {
        "paths": [str(folder)],
        "k": None,
        "k_max": 8,
        "json": None,
        "plot": None,
        "top_terms": 5,
        "user_dict": None,
    }
    base.update(over)
    return argparse.Namespace(**base)


def _consoles() -> tuple[Console, Console]:
    return Console(record=True, width=200), Console(record=True, width=200, stderr=True)


def test_cli_json_and_k(tmp_path: Path) -> None:
    out, err = _consoles()
    target = tmp_path / "clusters.json"
    assert cli_cluster.run(_args(tmp_path, json=str(target), k=3), out, err) == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["clusters"]) == 3
    ids = [d for c in data["clusters"] for d in c["docs"]]
    assert len(ids) == len(set(ids)) == 32
    assert {"id", "docs", "terms"} <= set(data["clusters"][0])
    assert "Topic clusters" in out.export_text()


def test_cli_registers_options() -> None:
    parser = argparse.ArgumentParser()
    cli_cluster.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["cluster", "x", "--k", "4", "--plot", "m.png", "--top-terms", "3"])
    assert (args.k, args.plot, args.top_terms) == (4, "m.png", 3)


HAS_MPL = importlib.util.find_spec("matplotlib") is not None


@pytest.mark.skipif(not HAS_MPL, reason="matplotlib not installed: the error path is tested")
def test_plot_writes_a_png(tmp_path: Path) -> None:
    out, err = _consoles()
    png = tmp_path / "map.png"
    assert cli_cluster.run(_args(tmp_path, plot=str(png)), out, err) == 0
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert width > 100 and height > 100


@pytest.mark.skipif(HAS_MPL, reason="matplotlib installed: the PNG itself is tested")
def test_plot_without_matplotlib_is_a_clear_error(tmp_path: Path) -> None:
    out, err = _consoles()
    png = tmp_path / "map.png"
    assert cli_cluster.run(_args(tmp_path, plot=str(png)), out, err) == 2
    message = err.export_text().strip()
    assert message == cli_cluster.PLOT_UNAVAILABLE
    assert "\n" not in message
    assert not png.exists()
