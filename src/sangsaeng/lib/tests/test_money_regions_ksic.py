import pytest

from sangsaeng.lib import ksic, regions
from sangsaeng.lib.money import format_krw, format_krw_units, format_krw_units_en


def test_format_krw():
    assert format_krw(9_300_000) == "9,300,000원"
    assert format_krw(0) == "0원"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (9_300, "9,300원"),
        (9_300_000, "930만원"),
        (2_800_000_000, "28억원"),
        (123_456_789, "1억 2,345만원"),
        (12_345, "1만 2,345원"),
        (1_156_000_000_000_000, "1,156조원"),
        (-2_500_000, "-250만원"),
    ],
)
def test_format_krw_units(amount, text):
    assert format_krw_units(amount) == text


def test_seventeen_regions_and_lookups():
    assert len(regions.REGIONS) == 17
    assert regions.lookup("서울특별시") == "seoul"
    assert regions.lookup("전남") == "jeonnam"
    assert regions.lookup("강원도") == "gangwon"
    assert regions.lookup("Jeju") == "jeju"
    assert regions.lookup("화성") is None


def test_ksic():
    assert ksic.normalize("C29171") == "29171"
    assert ksic.normalize("28") == "28"
    with pytest.raises(ksic.KSICError) as err:
        ksic.normalize("04123")
    assert err.value.code == "ksic_unknown"
    with pytest.raises(ksic.KSICError):
        ksic.normalize("2917100")
    assert ksic.describe("28111").startswith("28111 전기장비")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (None, "—"),
        (0, "0 won"),
        (12_345, "12,345 won"),
        (999_999, "999,999 won"),
        (1_000_000, "1 million won"),
        (9_300_000, "9.3 million won"),
        (2_500_000_000, "2.5 billion won"),
        (1_210_000_000, "1.21 billion won"),
        (1_234_567_890, "1.234 billion won"),
        (-7_000_000, "-7 million won"),
        (3 * 10**15, "3,000 trillion won"),
    ],
)
def test_format_krw_units_en(amount, text):
    assert format_krw_units_en(amount) == text
