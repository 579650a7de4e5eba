"""Tests for reuse.normalize: the offset invariant, the folds, numerals and sentence breaks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reuse.normalize import NUMBER, Normalized, fold_width, normalize, to_simplified

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"

# Pieces the random documents are made of: every kind of character the folds treat specially.
PIECES = [
    *"的中国党规定会议学习教育",  # simplified
    *"國黨會議學習規劃體檢乾幹髮後",  # traditional
    *"，。、；：！？,.;:!?“”「」（）()《》…—",  # punctuation of both widths
    *"0123456789０１９",  # digits, ASCII and full width
    *"①⑧⑳⑴⒈㈠❶⓵",  # circled, parenthesised, full-stop digits
    *"〇零一二十百千万两壹拾萬",  # Chinese numerals
    # Whitespace and controls of every kind, CRLF among them.
    *["\r\n", "\n", "\r", "\t", " ", "\u3000", "\u2003", "\ufeff"],
    # Redaction marks and placeholders, and letters that look like them.
    *["#", "*", "＊", "[*]", "[**]", "［＊］", "【*】", "××", "×", "XX", "X"],
    *["Ａ", "a", "Q", "xXx"],
    # Astral (Ext B, emoji, compatibility supplement) and BMP compatibility ideographs.
    *["𠀀", "𪚥", "😀", "\U0002f800", "\ufa11", "\uf900"],
    *["……", "1.48", "3,000"],
]

OPTIONS = [
    {"numbers": True, "punctuation": True},
    {"numbers": True, "punctuation": False},
    {"numbers": False, "punctuation": True},
    {"numbers": False, "punctuation": False},
]


def expected_fold(ch: str) -> str:
    """The per-character fold, composed from the public one-purpose folds."""
    folded = to_simplified(fold_width(ch))
    return folded.lower() if folded.isascii() else folded


def read_seed(pattern: str) -> str:
    paths = sorted(SEEDS.glob(pattern))
    if not paths:
        pytest.skip(f"no seed {pattern} in {SEEDS}")
    return paths[0].read_bytes().decode("utf-8-sig")


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=40),
    options=st.sampled_from(OPTIONS),
)
def test_offsets_map_back_to_the_original(pieces: list[str], options: dict[str, bool]) -> None:
    original = "".join(pieces)
    norm = normalize(original, **options)
    m = len(norm.text)
    assert norm.starts.dtype == np.int32 and norm.ends.dtype == np.int32
    assert norm.starts.shape == norm.ends.shape == (m,)
    assert np.all(norm.starts >= 0) and np.all(norm.ends <= len(original))
    assert np.all(norm.starts < norm.ends)
    assert np.all(np.diff(norm.starts) > 0)
    assert np.all(norm.ends[:-1] <= norm.starts[1:])
    for k, ch in enumerate(norm.text):
        start, end = int(norm.starts[k]), int(norm.ends[k])
        if ch == NUMBER and options["numbers"] and original[start] != "#":
            # A numeral run is self-contained: on its own it folds to one placeholder.
            assert normalize(original[start:end], **options).text == NUMBER
        else:
            assert end == start + 1
            assert ch == expected_fold(original[start])
    # Sentence starts: sorted, unique, inside the text, 0 first.
    assert norm.breaks.dtype == np.int32
    if m:
        assert norm.breaks[0] == 0
        assert np.all(np.diff(norm.breaks) > 0) and norm.breaks[-1] < m
    else:
        assert norm.breaks.size == 0


@settings(max_examples=100, deadline=None)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=40))
def test_punctuation_is_dropped_and_numbers_optional(pieces: list[str]) -> None:
    original = "".join(pieces)
    plain = normalize(original, numbers=False)
    assert not any(ch in plain.text for ch in "，。,.!?#\r\n\t \u3000\ufeff")
    # Without numbers the fold is one to one on the kept characters.
    assert np.array_equal(plain.ends, plain.starts + 1)
    assert len(to_simplified(original)) == len(fold_width(original)) == len(original)


EIGHTS = ["八", "8", "８", "⑧", "⑻", "❽", "[*]", "[**]", "［＊］", "【*】", "捌", "*"]


@pytest.mark.parametrize("written", [eight + "项规定" for eight in EIGHTS])
def test_every_way_of_writing_eight_is_one_number(written: str) -> None:
    norm = normalize(written)
    assert norm.text == "#项规定"
    # The placeholder covers the whole run as written, brackets of a redaction included.
    assert norm.span(0, 1) == (0, len(written) - 3)


def test_number_runs() -> None:
    assert normalize("十四五").text == normalize("十三五").text == "#"
    assert normalize("“十四五”规划").text == "#规划"
    norm = normalize("涉及领导干部1.48万名，3,000个组织")
    assert norm.text == "涉及领导干部#名#个组织"
    assert norm.span(6, 7) == (6, 11)  # "1.48万"
    assert normalize("××同志、XX市").text == "#同志#市"
    assert normalize("XXL号").text == "xxl号"  # X inside a word is not a placeholder
    assert normalize("一个×").text == "#个"  # a lone × is a symbol
    # Runs never cross a sentence break.
    assert normalize("第一条。二是").text == "第#条#是"
    assert normalize("2024\n2025").text == "##"


def test_numbers_false_keeps_numerals_as_written() -> None:
    assert normalize("坚持“三会一课”制度", numbers=False).text == "坚持三会一课制度"
    assert normalize("三会一课").text == "#会#课"
    assert normalize("⑧项、８项", numbers=False).text == "8项8项"


def test_punctuation_false_keeps_folded_punctuation() -> None:
    norm = normalize("你好，世界！　1.5亿", punctuation=False)
    assert norm.text == "你好,世界! #"
    assert norm.span(7, 8) == (7, 11)


def test_width_and_case_folds() -> None:
    assert normalize("ＡＢＣ　ｄｅｆ１").text == "abcdef#"
    assert fold_width("ＡＢ　①") == "AB 1"
    assert fold_width("⑴℃") == "⑴℃"  # NFKC would lengthen these: kept
    assert normalize("\uf900").text == normalize("豈").text  # compatibility ideograph


def test_traditional_folds_to_simplified() -> None:
    s2t = opencc.OpenCC("s2t")
    sentences = [
        "开展深入贯彻中央八项规定精神学习教育，是习近平总书记亲自谋划的今年党建工作重点任务。",
        "根据中央和省委统一部署，今年3月开始，在全市党员、干部中开展学习教育，"
        "涉及县处级以上领导干部1.48万名。",
        "坚持以人民为中心的发展思想，推动高质量发展，着力解决群众急难愁盼问题。",
        "进一步压实管党治党政治责任，以钉钉子精神纠治“四风”，让铁规矩长出钢牙齿。",
    ]
    for simplified in sentences:
        traditional = s2t.convert(simplified)
        assert traditional != simplified
        assert normalize(traditional).text == normalize(simplified).text
        assert to_simplified(traditional) == simplified


def test_traditional_seed_matches_its_simplified_conversion() -> None:
    traditional = read_seed("003_*.txt")
    simplified = opencc.OpenCC("t2s").convert(traditional)
    assert simplified != traditional
    assert normalize(traditional).text == normalize(simplified).text


def test_crlf_offsets() -> None:
    original = "第一条 总则\r\n第二条　目的\r\n"
    norm = normalize(original)
    assert norm.text == "第#条总则第#条目的"
    assert norm.starts.tolist() == [0, 1, 2, 4, 5, 8, 9, 10, 12, 13]
    assert norm.breaks.tolist() == [0, 5]
    assert original[slice(*norm.span(5, 10))] == "第二条　目的"
    kept = normalize(original, punctuation=False)
    assert kept.text == "第#条 总则\r\n第#条 目的\r\n"
    assert kept.breaks.tolist() == [0, 8]  # "\r\n" starts one sentence, not two


def test_astral_characters_count_as_one_code_point() -> None:
    original = "𠀀学习😀𪚥，八项"
    norm = normalize(original)
    assert norm.text == "𠀀学习𪚥#项"
    assert norm.starts.tolist() == [0, 1, 2, 4, 6, 7]
    assert norm.codes().tolist() == [ord(ch) for ch in norm.text]
    assert norm.codes().dtype == np.uint32


def test_breaks() -> None:
    norm = normalize("一是学习，二是落实。三是总结\n四是……五是！六是；好")
    assert norm.text == "#是学习#是落实#是总结#是#是#是好"
    sentence_starts = [norm.text[k : k + 2] for k in norm.breaks]
    assert sentence_starts == ["#是", "#是", "#是", "#是", "#是", "好"]
    assert 4 not in norm.breaks  # no break after "，"
    assert normalize("你好。").breaks.tolist() == [0]  # a final break adds nothing


def test_empty_and_all_dropped() -> None:
    for text in ["", "，。\r\n  "]:
        norm = normalize(text)
        assert norm.text == "" and norm.starts.size == norm.breaks.size == 0
    with pytest.raises(ValueError):
        normalize("你好").span(1, 1)


def test_span_round_trip_on_seed() -> None:
    original = read_seed("000_*.txt")
    norm = normalize(original)
    assert isinstance(norm, Normalized) and len(norm.text) > 1000
    bounds = [*norm.breaks.tolist(), len(norm.text)]
    for i, j in zip(bounds, bounds[1:], strict=False):
        start, end = norm.span(i, j)
        # A sentence cut out of the original folds to exactly that sentence.
        assert normalize(original[start:end]).text == norm.text[i:j]
    assert "#项规定" in norm.text and "⑧项规定" in original
