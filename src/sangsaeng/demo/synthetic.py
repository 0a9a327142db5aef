"""Synthetic companies and supply chains, fast: for load tests, the benchmark and a full demo.

``generate_companies(n, seed=...)`` makes ``n`` realistic companies (Korean names, valid and
unique BRNs, every one of the 17 regions, plausible KSIC codes, sizes weighted toward SMEs and
micro businesses) and supply links that form tiered chains under a handful of anchor companies.

Speed over ceremony: rows are written with ``bulk_create`` in batches, not through
``partners.services``, so **no audit entries are written for synthetic data** and the per-row
validation of the services is replaced by construction (every generated value is valid by
design; the tests check it). 100,000 companies load in seconds on SQLite.

Determinism and idempotence: the same ``n`` and ``seed`` always describe the same companies.
Rows whose BRN is already registered are skipped, so running the generator twice with the same
arguments adds nothing the second time; a larger ``n`` adds the difference (with new links
among the new rows).

The supply graph is acyclic by construction: every company placed in a chain gets a depth
(anchor 0, tier 1, ..., tier 4) and a link always goes from a buyer at depth d to a supplier at
depth d + 1. A few suppliers also serve a second anchor's chain at the same depth, so the graph
is a DAG rather than a forest, as real supply networks are.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from tqdm import tqdm

from sangsaeng.demo import seeds
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import regions
from sangsaeng.lib.dates import today_kst
from sangsaeng.partners.models import Company, SupplyLink

DEFAULT_SEED = 20240613
BATCH_SIZE = 2_000
MAX_TIER = 4
# Share of an anchor's chain at tiers 1..4: few direct suppliers, many small ones further down.
TIER_SHARES = (0.12, 0.23, 0.30, 0.35)
# Which kinds fill each tier, in order of preference.
TIER_KINDS = {
    1: ("midsize", "sme", "micro"),
    2: ("sme", "midsize", "micro"),
    3: ("sme", "micro", "midsize"),
    4: ("micro", "sme", "midsize"),
}
CROSS_LINK_SHARE = 0.04
# Founding years run up to this one (fixed, so a seed always gives the same companies).
FOUNDED_UNTIL = 2025

KINDS: tuple[tuple[str, float], ...] = (
    ("sme", 0.50),
    ("micro", 0.40),
    ("midsize", 0.07),
    ("other", 0.012),
    ("public", 0.01),
    ("large", 0.005),
    ("university", 0.003),
)

# (slug, weight, tax-office codes, cities). Weights follow where Korean firms are.
REGIONS: tuple[tuple[str, float, tuple[int, ...], tuple[str, ...]], ...] = (
    ("seoul", 18, (101, 104, 105, 106, 107, 108, 110, 113, 114, 117, 119, 120, 201, 206, 211,
                   214, 215, 220), ("강남구", "금천구", "구로구", "성동구", "영등포구", "마포구",
                                    "송파구", "중구")),
    ("busan", 6, (602, 603, 605, 606, 607, 617, 621), ("강서구", "사상구", "사하구", "기장군",
                                                        "해운대구")),
    ("daegu", 5, (502, 503, 504, 514, 515), ("달서구", "북구", "달성군", "동구")),
    ("incheon", 6, (121, 122, 131, 137), ("남동구", "서구", "연수구", "부평구")),
    ("gwangju", 3, (408, 409, 410), ("광산구", "북구", "서구")),
    ("daejeon", 3, (305, 306, 314), ("유성구", "대덕구", "서구")),
    ("ulsan", 3, (610, 620), ("남구", "울주군", "북구", "동구")),
    ("sejong", 1, (320,), ("조치원읍", "연서면", "전의면")),
    ("gyeonggi", 26, (123, 124, 125, 126, 128, 129, 130, 132, 133, 134, 135, 138, 140, 141, 142,
                      143, 144), ("화성시", "안산시", "시흥시", "평택시", "수원시", "성남시",
                                  "용인시", "김포시", "파주시", "이천시")),
    ("gangwon", 2, (221, 222, 224, 226), ("원주시", "춘천시", "강릉시")),
    ("chungbuk", 4, (301, 302, 303, 317), ("청주시", "충주시", "음성군", "진천군")),
    ("chungnam", 5, (307, 308, 310, 311, 312, 316), ("천안시", "아산시", "당진시", "서산시")),
    ("jeonbuk", 3, (401, 402, 403, 404), ("전주시", "군산시", "익산시", "완주군")),
    ("jeonnam", 3, (411, 412, 415, 416, 417, 419), ("광양시", "여수시", "순천시", "목포시",
                                                     "영암군")),
    ("gyeongbuk", 6, (505, 506, 507, 508, 513), ("포항시", "구미시", "경산시", "경주시")),
    ("gyeongnam", 7, (608, 609, 612, 613, 615), ("창원시", "김해시", "양산시", "거제시",
                                                  "진주시")),
    ("jeju", 1, (616,), ("제주시", "서귀포시")),
)  # fmt: skip
ROADS = ("산업로", "공단로", "중앙로", "테크노로", "산단1로", "산단2로", "과학로", "대학로",
         "시청로", "역전로", "벤처로", "첨단로", "공단2로", "번영로")  # fmt: skip

# Plausible KSIC sub-classes (10th revision), weighted: a supplier registry is mostly
# manufacturing, with trade, construction, logistics and IT around it.
INDUSTRIES: tuple[tuple[str, float], ...] = (
    ("25924", 6), ("25929", 4), ("25921", 2), ("25922", 2), ("25923", 2), ("25913", 2),
    ("25914", 2), ("25112", 2), ("25941", 1), ("29199", 3), ("29294", 3), ("29223", 1),
    ("29133", 1), ("29141", 1), ("29142", 1), ("29163", 1), ("29171", 1), ("29120", 1),
    ("29271", 1), ("29280", 1), ("28123", 3), ("28121", 2), ("28122", 1), ("28111", 1),
    ("28112", 1), ("28202", 1), ("28302", 1), ("28909", 1), ("26299", 2), ("26222", 2),
    ("26291", 1), ("26112", 1), ("27216", 1), ("27212", 1), ("30310", 2), ("30320", 2),
    ("30332", 1), ("30392", 1), ("30399", 2), ("31114", 1), ("24122", 1), ("24221", 1),
    ("24312", 1), ("24321", 1), ("22249", 2), ("22241", 1), ("22291", 1), ("22191", 1),
    ("20499", 1), ("23999", 1), ("10712", 1), ("13", 1), ("34019", 2), ("34020", 1),
    ("41112", 1), ("42311", 2), ("42321", 1), ("46510", 2), ("4659", 2), ("46800", 1),
    ("49301", 2), ("5299", 1), ("58222", 1), ("62010", 2), ("62021", 1), ("62090", 1),
    ("63112", 1), ("71531", 1), ("72129", 1), ("74211", 1), ("38321", 1),
)  # fmt: skip
# Micro businesses are often shops and restaurants.
MICRO_TRADES: tuple[tuple[str, float], ...] = (
    ("47121", 2), ("47416", 2), ("47421", 1), ("47911", 2), ("56111", 3), ("56221", 2),
    ("95", 1), ("96", 1),
)  # fmt: skip
ANCHOR_INDUSTRIES = (
    ("30121", "자동차", "Motor"), ("31111", "중공업", "Heavy Industries"),
    ("24111", "제철", "Steel"), ("20", "케미칼", "Chemical"), ("26", "전자", "Electronics"),
    ("28", "일렉트릭", "Electric"), ("61", "텔레콤", "Telecom"), ("41", "건설", "E&C"),
    ("35", "에너지", "Energy"), ("29", "기계", "Machinery"),
)  # fmt: skip

# Syllables of company names, with their romanisation.
SYLLABLES = (
    ("대", "Dae"), ("한", "Han"), ("동", "Dong"), ("삼", "Sam"), ("세", "Se"), ("성", "Seong"),
    ("신", "Shin"), ("영", "Young"), ("우", "Woo"), ("유", "Yu"), ("일", "Il"), ("진", "Jin"),
    ("태", "Tae"), ("현", "Hyun"), ("화", "Hwa"), ("광", "Gwang"), ("금", "Geum"),
    ("경", "Gyeong"), ("국", "Guk"), ("남", "Nam"), ("덕", "Deok"), ("명", "Myeong"),
    ("미", "Mi"), ("백", "Baek"), ("보", "Bo"), ("상", "Sang"), ("서", "Seo"), ("선", "Seon"),
    ("수", "Su"), ("승", "Seung"), ("아", "A"), ("연", "Yeon"), ("오", "O"), ("용", "Yong"),
    ("원", "Won"), ("은", "Eun"), ("인", "In"), ("장", "Jang"), ("정", "Jeong"), ("제", "Je"),
    ("중", "Jung"), ("창", "Chang"), ("천", "Cheon"), ("청", "Cheong"), ("풍", "Pung"),
    ("하", "Ha"), ("해", "Hae"), ("효", "Hyo"), ("흥", "Heung"), ("호", "Ho"), ("안", "An"),
    ("강", "Gang"), ("건", "Geon"), ("도", "Do"), ("재", "Jae"), ("준", "Jun"), ("빛", "Bit"),
    ("솔", "Sol"), ("나", "Na"), ("라", "Ra"), ("새", "Sae"), ("온", "On"), ("율", "Yul"),
)  # fmt: skip
WORDS = (("누리", "Nuri"), ("한빛", "Hanbit"), ("으뜸", "Eutteum"), ("새한", "Saehan"),
         ("다온", "Daon"), ("미래", "Mirae"), ("한결", "Hangyeol"), ("푸른", "Pureun"))  # fmt: skip

# Name endings by KSIC division: (Korean, English).
SUFFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    "24": (("금속", "Metal"), ("철강", "Steel"), ("스틸", "Steel")),
    "25": (("정밀", "Precision"), ("금속", "Metal"), ("정공", "Precision"), ("산업", "Industrial"),
           ("공업", "Industry")),
    "26": (("전자", "Electronics"), ("테크", "Tech"), ("반도체", "Semiconductor")),
    "27": (("계측", "Instruments"), ("정밀", "Precision"), ("메디칼", "Medical")),
    "28": (("전기", "Electric"), ("테크", "Tech"), ("일렉트릭", "Electric"), ("전력", "Power")),
    "29": (("기계", "Machinery"), ("정밀", "Precision"), ("기공", "Engineering"),
           ("엔지니어링", "Engineering")),
    "30": (("오토", "Auto"), ("모터스", "Motors"), ("부품", "Parts"), ("산업", "Industrial")),
    "31": (("조선", "Shipbuilding"), ("해양", "Marine"), ("중공업", "Heavy Industries")),
    "22": (("화학", "Chemical"), ("산업", "Industrial"), ("폴리머", "Polymer")),
    "20": (("화학", "Chemical"), ("케미칼", "Chemical")),
    "23": (("세라믹", "Ceramics"), ("산업", "Industrial")),
    "10": (("식품", "Foods"), ("푸드", "Food")),
    "13": (("섬유", "Textile"), ("텍스타일", "Textile")),
    "34": (("산업", "Industrial"), ("기공", "Engineering"), ("정비", "Maintenance")),
    "38": (("환경", "Environment"), ("자원", "Resources")),
    "41": (("건설", "Construction"), ("종합건설", "Construction")),
    "42": (("전기", "Electric"), ("설비", "Facilities"), ("통신", "Communications")),
    "46": (("물산", "Trading"), ("상사", "Trading"), ("무역", "Trading"), ("유통", "Distribution")),
    "47": (("상회", "Store"), ("마트", "Mart"), ("상사", "Trading")),
    "49": (("물류", "Logistics"), ("운수", "Transport"), ("로지스", "Logis")),
    "52": (("물류", "Logistics"), ("로지스틱스", "Logistics")),
    "56": (("식당", "Restaurant"), ("가든", "Garden"), ("카페", "Cafe")),
    "58": (("소프트", "Soft"), ("랩", "Lab")),
    "62": (("시스템", "Systems"), ("정보통신", "ICT"), ("소프트", "Soft"), ("솔루션", "Solution"),
           ("테크", "Tech")),
    "63": (("데이터", "Data"), ("네트웍스", "Networks")),
    "71": (("컨설팅", "Consulting"),),
    "72": (("엔지니어링", "Engineering"), ("기술", "Technology")),
    "74": (("개발", "Services"), ("종합관리", "Facility Services")),
    "95": (("수리", "Repair"),),
    "96": (("세탁", "Laundry"), ("미용실", "Hair Salon")),
}  # fmt: skip
GENERIC_SUFFIXES = (("산업", "Industrial"), ("테크", "Tech"), ("물산", "Trading"))
# The middle two digits of a corporation's BRN (81: head office of a for-profit company...).
CORP_TYPES = (81, 86, 87, 88)
CORP_TYPE_WEIGHTS = (70, 15, 10, 5)


@dataclass
class SyntheticResult:
    """What one run of the generator did."""

    requested: int = 0
    created: int = 0
    skipped: int = 0
    links: int = 0
    anchor_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _Row:
    company: Company
    is_anchor: bool = False


def _weighted(rng: random.Random, items: Sequence[tuple[str, float]]) -> Callable[[], str]:
    """A fast chooser for a weighted list (``random.choices`` with precomputed cum. weights)."""
    values = [v for v, _ in items]
    cum: list[float] = []
    total = 0.0
    for _, w in items:
        total += w
        cum.append(total)

    def choose() -> str:
        return rng.choices(values, cum_weights=cum, k=1)[0]

    return choose


class _Maker:
    """Makes one company's field values after another from a seeded random stream."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.kind = _weighted(self.rng, KINDS)
        self.region = _weighted(self.rng, [(r[0], r[1]) for r in REGIONS])
        self.industry = _weighted(self.rng, INDUSTRIES)
        self.micro_trade = _weighted(self.rng, MICRO_TRADES)
        self.region_info = {r[0]: r for r in REGIONS}
        self.used_brns: set[str] = {org.brn for org in seeds.ORGS}

    def brn(self, region: str, kind: str, corporate: bool) -> str:
        rng = self.rng
        offices = self.region_info[region][2]
        while True:
            office = rng.choice(offices)
            if kind == "public":
                type_code = 83
            elif kind in {"university", "other"}:
                type_code = 82
            elif corporate:
                type_code = rng.choices(CORP_TYPES, weights=CORP_TYPE_WEIGHTS, k=1)[0]
            else:
                type_code = rng.randint(1, 79)
            number = brn_lib.complete(f"{office:03d}{type_code:02d}{rng.randint(0, 9999):04d}")
            if number not in self.used_brns:
                self.used_brns.add(number)
                return number

    def base_name(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.12:
            return rng.choice(WORDS)
        first, second = rng.choice(SYLLABLES), rng.choice(SYLLABLES)
        if second[0] == first[0]:
            second = SYLLABLES[(SYLLABLES.index(second) + 7) % len(SYLLABLES)]
        return first[0] + second[0], first[1] + second[1].lower()

    def name(
        self, ksic: str, corporate: bool, suffix: tuple[str, str] | None = None
    ) -> tuple[str, str]:
        rng = self.rng
        ko, en = self.base_name()
        s_ko, s_en = suffix or rng.choice(SUFFIXES.get(ksic[:2], GENERIC_SUFFIXES))
        name = ko + s_ko
        name_en = f"{en} {s_en}"
        if corporate:
            name = f"(주){name}" if rng.random() < 0.5 else f"{name}(주)"
            name_en += " Co., Ltd."
        return name, (name_en if rng.random() < 0.6 else "")

    def founded(self) -> dt.date:
        rng = self.rng
        year = max(1955, FOUNDED_UNTIL - int(rng.expovariate(1 / 16)))
        return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))

    def employees(self, kind: str) -> int:
        rng = self.rng
        if kind == "micro":
            return rng.randint(1, 9)
        if kind == "sme":
            return min(299, max(10, int(rng.lognormvariate(math.log(40), 0.8))))
        if kind == "midsize":
            return rng.randint(300, 999)
        if kind == "large":
            return min(60_000, max(1_000, int(rng.lognormvariate(math.log(4_000), 0.9))))
        if kind == "public":
            return rng.randint(100, 5_000)
        if kind == "university":
            return rng.randint(500, 3_500)
        return rng.randint(3, 200)

    def revenue(self, kind: str, employees: int) -> int | None:
        rng = self.rng
        if kind in {"public", "university", "other"} or rng.random() < 0.05:
            return None
        per_head = 1.0e8 if kind == "micro" else 2.5e8
        value = employees * per_head * rng.lognormvariate(0, 0.5)
        return int(round(value, -6))

    def address(self, region: str) -> str:
        rng = self.rng
        if rng.random() < 0.05:
            return ""
        city = rng.choice(self.region_info[region][3])
        return f"{regions.LABELS[region]} {city} {rng.choice(ROADS)} {rng.randint(1, 1_200)}"

    def company(self, *, anchor: int | None = None) -> Company:
        rng = self.rng
        suffix = None
        if anchor is not None:
            kind = "large"
            ksic, s_ko, s_en = ANCHOR_INDUSTRIES[anchor % len(ANCHOR_INDUSTRIES)]
            suffix = (s_ko, s_en)
        else:
            kind = self.kind()
            shop = kind == "micro" and rng.random() < 0.35
            ksic = self.micro_trade() if shop else self.industry()
        corporate = kind in {"large", "midsize"} or (kind == "sme" and rng.random() < 0.75)
        region = self.region()
        name, name_en = self.name(ksic, corporate, suffix)
        employees = self.employees(kind)
        return Company(
            name=name,
            name_en=name_en,
            brn=self.brn(region, kind, corporate),
            kind=kind,
            ksic_code=ksic,
            region=region,
            address=self.address(region),
            founded_on=self.founded(),
            employees=employees,
            annual_revenue=self.revenue(kind, employees),
            is_active=rng.random() > 0.02,
        )


