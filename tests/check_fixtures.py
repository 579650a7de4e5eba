"""What the draft-check tests share: sentences no corpus holds, and an indexed corpus."""

from __future__ import annotations

import re
from pathlib import Path

from reuse.index import Index, IndexParams, build
from reuse.synth import generate_documents

# Sentences of everyday prose: no generated officialese document holds any of them.
FRESH = [
    "清晨的雾气还没有散去，码头上的渔船已经陆续出海了。",
    "老张把刚烤好的红薯分给围在炉子边的孩子们，自己只留了一个最小的。",
    "图书馆三楼靠窗的位置总能晒到下午的太阳，冬天来这里看书的人格外多。",
    "这条小溪发源于北面的山谷，夏季雨水充沛时会漫过下游的石板桥。",
    "她在笔记本上画了一张路线图，标出了沿途每一家可以歇脚的茶馆。",
    "火车穿过隧道以后，窗外忽然出现了一大片金黄色的油菜花田。",
    "邻居家的猫每天傍晚都会准时蹲在围墙上，看着巷子里来往的行人。",
    "外婆做的腌菜要在坛子里放足四十天，味道才会变得酸脆可口。",
]
SENTENCE = re.compile(r"[^。！？\n]+[。！？]")


def build_index(db: Path, *paths: Path) -> None:
    """Index ``paths`` into ``db`` with a bucket table, as `reuse index` does."""
    index = Index.create(db, IndexParams(), buckets=True)
    try:
        build(index, list(paths), workers=1)
    finally:
        index.close()


def indexed_corpus(
    root: Path, docs: int, chars: int, seed: int
) -> tuple[Path, Path, dict[str, str]]:
    """``root/corpus`` of generated documents ``docNN.txt``, indexed into ``root/index.db``;
    returns the folder, the index file and each file's text."""
    folder = root / "corpus"
    folder.mkdir()
    texts = {}
    for i, t in enumerate(generate_documents(docs, chars, seed=seed)):
        name = f"doc{i:02d}.txt"
        (folder / name).write_text(t, encoding="utf-8")
        texts[name] = t
    db = root / "index.db"
    build_index(db, folder)
    return folder, db, texts
