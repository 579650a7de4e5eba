import random

import opencc

from reuse.align import AlignParams, align, prepare
from reuse.normalize import normalize

SHARED = (
    "要坚持把党的政治建设摆在首位，严格落实“第一议题”制度，推动党员干部学习教育走深走实、入脑入心。"
    "各基层党组织要认真落实“三会一课”制度，每季度至少开展1次主题党日活动，切实增强组织力。"
    "要紧盯关键少数，以上率下抓好中央八项规定精神落实，坚决纠治形式主义、官僚主义。"
)
LEFT = (
    "今年以来，青石镇围绕乡村振兴主线，统筹推进产业发展、生态保护和民生改善。"
    "全镇新建高标准农田两千亩，培育家庭农场十一个，农村居民人均可支配收入稳步增长。"
)
RIGHT = (
    "市交通运输局把安全生产作为头等大事，开展道路运输隐患排查整治专项行动。"
    "全年检查运输企业三百余家次，督促整改隐患问题，确保全市交通运输形势总体平稳。"
)
P = AlignParams()


def run(a: str, b: str):
    pa, pb = prepare(a, P), prepare(b, P)
    out = []
    for m in align(pa, pb, P):
        sa, sb = pa.norm.span(m.a_start, m.a_end), pb.norm.span(m.b_start, m.b_end)
        out.append((sa, sb, m.similarity))
    return out


def near(got: tuple[int, int], want: tuple[int, int], slack: int = 3) -> bool:
    return abs(got[0] - want[0]) <= slack and abs(got[1] - want[1]) <= slack


def test_exact_copy_gives_one_tight_passage():
    a = LEFT + SHARED + LEFT[:20]
    b = RIGHT + SHARED
    found = run(a, b)
    assert len(found) == 1
    (sa, sb, sim) = found[0]
    assert near(sa, (len(LEFT), len(LEFT) + len(SHARED)))
    assert near(sb, (len(RIGHT), len(RIGHT) + len(SHARED)))
    assert sim > 0.95


def test_unrelated_texts_share_nothing():
    assert run(LEFT * 2, RIGHT * 2) == []


def test_traditional_copy_with_other_numbers_and_punctuation_still_matches():
    trad = opencc.OpenCC("s2t").convert(SHARED).replace("1次", "⑧次").replace("，", ",")
    found = run(LEFT + SHARED, RIGHT + trad)
    assert len(found) == 1
    sa, sb, sim = found[0]
    assert near(sa, (len(LEFT), len(LEFT) + len(SHARED)))
    assert near(sb, (len(RIGHT), len(RIGHT) + len(trad)))
    assert sim > 0.9


def edit(text: str, rate: float, seed: int) -> str:
    rng = random.Random(seed)
    pool = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 500))
    out = []
    for ch in text:
        r = rng.random()
        if r < rate / 3:
            out.append(rng.choice(pool))  # substitution
        elif r < 2 * rate / 3:
            continue  # deletion
        elif r < rate:
            out.extend((ch, rng.choice(pool)))  # insertion
        else:
            out.append(ch)
    return "".join(out)


def test_ten_percent_edits_do_not_break_the_passage():
    for seed in range(5):
        edited = edit(SHARED, 0.10, seed)
        found = run(LEFT + SHARED + LEFT, RIGHT + edited + RIGHT)
        assert len(found) == 1, (seed, found)
        sa, sb, _ = found[0]
        assert near(sa, (len(LEFT), len(LEFT) + len(SHARED)), slack=8)
        assert near(sb, (len(RIGHT), len(RIGHT) + len(edited)), slack=8)


def test_reordered_and_dropped_clauses_stay_one_passage():
    clause_a, clause_b = "每季度至少开展1次主题党日活动", "切实增强组织力"
    swapped = SHARED.replace(f"{clause_a}，{clause_b}", f"{clause_b}，{clause_a}")
    found = run(LEFT + SHARED + LEFT, RIGHT + swapped + RIGHT)
    assert len(found) == 1
    dropped = SHARED.replace("，每季度至少开展1次主题党日活动", "")
    found = run(LEFT + SHARED + LEFT, RIGHT + dropped + RIGHT)
    assert len(found) == 1
    sa, sb, _ = found[0]
    assert near(sb, (len(RIGHT), len(RIGHT) + len(dropped)))


def test_paragraphs_in_swapped_order_are_two_passages():
    s1, s2, s3 = SHARED.split("。")[:3]
    found = run(LEFT + SHARED + LEFT, RIGHT + f"{s3}。{s1}。{s2}。" + RIGHT)
    assert len(found) == 2


def test_crlf_offsets_point_into_the_original():
    a = (LEFT + "\r\n" + SHARED).replace("。", "。\r\n")
    b = RIGHT + SHARED
    ((sa, _, _),) = run(a, b)
    got = normalize(a[sa[0] : sa[1]]).text
    assert got == normalize(SHARED).text


def test_short_formulas_are_not_passages():
    a = LEFT + "推动学习教育走深走实。" + LEFT[::-1]
    b = RIGHT + "确保学习教育走深走实。" + RIGHT[::-1]
    assert run(a, b) == []