def default_anchor_count(n: int) -> int:
    return max(2, min(8, n // 12_500))


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def generate_companies(
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    anchors: int | None = None,
    extra_anchors: Sequence[Company] = (),
    batch_size: int = BATCH_SIZE,
    progress: bool = False,
) -> SyntheticResult:
    """Register ``n`` synthetic companies and their supply chains; see the module docstring.

    ``anchors`` synthetic large companies (default: 2 to 8 by ``n``) head the chains;
    ``extra_anchors`` (e.g. the seed data's LS ELECTRIC) get chains of their own too. Each
    anchor reaches 1–3% of the new companies, at tiers 1 to 4. No audit entries are written.
    """
    started = time.perf_counter()
    result = SyntheticResult(requested=n)
    rng, rows = plan_rows(n, seed=seed, anchors=anchors)
    registered = set(Company.objects.values_list("brn", flat=True))
    new_rows = [row for row in rows if row.company.brn not in registered]
    result.skipped = len(rows) - len(new_rows)

    with transaction.atomic():
        bar = tqdm(
            total=len(new_rows), desc="기업 companies", unit="", disable=not progress, leave=True
        )
        for batch in _batches(new_rows, batch_size):
            Company.objects.bulk_create([row.company for row in batch], batch_size=batch_size)
            bar.update(len(batch))
        bar.close()
        _fill_missing_pks([row.company for row in new_rows])
        result.created = len(new_rows)

        links = _plan_links(rng, new_rows, extra_anchors)
        bar = tqdm(
            total=len(links), desc="공급망 supply links", unit="", disable=not progress, leave=True
        )
        for batch in _batches(links, batch_size):
            SupplyLink.objects.bulk_create(batch, batch_size=batch_size)
            bar.update(len(batch))
        bar.close()
        result.links = len(links)
    result.anchor_ids = [row.company.pk for row in new_rows if row.is_anchor]
    result.anchor_ids += [c.pk for c in extra_anchors]
    result.seconds = time.perf_counter() - started
    return result


def plan_rows(
    n: int, *, seed: int = DEFAULT_SEED, anchors: int | None = None
) -> tuple[random.Random, list[_Row]]:
    """The ``n`` companies (unsaved) the seed describes, anchors first, and the random stream
    positioned after them (the links are drawn from it)."""
    anchors = min(default_anchor_count(n) if anchors is None else anchors, n)
    maker = _Maker(seed)
    rows = [_Row(maker.company(anchor=i), is_anchor=True) for i in range(anchors)]
    rows += [_Row(maker.company()) for _ in range(n - anchors)]
    return maker.rng, rows


def _fill_missing_pks(companies: list[Company]) -> None:
    """Databases that cannot return ids from a bulk insert: look the ids up by BRN."""
    missing = [c for c in companies if c.pk is None]
    for batch in _batches(missing, 900):
        ids = dict(Company.objects.filter(brn__in=[c.brn for c in batch]).values_list("brn", "id"))
        for company in batch:
            company.pk = ids[company.brn]


def _plan_links(
    rng: random.Random, rows: list[_Row], extra_anchors: Sequence[Company]
) -> list[SupplyLink]:
    """Tiered chains under each anchor, then a few cross links; see the module docstring."""
    heads = [row.company for row in rows if row.is_anchor] + list(extra_anchors)
    members = [row.company for row in rows if not row.is_anchor]
    pools: dict[str, list[Company]] = {"midsize": [], "sme": [], "micro": []}
    for company in members:
        if company.kind in pools and company.is_active:
            pools[company.kind].append(company)
    for pool in pools.values():
        rng.shuffle(pool)

    def take(tier: int) -> Company | None:
        for kind in TIER_KINDS[tier]:
            if pools[kind]:
                return pools[kind].pop()
        return None

    latest = today_kst() - dt.timedelta(days=90)
    links: list[SupplyLink] = []
    pairs: set[tuple[int, int]] = set()
    # levels_by_anchor[a][d] = the companies at depth d of anchor a's chain.
    levels_by_anchor: list[list[list[Company]]] = []

    def link(buyer: Company, supplier: Company, tier: int) -> None:
        pairs.add((buyer.pk, supplier.pk))
        fallback = dt.date(1990, 1, 1)
        founded = max(buyer.founded_on or fallback, supplier.founded_on or fallback)
        first = max(founded.year + 1, 2000)
        start = min(dt.date(first + rng.randint(0, 12), rng.randint(1, 12), 1), latest)
        volume = int(rng.lognormvariate(math.log(20e8 / 3**tier), 0.9))
        links.append(
            SupplyLink(
                buyer_id=buyer.pk,
                supplier_id=supplier.pk,
                start_date=start,
                annual_volume=round(volume, -4),
            )
        )

    for anchor in heads:
        size = max(MAX_TIER, round(len(members) * rng.uniform(0.01, 0.03)))
        levels: list[list[Company]] = [[anchor]]
        for tier in range(1, MAX_TIER + 1):
            count = max(1, round(size * TIER_SHARES[tier - 1]))
            placed: list[Company] = []
            for _ in range(count):
                supplier = take(tier)
                if supplier is None:
                    break
                link(rng.choice(levels[tier - 1]), supplier, tier)
                placed.append(supplier)
            if not placed:
                break
            levels.append(placed)
        levels_by_anchor.append(levels)

    # Cross links: a supplier at depth d in one chain also serves a buyer at depth d - 1 in
    # another. Depth still strictly increases along every link, so no cycle can form.
    if len(levels_by_anchor) > 1:
        for a, levels in enumerate(levels_by_anchor):
            for depth in range(2, len(levels)):
                for supplier in levels[depth]:
                    if rng.random() >= CROSS_LINK_SHARE:
                        continue
                    other = levels_by_anchor[(a + rng.randint(1, len(heads) - 1)) % len(heads)]
                    if len(other) <= depth - 1:
                        continue
                    buyer = rng.choice(other[depth - 1])
                    if (buyer.pk, supplier.pk) not in pairs:
                        link(buyer, supplier, depth)
    return links
