"""The organisations, supply links, contacts and logins of the demo, taken from the seed articles.

The large companies, public bodies, banks and the two firms the articles name (한길이에스티 of
LS ELECTRIC's ACE CLUB; 경민테크 of KOWEPO's industrial innovation programme) are real; every
other SME and merchant here is made up. Every business registration number is fictional but
valid (its check digit is computed with ``lib.brn.complete``); addresses of the real bodies are
their public head-office addresses, all other figures are plausible inventions.

Loading goes through ``partners.services`` as the demo operator, so every company and link has
its audit entry, and is idempotent: a company whose BRN is already registered is left as it is,
a link that exists is not made again.

The supply graph (tier = shortest chain of links from the anchor, tier 1 = direct supplier)::

    LS ELECTRIC ── 20 ACE CLUB members (tier 1) ── 8 suppliers (tier 2) ── 3 (tier 3)
                └─ 구일전기 (link ended 2019: no tier today)
    POSCO 광양제철소 ── 12 혁신허브 SMEs (tier 1) ── 8 혁신허브 SMEs (tier 2)
                    └─ (one of them) ── 광양볼트상사 (tier 3)
    한국서부발전 ── 4 maintenance/equipment firms (tier 1) ── 12 산업혁신운동 micro firms incl.
                   경민테크 (tier 2) ── 8 산업혁신운동 micro firms (tier 3)
    현대오토에버 ── 8 IT partners (tier 1) ── 2 (tier 2), all tagged "ESG 지원"
    한국고용정보원 ── 3 partners (tier 1)
    카카오, 칠성로상점가 merchants ("단골거리"), banks, 동반성장위원회 etc.: no supply links.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from sangsaeng.accounts.audit import audit_record, diff, snapshot
from sangsaeng.accounts.models import AuditAction, Role, User
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.money import EOK, MAN
from sangsaeng.partners import services
from sangsaeng.partners.models import Company, Contact, SupplyLink

SOURCE = "demo"
ACE_CLUB = "ACE CLUB"
HUB = "혁신허브"
INNOVATION = "산업혁신운동"
ESG = "ESG 지원"
DANGOL = "단골거리"
ESCROW = "기술임치"
WINWIN_PAY = "상생결제"


@dataclass(frozen=True)
class Org:
    """One seed organisation. ``brn9`` is the first nine digits; the check digit is added."""

    key: str
    name: str
    name_en: str
    brn9: str
    kind: str
    ksic: str
    region: str
    address: str = ""
    founded: str | None = None
    employees: int | None = None
    revenue: int | None = None
    tags: tuple[str, ...] = ()

    @property
    def brn(self) -> str:
        return brn_lib.complete(self.brn9.replace("-", ""))

    def data(self) -> dict:
        return {
            "name": self.name,
            "name_en": self.name_en,
            "brn": self.brn,
            "kind": self.kind,
            "ksic_code": self.ksic,
            "region": self.region,
            "address": self.address,
            "founded_on": self.founded,
            "employees": self.employees,
            "annual_revenue": self.revenue,
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class Link:
    """``supplier`` supplies ``buyer`` (both org keys) since ``start``."""

    buyer: str
    supplier: str
    start: str
    volume: int
    end: str | None = None


@dataclass(frozen=True)
class ContactSeed:
    org: str
    name: str
    title: str
    email: str
    phone: str
    primary: bool = False


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    label: str
    org: str | None = None
    first_name: str = ""
    last_name: str = ""


# fmt: off
def _ace(key: str, name: str, en: str, brn9: str, ksic: str, region: str, address: str,
         founded: str, employees: int, revenue_eok: int, kind: str = "sme") -> Org:
    return Org(key, name, en, brn9, kind, ksic, region, address, founded, employees,
               revenue_eok * EOK, (ACE_CLUB, WINWIN_PAY))


def _sme(key: str, name: str, en: str, brn9: str, ksic: str, region: str, address: str,
         founded: str, employees: int, revenue_eok: int, tags: tuple[str, ...] = (),
         kind: str = "sme") -> Org:
    return Org(key, name, en, brn9, kind, ksic, region, address, founded, employees,
               revenue_eok * EOK, tags)


def _micro(key: str, name: str, en: str, brn9: str, ksic: str, region: str, address: str,
           founded: str, employees: int, revenue_man: int, tags: tuple[str, ...] = ()) -> Org:
    return Org(key, name, en, brn9, "micro", ksic, region, address, founded, employees,
               revenue_man * MAN, tags)


# --- 000: LS ELECTRIC, its ACE CLUB council and the win-win payment banks -------------------
LS = [
    Org("ls-electric", "LS일렉트릭(주)", "LS ELECTRIC Co., Ltd.", "138-81-0527", "large", "28123",
        "gyeonggi", "경기도 안양시 동안구 엘에스로 127", "1974-07-02", 3_600, 33_780 * EOK),
    _ace("hangil-est", "한길이에스티(주)", "Hangil EST Co., Ltd.", "301-81-2093", "28123",
         "chungbuk", "충청북도 청주시 흥덕구 옥산면 과학산업2로 35", "1993-03-15", 142, 486),
    _ace("sejin-electric", "세진전기(주)", "Sejin Electric Co., Ltd.", "301-81-3317", "28121",
         "chungbuk", "충청북도 청주시 흥덕구 직지대로 410", "1989-05-20", 95, 312),
    _ace("daewon-precision", "대원정밀(주)", "Daewon Precision Co., Ltd.", "317-81-1186", "25924",
         "chungbuk", "충청북도 청주시 청원구 오창읍 과학산업1로 88", "1997-10-01", 64, 158),
    _ace("woosung-metal", "우성금속(주)", "Woosung Metal Co., Ltd.", "303-81-4452", "24221",
         "chungbuk", "충청북도 음성군 대소면 대금로 512", "1991-02-11", 118, 655),
    _ace("samhwa-insulation", "삼화절연(주)", "Samhwa Insulation Co., Ltd.", "312-81-2278",
         "22249", "chungnam", "충청남도 천안시 서북구 직산읍 4산단6로 21", "2001-06-04", 57,
         121),
    _ace("cheongun-electronics", "청운전자(주)", "Cheongun Electronics Co., Ltd.", "317-81-3095",
         "26222", "chungbuk", "충청북도 청주시 흥덕구 송정로 17", "1995-08-23", 173, 540),
    _ace("dongil-tech", "동일테크(주)", "Dongil Tech Co., Ltd.", "134-81-5561", "28122",
         "gyeonggi", "경기도 안산시 단원구 별망로 233", "1988-04-12", 81, 207),
    _ace("shinyoung-mecha", "신영메카트로닉스(주)", "Shinyoung Mechatronics Co., Ltd.",
         "143-81-2706", "29199", "gyeonggi", "경기도 화성시 향남읍 제약공단2길 40",
         "1999-11-30", 310, 1_420, kind="midsize"),
    _ace("taerim-cable", "태림케이블(주)", "Taerim Cable Co., Ltd.", "312-81-6620", "28302",
         "chungnam", "충청남도 아산시 둔포면 아산밸리로 118", "1986-09-09", 133, 890),
    _ace("mirae-power", "미래전력기술(주)", "Mirae Power Technology Co., Ltd.", "301-81-7714",
         "28119", "chungbuk", "충청북도 청주시 서원구 남이면 2순환로 91", "2004-01-19", 48,
         96),
    _ace("gyeongin-injection", "경인사출(주)", "Gyeongin Injection Co., Ltd.", "133-81-3349",
         "22249", "gyeonggi", "경기도 시흥시 공단1대로 259", "1992-07-07", 72, 143),
    _ace("bukyung-precision", "부경정공(주)", "Bukyung Precision Co., Ltd.", "621-81-2517",
         "25924", "busan", "부산광역시 강서구 녹산산단321로 24", "1996-03-28", 59, 118),
    _ace("ohsung-plating", "오성도금(주)", "Ohsung Plating Co., Ltd.", "134-81-7248", "25922",
         "gyeonggi", "경기도 안산시 단원구 해봉로 137", "1990-12-03", 38, 64),
    _ace("jeil-controls", "제일컨트롤스(주)", "Jeil Controls Co., Ltd.", "138-81-6132", "28123",
         "gyeonggi", "경기도 안양시 동안구 시민대로 401", "1998-05-15", 66, 175),
    _ace("cheongju-mold", "청주금형(주)", "Cheongju Mold Co., Ltd.", "301-81-5806", "29294",
         "chungbuk", "충청북도 청주시 흥덕구 공단로 134", "1994-06-17", 44, 83),
    _ace("geumgang-switch", "금강스위치(주)", "Geumgang Switch Co., Ltd.", "312-81-4093",
         "28121", "chungnam", "충청남도 천안시 동남구 풍세면 풍세산단로 70", "2002-02-25", 88,
         236),
    _ace("lk-solution", "엘케이솔루션(주)", "LK Solution Co., Ltd.", "138-81-8845", "62010",
         "gyeonggi", "경기도 안양시 동안구 벌말로 66", "2008-09-01", 52, 71),
    _ace("korea-sensortech", "한국센서텍(주)", "Korea Sensortech Co., Ltd.", "317-81-5520",
         "26291", "chungbuk", "충청북도 청주시 청원구 오창읍 양청4길 45", "2006-04-10", 61,
         132),
    _ace("daejin-foundry", "대진주물(주)", "Daejin Foundry Co., Ltd.", "312-81-7361", "24312",
         "chungnam", "충청남도 천안시 서북구 성거읍 천흥8길 22", "1979-10-26", 97, 268),
    _ace("union-coil", "유니온코일(주)", "Union Coil Co., Ltd.", "125-81-3907", "28112",
         "gyeonggi", "경기도 평택시 포승읍 평택항로 156", "1985-08-14", 405, 2_150,
         kind="midsize"),
    # Tier 2 and 3 below the council members.
    _sme("silla-parts", "신라전자부품(주)", "Silla Electronic Parts Co., Ltd.", "317-81-6684",
         "26299", "chungbuk", "충청북도 청주시 청원구 오창읍 각리1길 12", "2003-03-03", 27, 41,
         (WINWIN_PAY,)),
    _sme("ochang-pcb", "오창기판(주)", "Ochang PCB Co., Ltd.", "317-81-7032", "26222", "chungbuk",
         "충청북도 청주시 청원구 오창읍 중심상업2로 30", "2000-07-21", 33, 58, (WINWIN_PAY,)),
    _micro("boeun-metal", "보은금속", "Boeun Metal", "303-12-4518", "25929", "chungbuk",
           "충청북도 보은군 보은읍 보은산단길 18", "2010-05-02", 8, 92_000),
    _micro("seowon-heat", "서원열처리", "Seowon Heat Treatment", "301-23-6604", "25921",
           "chungbuk", "충청북도 청주시 서원구 현도면 청남로 1544", "2007-11-15", 9, 118_000),
    _sme("asan-copper", "아산동선(주)", "Asan Copper Wire Co., Ltd.", "312-81-8129", "24221",
         "chungnam", "충청남도 아산시 인주면 인주산단로 41", "1998-01-06", 41, 177),
    _micro("sihwa-mold", "시화금형", "Sihwa Mold", "133-25-7310", "29294", "gyeonggi",
           "경기도 시흥시 정왕동 1280-4", "2012-04-23", 7, 64_000),
    _micro("banwol-press", "반월프레스", "Banwol Press", "134-18-2295", "25914", "gyeonggi",
           "경기도 안산시 단원구 신원로 88", "2005-08-30", 9, 87_000),
    _sme("pyeongtaek-core", "평택철심(주)", "Pyeongtaek Core Co., Ltd.", "125-81-6652", "24122",
         "gyeonggi", "경기도 평택시 청북읍 청북산단로 29", "2001-12-12", 36, 122),
    _micro("cheongwon-chem", "청원화학", "Cheongwon Chemical", "317-20-3318", "20499",
           "chungbuk", "충청북도 청주시 청원구 내수읍 내수로 660", "2011-02-14", 5, 38_000),
    _micro("miho-gas", "미호산업가스", "Miho Industrial Gas", "301-14-8826", "20111", "chungbuk",
           "충청북도 청주시 흥덕구 오송읍 미호로 27", "2009-06-01", 6, 51_000),
    _micro("dunpo-recycling", "둔포자원", "Dunpo Metal Recycling", "312-27-5041", "38321",
           "chungnam", "충청남도 아산시 둔포면 둔포로 310", "2014-09-17", 4, 29_000),
    _sme("guil-electric", "구일전기(주)", "Guil Electric Co., Ltd.", "138-81-9413", "28121",
         "gyeonggi", "경기도 군포시 공단로 140", "1983-03-31", 22, 30),
]
BANKS = [
    Org("woori-bank", "우리은행", "Woori Bank", "104-81-5336", "bank", "64121", "seoul",
        "서울특별시 중구 소공로 51", "1899-01-30", 14_000, None, (WINWIN_PAY,)),
    Org("shinhan-bank", "신한은행", "Shinhan Bank", "202-81-7428", "bank", "64121", "seoul",
        "서울특별시 중구 세종대로9길 20", "1897-02-19", 13_500, None, (WINWIN_PAY,)),
    Org("hana-bank", "하나은행", "Hana Bank", "202-81-3115", "bank", "64121", "seoul",
        "서울특별시 중구 을지로 66", "1971-06-25", 11_500, None, (WINWIN_PAY,)),
    Org("nh-bank", "농협은행", "NH NongHyup Bank", "104-81-9902", "bank", "64121", "seoul",
        "서울특별시 중구 통일로 120", "2012-03-02", 16_000, None, (WINWIN_PAY,)),
    Org("kccp", "동반성장위원회", "Korea Commission for Corporate Partnership", "113-82-1347",
        "other", "94990", "seoul", "서울특별시 구로구 디지털로", "2010-12-13", 90),
    Org("kiat", "한국산업기술진흥원", "Korea Institute for Advancement of Technology (KIAT)",
        "220-82-4409", "public", "84", "seoul", "서울특별시 강남구 테헤란로", "2009-05-04", 290),
]

# --- 001: the Gwangyang shared-growth innovation hub ----------------------------------------
_JN = "jeonnam"
GWANGYANG = [
    Org("posco-gwangyang", "포스코 광양제철소", "POSCO Gwangyang Works", "417-85-0011", "large",
        "24111", _JN, "전라남도 광양시 폭포사랑길 20-26", "1987-05-07", 6_300,
        125_000 * EOK),
    Org("gwangyang-city", "광양시", "Gwangyang City", "417-83-0002", "public", "8411", _JN,
        "전라남도 광양시 시청로 33", None, 1_300),
    Org("gwangyang-cci", "광양상공회의소", "Gwangyang Chamber of Commerce and Industry",
        "417-82-0137", "other", "94110", _JN, "전라남도 광양시 중마동", "1990-03-01", 12),
    _sme("gy-precision", "광양정공(주)", "Gwangyang Precision Co., Ltd.", "417-81-2201", "25924",
         _JN, "전라남도 광양시 광양읍 인덕로 1100", "1992-06-11", 46, 88, (HUB,)),
    _sme("jungma-machinery", "중마기계(주)", "Jungma Machinery Co., Ltd.", "417-81-2388",
         "29199", _JN, "전라남도 광양시 중마동 1320", "1995-03-02", 39, 71, (HUB,)),
    _sme("taein-industrial", "태인산업(주)", "Taein Industrial Co., Ltd.", "417-81-2473", "34019",
         _JN, "전라남도 광양시 태인동 1748", "1988-09-19", 112, 205, (HUB,)),
    _sme("seomjin-tech", "섬진강테크(주)", "Seomjingang Tech Co., Ltd.", "417-81-2519", "28123",
         _JN, "전라남도 광양시 진월면 섬진강매화로 45", "2003-04-28", 31, 52, (HUB,)),
    _sme("baegun-metal", "백운금속(주)", "Baegun Metal Co., Ltd.", "417-81-2650", "25112", _JN,
         "전라남도 광양시 광양읍 백운로 612", "1997-12-01", 55, 97, (HUB,)),
    _sme("dgy-engineering", "동광양엔지니어링(주)", "Dong-Gwangyang Engineering Co., Ltd.",
         "417-81-2794", "72129", _JN, "전라남도 광양시 중동 1660", "2005-07-15", 28, 36,
         (HUB,)),
    _sme("geumho-roll", "금호롤(주)", "Geumho Roll Co., Ltd.", "417-81-2836", "29230", _JN,
         "전라남도 광양시 금호동 700", "1991-10-05", 74, 163, (HUB,)),
    _sme("gy-refractory", "광양내화(주)", "Gwangyang Refractory Co., Ltd.", "417-81-2917",
         "23221", _JN, "전라남도 광양시 태인동 1650", "1989-01-23", 83, 188, (HUB,)),
    _sme("okgok-industrial", "옥곡산업(주)", "Okgok Industrial Co., Ltd.", "417-81-3046", "25929",
         _JN, "전라남도 광양시 옥곡면 옥곡로 233", "2000-05-30", 24, 33, (HUB,)),
    _sme("jinwol-steel", "진월철강(주)", "Jinwol Steel Co., Ltd.", "417-81-3182", "24122", _JN,
         "전라남도 광양시 진월면 오사길 20", "1994-08-08", 67, 240, (HUB,)),
    _sme("chonam-industry", "초남공업(주)", "Chonam Industry Co., Ltd.", "417-81-3215", "25913",
         _JN, "전라남도 광양시 광양읍 초남공단로 77", "1999-02-16", 42, 69, (HUB,)),
    _sme("sepung-machinery", "세풍기계(주)", "Sepung Machinery Co., Ltd.", "417-81-3341",
         "29163", _JN, "전라남도 광양시 광양읍 세풍로 180", "2002-11-11", 36, 58, (HUB,)),
    _sme("gy-electric", "광양전기(주)", "Gwangyang Electric Co., Ltd.", "417-81-3467", "42311",
         _JN, "전라남도 광양시 중마동 1455", "1993-04-04", 29, 44, (HUB,)),
    _sme("myeongdang-precision", "명당정밀(주)", "Myeongdang Precision Co., Ltd.", "417-81-3598",
         "25924", _JN, "전라남도 광양시 광양읍 명당3로 16", "2007-09-12", 18, 21, (HUB,)),
    _sme("yulchon-tech", "율촌테크(주)", "Yulchon Tech Co., Ltd.", "416-81-3620", "29120", _JN,
         "전라남도 순천시 해룡면 율촌산단4로 30", "2006-03-20", 33, 49, (HUB,)),
    _sme("yeosu-plant", "여수플랜트(주)", "Yeosu Plant Co., Ltd.", "419-81-3751", "34019", _JN,
         "전라남도 여수시 산단로 1218", "1996-06-06", 58, 92, (HUB,)),
    _sme("suncheon-coating", "순천도장(주)", "Suncheon Coating Co., Ltd.", "416-81-3879",
         "25923", _JN, "전라남도 순천시 서면 산단길 51", "2001-10-10", 21, 26, (HUB,)),
    _sme("gwangyeong-crane", "광영크레인(주)", "Gwangyeong Crane Co., Ltd.", "417-81-3904",
         "29169", _JN, "전라남도 광양시 광영동 620", "1998-07-27", 26, 38, (HUB,)),
    _sme("madong-env", "마동환경(주)", "Madong Environment Co., Ltd.", "417-81-4033", "38220",
         _JN, "전라남도 광양시 광양읍 마동 340", "2004-12-01", 19, 24, (HUB,)),
    _sme("goryak-maintenance", "골약정비(주)", "Goryak Maintenance Co., Ltd.", "417-81-4166",
         "34020", _JN, "전라남도 광양시 골약동 250", "2009-01-05", 23, 27, (HUB,)),
    _micro("gy-bolt", "광양볼트상사", "Gwangyang Bolt Trading", "417-05-4290", "46", _JN,
           "전라남도 광양시 광양읍 매일시장길 9", "2013-05-13", 3, 41_000),
]

# --- 002: KOWEPO's industrial innovation programme ------------------------------------------
_CN = "chungnam"
KOWEPO = [
    Org("kowepo", "한국서부발전(주)", "Korea Western Power Co., Ltd. (KOWEPO)", "316-81-0704",
        "public", "35113", _CN, "충청남도 태안군 태안읍 중앙로 285", "2001-04-02", 2_700,
        61_000 * EOK),
    Org("ksa", "한국표준협회", "Korean Standards Association", "119-82-0519", "other", "94110",
        "seoul", "서울특별시 금천구 가산디지털1로", "1962-03-16", 400),
    _sme("seohae-maintenance", "서해발전정비(주)", "Seohae Power Maintenance Co., Ltd.",
         "316-81-4418", "34019", _CN, "충청남도 태안군 원북면 발전로 400", "1999-04-01", 520,
         980, kind="midsize"),
    _sme("taean-plant", "태안플랜트(주)", "Taean Plant Co., Ltd.", "316-81-4561", "25130", _CN,
         "충청남도 태안군 태안읍 군청로 54", "2004-08-17", 138, 362),
    _sme("hanbit-instruments", "한빛계측(주)", "Hanbit Instruments Co., Ltd.", "305-81-4627",
         "27216", "daejeon", "대전광역시 유성구 테크노2로 190", "2000-10-23", 74, 149),
    _sme("daesan-valve", "대산밸브(주)", "Daesan Valve Co., Ltd.", "316-81-4795", "29133", _CN,
         "충청남도 서산시 대산읍 대죽1로 122", "1993-01-14", 96, 233),
    _micro("gyeongmin-tech", "경민테크", "Gyeongmin Tech", "316-24-5107", "25924", _CN,
           "충청남도 서산시 성연면 성연3로 41", "2011-03-07", 9, 126_000, (INNOVATION,)),
    _micro("anmyeon-precision", "안면정밀", "Anmyeon Precision", "316-15-5228", "25924", _CN,
           "충청남도 태안군 안면읍 승언로 33", "2008-06-21", 7, 84_000, (INNOVATION,)),
    _micro("geunheung-machinery", "근흥기계", "Geunheung Machinery", "316-21-5346", "29199",
           _CN, "충청남도 태안군 근흥면 정죽로 52", "2012-09-03", 6, 71_000, (INNOVATION,)),
    _micro("sowon-welding", "소원용접", "Sowon Welding", "316-09-5473", "25929", _CN,
           "충청남도 태안군 소원면 만리포2길 10", "2006-02-28", 5, 52_000, (INNOVATION,)),
    _micro("wonbuk-electric", "원북전기", "Wonbuk Electric", "316-17-5590", "28123", _CN,
           "충청남도 태안군 원북면 반계로 88", "2010-11-11", 8, 97_000, (INNOVATION,)),
    _micro("mallipo-tech", "만리포테크", "Mallipo Tech", "316-26-5634", "26291", _CN,
           "충청남도 태안군 소원면 모항로 16", "2015-04-06", 6, 63_000, (INNOVATION,)),
    _micro("seosan-piping", "서산배관", "Seosan Piping", "316-11-5788", "25112", _CN,
           "충청남도 서산시 지곡면 충의로 1150", "2005-07-19", 9, 138_000, (INNOVATION,)),
    _micro("daesan-casting", "대산주물", "Daesan Casting", "316-08-5812", "24312", _CN,
           "충청남도 서산시 대산읍 독곶1로 64", "2002-12-09", 9, 154_000, (INNOVATION,)),
    _micro("dangjin-insulation", "당진보온", "Dangjin Insulation", "310-19-5967", "23999", _CN,
           "충청남도 당진시 송악읍 부곡로 205", "2013-08-26", 7, 69_000, (INNOVATION,)),
    _micro("hongseong-machining", "홍성가공", "Hongseong Machining", "310-22-6011", "25924",
           _CN, "충청남도 홍성군 홍성읍 충서로 1090", "2009-05-18", 8, 88_000, (INNOVATION,)),
    _micro("boryeong-works", "보령공업사", "Boryeong Works", "310-06-6145", "34019", _CN,
           "충청남도 보령시 주교면 보령북로 70", "1998-10-30", 6, 59_000, (INNOVATION,)),
    _micro("yesan-bearing", "예산베어링", "Yesan Bearing", "310-28-6279", "29141", _CN,
           "충청남도 예산군 삽교읍 산업단지로 23", "2016-01-12", 5, 47_000, (INNOVATION,)),
    _micro("taean-bolt", "태안볼트", "Taean Bolt", "316-13-6302", "25941", _CN,
           "충청남도 태안군 태안읍 동백로 45", "2010-03-15", 4, 31_000, (INNOVATION,)),
    _micro("iwon-gasket", "이원가스켓", "Iwon Gasket", "316-19-6436", "22191", _CN,
           "충청남도 태안군 이원면 이원로 180", "2014-07-08", 3, 22_000, (INNOVATION,)),
    _micro("nammyeon-plating", "남면도금", "Nammyeon Plating", "316-07-6557", "25922", _CN,
           "충청남도 태안군 남면 안면대로 1355", "2007-09-25", 5, 36_000, (INNOVATION,)),
    _micro("gonam-cutting", "고남절삭", "Gonam Cutting", "316-25-6683", "25924", _CN,
           "충청남도 태안군 고남면 고남로 30", "2017-02-20", 3, 19_000, (INNOVATION,)),
    _micro("haemi-mold", "해미금형", "Haemi Mold", "316-16-6704", "29294", _CN,
           "충청남도 서산시 해미면 해미로 120", "2011-12-01", 4, 28_000, (INNOVATION,)),
    _micro("cheonsuman-coating", "천수만피복", "Cheonsuman Coating", "316-20-6828", "25923",
           _CN, "충청남도 서산시 부석면 천수만로 510", "2012-06-14", 4, 25_000, (INNOVATION,)),
    _micro("eumam-electronics", "음암전자", "Eumam Electronics", "316-12-6953", "26299", _CN,
           "충청남도 서산시 음암면 서령로 77", "2013-10-02", 5, 33_000, (INNOVATION,)),
    _micro("unsan-heat", "운산열처리", "Unsan Heat Treatment", "316-23-7074", "25921", _CN,
           "충청남도 서산시 운산면 여미로 610", "2004-04-22", 6, 44_000, (INNOVATION,)),
]

# --- 003: Kakao's merchant street in Jeju, Hyundai AutoEver's supplier ESG support ---------
_JJ = "jeju"
_CHILSEONG = "제주특별자치도 제주시 칠성로길"
JEJU = [
    Org("kakao", "(주)카카오", "Kakao Corp.", "616-81-6230", "large", "63120", _JJ,
        "제주특별자치도 제주시 첨단로 242", "1995-02-16", 4_000, 20_000 * EOK),
    Org("kakao-impact", "카카오임팩트", "Kakao Impact Foundation", "144-82-0912", "other", "94",
        "gyeonggi", "경기도 성남시 분당구 판교역로", "2018-12-20", 30),
    Org("jeju-province", "제주특별자치도", "Jeju Special Self-Governing Province", "616-83-0008",
        "public", "8411", _JJ, "제주특별자치도 제주시 문연로 6", None, 3_500),
    Org("chilseongro-coop", "칠성로상점가진흥사업협동조합",
        "Chilseong-ro Shopping Street Cooperative", "616-82-1475", "other", "94110", _JJ,
        _CHILSEONG, "2004-09-01", 3, None, (DANGOL,)),
    _micro("cs-boutique", "칠성로양품점", "Chilseong-ro Boutique", "616-10-2041", "47416", _JJ,
           f"{_CHILSEONG} 12", "1998-04-01", 3, 31_000, (DANGOL,)),
    _micro("tamna-shoes", "탐라신발", "Tamna Shoes", "616-15-2188", "47421", _JJ,
           f"{_CHILSEONG} 18", "2003-10-15", 2, 24_000, (DANGOL,)),
    _micro("halla-optical", "한라안경원", "Halla Optical", "616-08-2205", "47", _JJ,
           f"{_CHILSEONG} 21", "1994-06-10", 2, 27_000, (DANGOL,)),
    _micro("dolhareubang-cafe", "돌하르방카페", "Dolhareubang Cafe", "616-31-2336", "56221",
           _JJ, f"{_CHILSEONG} 25", "2019-03-22", 4, 19_000, (DANGOL,)),
    _micro("tangerine-store", "제주감귤상회", "Jeju Tangerine Store", "616-12-2457", "47", _JJ,
           f"{_CHILSEONG} 30", "2001-11-01", 2, 22_000, (DANGOL,)),
    _micro("cs-noodles", "칠성로국수집", "Chilseong-ro Noodles", "616-27-2563", "56111", _JJ,
           f"{_CHILSEONG} 33", "2008-05-05", 5, 35_000, (DANGOL,)),
    _micro("sanji-hanbok", "산지천한복", "Sanjicheon Hanbok", "616-05-2691", "47419", _JJ,
           f"{_CHILSEONG} 37", "1990-02-14", 2, 18_000, (DANGOL,)),
    _micro("dongmun-cosmetics", "동문화장품", "Dongmun Cosmetics", "616-19-2716", "47", _JJ,
           f"{_CHILSEONG} 41", "2006-08-20", 2, 26_000, (DANGOL,)),
    _micro("gwandeok-florist", "관덕정꽃집", "Gwandeokjeong Florist", "616-22-2842", "47", _JJ,
           f"{_CHILSEONG} 44", "2012-12-12", 1, 12_000, (DANGOL,)),
    _micro("olle-store", "올레잡화점", "Olle General Store", "616-29-2975", "47", _JJ,
           f"{_CHILSEONG} 50", "2015-07-07", 2, 15_000, (DANGOL,)),
]
AUTOEVER = [
    Org("hyundai-autoever", "현대오토에버(주)", "Hyundai AutoEver Corp.", "220-81-7705", "large",
        "62021", "seoul", "서울특별시 강남구 테헤란로 510", "2000-04-20", 4_500,
        30_000 * EOK, (ESG,)),
    _sme("bit-solution", "비트솔루션(주)", "Bit Solution Inc.", "220-81-8031", "62010", "seoul",
         "서울특별시 강남구 선릉로 433", "2007-03-12", 84, 142, (ESG,)),
    _sme("nuri-ict", "누리정보통신(주)", "Nuri ICT Co., Ltd.", "119-81-8156", "62021", "seoul",
         "서울특별시 금천구 가산디지털2로 98", "2001-09-05", 126, 265, (ESG,)),
    _sme("snc-system", "에스앤씨시스템(주)", "S&C System Co., Ltd.", "129-81-8283", "62022",
         "gyeonggi", "경기도 성남시 중원구 둔촌대로 545", "2004-05-24", 67, 118, (ESG,)),
    _sme("mobilab", "모빌랩(주)", "Mobilab Inc.", "144-81-8319", "58222", "gyeonggi",
         "경기도 성남시 분당구 대왕판교로 660", "2015-11-02", 45, 63, (ESG,)),
    _sme("dataon", "데이터온(주)", "DataOn Co., Ltd.", "220-81-8442", "62090", "seoul",
         "서울특별시 서초구 강남대로 311", "2012-02-01", 58, 87, (ESG,)),
    _sme("k-secure", "케이시큐어(주)", "K-Secure Inc.", "220-81-8570", "62090", "seoul",
         "서울특별시 송파구 법원로 128", "2010-06-30", 73, 110, (ESG,)),
    _sme("hanul-networks", "한울네트웍스(주)", "Hanul Networks Co., Ltd.", "124-81-8697", "42321",
         "gyeonggi", "경기도 수원시 영통구 광교로 156", "1999-08-09", 95, 173, (ESG,)),
    _sme("insight-code", "인사이트코드(주)", "Insight Code Inc.", "314-81-8725", "62010",
         "daejeon", "대전광역시 유성구 대학로 99", "2016-04-18", 38, 41, (ESG,)),
    _micro("codeworks", "코드웍스", "Codeworks", "220-30-8851", "62010", "seoul",
           "서울특별시 강남구 논현로 508", "2020-01-06", 7, 68_000, (ESG,)),
    _sme("cloud-nine", "클라우드나인(주)", "Cloud Nine Co., Ltd.", "220-81-8976", "63112",
         "seoul", "서울특별시 마포구 월드컵북로 396", "2017-10-10", 29, 35, (ESG,)),
]

# --- 004: KEIS's cooperation fund and technology-escrow support ----------------------------
_CB = "chungbuk"
KEIS = [
    Org("keis", "한국고용정보원", "Korea Employment Information Service (KEIS)", "303-82-1019",
        "public", "84", _CB, "충청북도 음성군 맹동면 태정로 6", "2006-02-01", 620),
    Org("chungbuk-univ", "충북대학교", "Chungbuk National University", "301-83-0115",
        "university", "8530", _CB, "충청북도 청주시 서원구 충대로 1", "1951-09-24", 2_400),
    _sme("innocity-fm", "혁신도시시설관리(주)", "Innocity Facility Management Co., Ltd.",
         "303-81-9148", "74211", _CB, "충청북도 음성군 맹동면 원중로 1390", "2013-07-01", 86, 52),
    _sme("jincheon-it", "진천정보기술(주)", "Jincheon IT Co., Ltd.", "303-81-9263", "62022", _CB,
         "충청북도 진천군 덕산읍 교연로 780", "2014-03-17", 34, 29),
    _micro("maengdong-food", "맹동푸드", "Maengdong Food", "303-17-9387", "56", _CB,
           "충청북도 음성군 맹동면 태정로 40", "2016-09-09", 9, 88_000),
    _micro("osong-biolab", "오송바이오랩", "Osong Biolab", "317-30-9412", "70", _CB,
           "충청북도 청주시 흥덕구 오송읍 오송생명2로 123", "2022-05-02", 4, 9_000, (ESCROW,)),
    _micro("edurobot", "에듀로봇", "Edurobot", "301-31-9535", "29280", _CB,
           "충청북도 청주시 서원구 충대로 1 창업보육센터", "2023-02-01", 3, 5_000, (ESCROW,)),
]

ORGS: list[Org] = [*LS, *BANKS, *GWANGYANG, *KOWEPO, *JEJU, *AUTOEVER, *KEIS]
BY_KEY: dict[str, Org] = {org.key: org for org in ORGS}

# Anchors: the buyers whose supply chains the demo shows.
ANCHOR_KEYS = ("ls-electric", "posco-gwangyang", "kowepo", "hyundai-autoever", "keis")

_ACE_KEYS = [o.key for o in LS if ACE_CLUB in o.tags]
_HUB_TIER1 = [
    "gy-precision", "jungma-machinery", "taein-industrial", "seomjin-tech", "baegun-metal",
    "dgy-engineering", "geumho-roll", "gy-refractory", "okgok-industrial", "jinwol-steel",
    "chonam-industry", "sepung-machinery",
]


def _since(key: str, year: int, month: int = 1) -> str:
    """A start date in ``year``, or the year after the supplier was founded if that is later."""
    founded = BY_KEY[key].founded
    if founded:
        year = max(year, int(founded[:4]) + 1)
    return f"{year}-{month:02d}-01"


def _volume(index: int, base_eok: int) -> int:
    """A varied but fixed annual volume: ``base_eok`` 억 원 scaled by the position."""
    return (base_eok * EOK * (7 + (index * 37) % 11)) // 10


LINKS: list[Link] = [
    # LS ELECTRIC buys from every ACE CLUB member (tier 1); members joined from 2003 on.
    *[
        Link("ls-electric", key, _since(key, 2003 + i % 9, 1 + (i * 5) % 12), _volume(i, 60))
        for i, key in enumerate(_ACE_KEYS)
    ],
    Link("ls-electric", "guil-electric", "2008-03-01", 12 * EOK, end="2019-06-30"),
    # Tier 2.
    Link("hangil-est", "silla-parts", "2009-04-01", 18 * EOK),
    Link("sejin-electric", "silla-parts", "2012-07-01", 9 * EOK),
    Link("hangil-est", "ochang-pcb", "2005-02-01", 26 * EOK),
    Link("sejin-electric", "boeun-metal", "2014-09-01", 6 * EOK),
    Link("daewon-precision", "seowon-heat", "2010-01-01", 8 * EOK),
    Link("taerim-cable", "asan-copper", "2001-05-01", 95 * EOK),
    Link("gyeongin-injection", "sihwa-mold", "2015-03-01", 4 * EOK),
    Link("cheongju-mold", "sihwa-mold", "2018-08-01", 2 * EOK),
    Link("dongil-tech", "banwol-press", "2011-11-01", 7 * EOK),
    Link("union-coil", "pyeongtaek-core", "2004-06-01", 110 * EOK),
    # Tier 3.
    Link("ochang-pcb", "cheongwon-chem", "2013-03-01", 3 * EOK),
    Link("seowon-heat", "miho-gas", "2012-05-01", 1 * EOK),
    Link("asan-copper", "dunpo-recycling", "2016-10-01", 5 * EOK),
    # POSCO Gwangyang Works buys from twelve hub members (tier 1)...
    *[
        Link("posco-gwangyang", key, _since(key, 1995 + i, 4), _volume(i, 35))
        for i, key in enumerate(_HUB_TIER1)
    ],
    # ...which buy from the other eight (tier 2); one of those from a bolt dealer (tier 3).
    Link("seomjin-tech", "gy-electric", "2006-05-01", 6 * EOK),
    Link("taein-industrial", "yeosu-plant", "2002-03-01", 14 * EOK),
    Link("baegun-metal", "suncheon-coating", "2004-09-01", 3 * EOK),
    Link("sepung-machinery", "gwangyeong-crane", "2008-01-01", 5 * EOK),
    Link("gy-refractory", "madong-env", "2009-07-01", 2 * EOK),
    Link("jungma-machinery", "goryak-maintenance", "2011-02-01", 3 * EOK),
    Link("gy-precision", "myeongdang-precision", "2010-10-01", 2 * EOK),
    Link("geumho-roll", "yulchon-tech", "2012-04-01", 4 * EOK),
    Link("myeongdang-precision", "gy-bolt", "2014-06-01", 3_000 * MAN),
    # KOWEPO buys maintenance and equipment (tier 1); innovation programme firms below.
    Link("kowepo", "seohae-maintenance", "2001-05-01", 850 * EOK),
    Link("kowepo", "taean-plant", "2006-01-01", 210 * EOK),
    Link("kowepo", "hanbit-instruments", "2008-07-01", 65 * EOK),
    Link("kowepo", "daesan-valve", "2005-03-01", 120 * EOK),
    Link("seohae-maintenance", "gyeongmin-tech", "2014-03-01", 6 * EOK),
    Link("seohae-maintenance", "anmyeon-precision", "2012-08-01", 4 * EOK),
    Link("seohae-maintenance", "dangjin-insulation", "2015-01-01", 3 * EOK),
    Link("seohae-maintenance", "boryeong-works", "2010-05-01", 3 * EOK),
    Link("taean-plant", "geunheung-machinery", "2013-09-01", 4 * EOK),
    Link("taean-plant", "sowon-welding", "2009-11-01", 2 * EOK),
    Link("taean-plant", "hongseong-machining", "2016-02-01", 3 * EOK),
    Link("hanbit-instruments", "wonbuk-electric", "2012-01-01", 5 * EOK),
    Link("hanbit-instruments", "mallipo-tech", "2017-06-01", 3 * EOK),
    Link("daesan-valve", "seosan-piping", "2007-04-01", 7 * EOK),
    Link("daesan-valve", "daesan-casting", "2004-10-01", 9 * EOK),
    Link("daesan-valve", "yesan-bearing", "2018-03-01", 2 * EOK),
    Link("gyeongmin-tech", "taean-bolt", "2013-05-01", 8_000 * MAN),
    Link("seosan-piping", "iwon-gasket", "2016-08-01", 5_000 * MAN),
    Link("anmyeon-precision", "nammyeon-plating", "2014-11-01", 6_000 * MAN),
    Link("geunheung-machinery", "gonam-cutting", "2019-02-01", 3_000 * MAN),
    Link("hongseong-machining", "haemi-mold", "2017-09-01", 4_000 * MAN),
    Link("sowon-welding", "cheonsuman-coating", "2015-12-01", 3_500 * MAN),
    Link("mallipo-tech", "eumam-electronics", "2018-10-01", 2_500 * MAN),
    Link("daesan-casting", "unsan-heat", "2011-06-01", 7_000 * MAN),
    # Hyundai AutoEver's IT partners (tier 1) and two of theirs (tier 2).
    Link("hyundai-autoever", "bit-solution", "2010-01-01", 95 * EOK),
    Link("hyundai-autoever", "nuri-ict", "2005-07-01", 180 * EOK),
    Link("hyundai-autoever", "snc-system", "2008-03-01", 70 * EOK),
    Link("hyundai-autoever", "mobilab", "2017-01-01", 35 * EOK),
    Link("hyundai-autoever", "dataon", "2013-05-01", 42 * EOK),
    Link("hyundai-autoever", "k-secure", "2012-09-01", 60 * EOK),
    Link("hyundai-autoever", "hanul-networks", "2003-04-01", 110 * EOK),
    Link("hyundai-autoever", "insight-code", "2019-08-01", 18 * EOK),
    Link("bit-solution", "codeworks", "2021-03-01", 4 * EOK),
    Link("dataon", "cloud-nine", "2019-01-01", 9 * EOK),
    # KEIS's partners.
    Link("keis", "innocity-fm", "2019-01-01", 38 * EOK),
    Link("keis", "jincheon-it", "2020-03-01", 21 * EOK),
    Link("keis", "maengdong-food", "2021-01-01", 6 * EOK),
]

CONTACTS: list[ContactSeed] = [
    ContactSeed("ls-electric", "김도현", "전략구매부문 동반성장팀장",
                "partnership@ls-electric.example", "02-0000-1001", primary=True),
    ContactSeed("ls-electric", "이서연", "ACE CLUB 간사", "aceclub@ls-electric.example",
                "02-0000-1002"),
    ContactSeed("hangil-est", "박준호", "경영지원팀장", "admin@hangil-est.example", "043-000-2001",
                primary=True),
    ContactSeed("hangil-est", "최지우", "품질보증 과장", "qa@hangil-est.example", "043-000-2002"),
    ContactSeed("posco-gwangyang", "정우진", "동반성장그룹 리더", "winwin@posco-gy.example",
                "061-000-3001", primary=True),
    ContactSeed("gwangyang-city", "한지민", "기업지원과 주무관", "biz@gwangyang-city.example",
                "061-000-3101", primary=True),
    ContactSeed("kowepo", "오세훈", "동반성장부 차장", "winwin@kowepo.example", "041-000-4001",
                primary=True),
    ContactSeed("gyeongmin-tech", "윤태호", "대표", "ceo@gyeongmin-tech.example", "041-000-4101",
                primary=True),
    ContactSeed("hyundai-autoever", "강민서", "ESG추진팀 매니저", "esg@autoever.example",
                "02-0000-5001", primary=True),
    ContactSeed("kakao", "서하늘", "단골거리 사업 담당", "dangol@kakao.example", "064-000-6001",
                primary=True),
    ContactSeed("chilseongro-coop", "고은비", "사무국장", "office@chilseongro.example",
                "064-000-6101", primary=True),
    ContactSeed("keis", "임현우", "기획전략본부 동반성장 담당", "fund@keis.example",
                "043-000-7001", primary=True),
]

# The demo logins. Fixed passwords, printed by ``sangsaeng demo``; never use them in production.
LOGINS: list[DemoLogin] = [
    DemoLogin("operator", "sangsaeng-operator", Role.OPERATOR, "운영자 Operator (LS ELECTRIC)",
              "ls-electric", "도현", "김"),
    DemoLogin("manager", "sangsaeng-manager", Role.MANAGER,
              "사업 담당자 Programme manager (KOWEPO)", "kowepo", "세훈", "오"),
    DemoLogin("consultant", "sangsaeng-consultant", Role.CONSULTANT,
              "컨설턴트 Consultant (광양 혁신허브)", None, "수진", "배"),
    DemoLogin("hangil", "sangsaeng-partner", Role.PARTNER, "협력사 Partner (한길이에스티)",
              "hangil-est", "준호", "박"),
    DemoLogin("auditor", "sangsaeng-auditor", Role.AUDITOR, "감사 Auditor (동반성장위원회)",
              "kccp", "영진", "문"),
]
OPERATOR_USERNAME = "operator"
# fmt: on


def brn_of(key: str) -> str:
    return BY_KEY[key].brn


def expected_tiers(anchor_key: str, as_of: dt.date | None = None) -> dict[str, int]:
    """The tiers the design above gives (breadth-first over ``LINKS`` in force on ``as_of``):
    what ``partners.queries.tiers_from`` must find in the database after loading."""
    day = as_of or today_kst()
    below: dict[str, list[str]] = {}
    for link in LINKS:
        if dt.date.fromisoformat(link.start) <= day and (
            link.end is None or dt.date.fromisoformat(link.end) >= day
        ):
            below.setdefault(link.buyer, []).append(link.supplier)
    tiers: dict[str, int] = {}
    queue = deque([(anchor_key, 0)])
    seen = {anchor_key}
    while queue:
        key, depth = queue.popleft()
        for supplier in below.get(key, []):
            if supplier not in seen:
                seen.add(supplier)
                tiers[supplier] = depth + 1
                queue.append((supplier, depth + 1))
    return tiers


@dataclass
class LoadResult:
    companies_created: int = 0
    companies_existing: int = 0
    links_created: int = 0
    contacts_created: int = 0
    users: list[DemoLogin] = field(default_factory=list)


def ensure_login(login: DemoLogin, companies: dict[str, Company] | None = None) -> User:
    """Create or reset one demo login: role, company and the fixed password (hashed with the
    first configured hasher). Clears any lockout of that username."""
    company = None
    if login.org:
        company = (companies or {}).get(login.org) or Company.objects.filter(
            brn=brn_of(login.org)
        ).first()
    user = User.objects.filter(username=login.username).first() or User(username=login.username)
    user.role = login.role
    user.company = company
    user.first_name = login.first_name
    user.last_name = login.last_name
    user.is_active = True
    user.password = make_password(login.password)
    user.save()
    _reset_lockout(login.username)
    return user


def _reset_lockout(username: str) -> None:
    from axes.utils import reset

    reset(username=username)


def demo_operator() -> User:
    """The actor the seed data is registered by (made without a password if it is missing;
    ``load`` sets it with the other logins)."""
    login = next(x for x in LOGINS if x.username == OPERATOR_USERNAME)
    user = User.objects.filter(username=login.username).first() or User(username=login.username)
    if user.pk is None or user.role != Role.OPERATOR or not user.is_active:
        if user.pk is None:
            user.set_unusable_password()
        user.role = Role.OPERATOR
        user.is_active = True
        user.save()
    return user


def load(*, logins: bool = True) -> LoadResult:
    """Register the seed organisations, links and contacts, and (re)set the demo logins.

    Idempotent: keyed by BRN for companies, by (buyer, supplier) for links and by (company,
    name) for contacts. One transaction, so a failure leaves nothing half-loaded."""
    result = LoadResult()
    with transaction.atomic():
        actor = demo_operator()
        existing = {c.brn: c for c in Company.objects.filter(brn__in=[o.brn for o in ORGS])}
        companies: dict[str, Company] = {}
        for org in ORGS:
            company = existing.get(org.brn)
            if company is None:
                company = services.company_create(actor=actor, data=org.data(), source=SOURCE)
                result.companies_created += 1
            else:
                result.companies_existing += 1
            companies[org.key] = company
        pairs = set(
            SupplyLink.objects.filter(
                buyer__in=companies.values(), supplier__in=companies.values()
            ).values_list("buyer_id", "supplier_id")
        )
        for link in LINKS:
            buyer, supplier = companies[link.buyer], companies[link.supplier]
            if (buyer.pk, supplier.pk) in pairs:
                continue
            data = {"start_date": link.start, "end_date": link.end, "annual_volume": link.volume}
            services.supply_link_create(
                actor=actor, buyer=buyer, supplier=supplier, data=data, source=SOURCE
            )
            result.links_created += 1
        for seed in CONTACTS:
            company = companies[seed.org]
            if Contact.objects.filter(company=company, name=seed.name).exists():
                continue
            contact = Contact.objects.create(
                company=company,
                name=seed.name,
                title=seed.title,
                email=seed.email,
                phone=seed.phone,
                is_primary=seed.primary,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                instance=contact,
                changes=diff({}, snapshot(contact, ["company", "name", "title", "email", "phone"])),
                source=SOURCE,
            )
            result.contacts_created += 1
        if logins:
            for login in LOGINS:
                ensure_login(login, companies)
                result.users.append(login)
    return result
