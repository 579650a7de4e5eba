import json

from hypothesis import given
from hypothesis import strategies as st

from reuse.output import dumps

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_dumps_round_trips(value: object) -> None:
    assert json.loads(dumps(value)) == value


def test_records_are_one_a_line() -> None:
    report = {
        "pairs": [{"a": {"doc": "甲", "start": 0}, "b": {"doc": "乙", "start": 5}}] * 3,
        "summary": {"pairs": 3},
    }
    lines = dumps(report).splitlines()
    assert lines.count('  {"a": {"doc": "甲", "start": 0}, "b": {"doc": "乙", "start": 5}},') == 2
    assert '  "pairs": 3' in lines
    assert len(lines) == 10
