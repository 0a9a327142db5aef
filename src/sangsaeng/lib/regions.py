"""The 17 first-level administrative divisions (시·도) of Korea.

Codes are short English slugs (stable in the API and files); labels are the official Korean
names. ``lookup`` also accepts the Korean name, its common short form and the two-digit
administrative code, so that spreadsheets written by people import as they are.
"""

from __future__ import annotations

# (slug, official Korean name, short Korean name, English name, administrative code)
REGIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("seoul", "서울특별시", "서울", "Seoul", "11"),
    ("busan", "부산광역시", "부산", "Busan", "26"),
    ("daegu", "대구광역시", "대구", "Daegu", "27"),
    ("incheon", "인천광역시", "인천", "Incheon", "28"),
    ("gwangju", "광주광역시", "광주", "Gwangju", "29"),
    ("daejeon", "대전광역시", "대전", "Daejeon", "30"),
    ("ulsan", "울산광역시", "울산", "Ulsan", "31"),
    ("sejong", "세종특별자치시", "세종", "Sejong", "36"),
    ("gyeonggi", "경기도", "경기", "Gyeonggi", "41"),
    ("gangwon", "강원특별자치도", "강원", "Gangwon", "51"),
    ("chungbuk", "충청북도", "충북", "North Chungcheong", "43"),
    ("chungnam", "충청남도", "충남", "South Chungcheong", "44"),
    ("jeonbuk", "전북특별자치도", "전북", "Jeonbuk", "52"),
    ("jeonnam", "전라남도", "전남", "South Jeolla", "46"),
    ("gyeongbuk", "경상북도", "경북", "North Gyeongsang", "47"),
    ("gyeongnam", "경상남도", "경남", "South Gyeongsang", "48"),
    ("jeju", "제주특별자치도", "제주", "Jeju", "50"),
)

CHOICES: list[tuple[str, str]] = [(slug, name) for slug, name, *_ in REGIONS]
LABELS: dict[str, str] = dict(CHOICES)

_LOOKUP: dict[str, str] = {}
for _slug, _name, _short, _en, _code in REGIONS:
    for _key in (_slug, _name, _short, _en.lower(), _code):
        _LOOKUP[_key] = _slug
# Names before the 2023-2024 renamings still appear in older files.
_LOOKUP["강원도"] = "gangwon"
_LOOKUP["전라북도"] = "jeonbuk"
_LOOKUP["42"] = "gangwon"
_LOOKUP["45"] = "jeonbuk"


def lookup(value: str) -> str | None:
    """The region slug for a slug, Korean name, short name, English name or code, else None."""
    return _LOOKUP.get(str(value).strip().lower()) or _LOOKUP.get(str(value).strip())
