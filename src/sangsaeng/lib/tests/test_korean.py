import pytest
from hypothesis import given
from hypothesis import strategies as st

from sangsaeng.lib.korean import final_consonant, josa


@pytest.mark.parametrize(
    ("word", "particle", "expected"),
    [
        ("기금", "을", "기금을"),
        ("기금", "를", "기금을"),
        ("지급", "를", "지급을"),
        ("용도", "을", "용도를"),
        ("기업", "이", "기업이"),
        ("용도", "이", "용도가"),
        ("회사", "가", "회사가"),
        ("기금", "은", "기금은"),
        ("용도", "은", "용도는"),
        ("은행", "와", "은행과"),
        ("협력사", "과", "협력사와"),
        ("서울", "으로", "서울로"),
        ("부산", "로", "부산으로"),
        ("협력사", "으로", "협력사로"),
        ("ESG", "을", "ESG을(를)"),
        ("#12", "이", "#12이(가)"),
        ("", "을", "을(를)"),
    ],
)
def test_josa(word, particle, expected):
    assert josa(word, particle) == expected


@given(st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1))
def test_every_syllable_takes_exactly_one_form(word):
    final = final_consonant(word)
    assert final is not None and 0 <= final < 28
    assert josa(word, "을") == word + ("을" if final else "를")
    assert josa(word, "가") == word + ("이" if final else "가")
