"""Korean Standard Industrial Classification (KSIC, 한국표준산업분류), 10th revision.

Sangsaeng stores a company's KSIC code as the digits of its most specific known level (two-digit
division up to five-digit sub-class). A code is valid when it has 2 to 5 digits and its first two
digits name a real division. Divisions carry their section letter so that lists can group them.
"""

from __future__ import annotations

import re

# division code -> (section letter, Korean name)
DIVISIONS: dict[str, tuple[str, str]] = {
    "01": ("A", "농업"),
    "02": ("A", "임업"),
    "03": ("A", "어업"),
    "05": ("B", "석탄, 원유 및 천연가스 광업"),
    "06": ("B", "금속 광업"),
    "07": ("B", "비금속광물 광업; 연료용 제외"),
    "08": ("B", "광업 지원 서비스업"),
    "10": ("C", "식료품 제조업"),
    "11": ("C", "음료 제조업"),
    "12": ("C", "담배 제조업"),
    "13": ("C", "섬유제품 제조업; 의복 제외"),
    "14": ("C", "의복, 의복 액세서리 및 모피제품 제조업"),
    "15": ("C", "가죽, 가방 및 신발 제조업"),
    "16": ("C", "목재 및 나무제품 제조업; 가구 제외"),
    "17": ("C", "펄프, 종이 및 종이제품 제조업"),
    "18": ("C", "인쇄 및 기록매체 복제업"),
    "19": ("C", "코크스, 연탄 및 석유정제품 제조업"),
    "20": ("C", "화학 물질 및 화학제품 제조업; 의약품 제외"),
    "21": ("C", "의료용 물질 및 의약품 제조업"),
    "22": ("C", "고무 및 플라스틱제품 제조업"),
    "23": ("C", "비금속 광물제품 제조업"),
    "24": ("C", "1차 금속 제조업"),
    "25": ("C", "금속 가공제품 제조업; 기계 및 가구 제외"),
    "26": ("C", "전자 부품, 컴퓨터, 영상, 음향 및 통신장비 제조업"),
    "27": ("C", "의료, 정밀, 광학 기기 및 시계 제조업"),
    "28": ("C", "전기장비 제조업"),
    "29": ("C", "기타 기계 및 장비 제조업"),
    "30": ("C", "자동차 및 트레일러 제조업"),
    "31": ("C", "기타 운송장비 제조업"),
    "32": ("C", "가구 제조업"),
    "33": ("C", "기타 제품 제조업"),
    "34": ("C", "산업용 기계 및 장비 수리업"),
    "35": ("D", "전기, 가스, 증기 및 공기 조절 공급업"),
    "36": ("E", "수도업"),
    "37": ("E", "하수, 폐수 및 분뇨 처리업"),
    "38": ("E", "폐기물 수집, 운반, 처리 및 원료 재생업"),
    "39": ("E", "환경 정화 및 복원업"),
    "41": ("F", "종합 건설업"),
    "42": ("F", "전문직별 공사업"),
    "45": ("G", "자동차 및 부품 판매업"),
    "46": ("G", "도매 및 상품 중개업"),
    "47": ("G", "소매업; 자동차 제외"),
    "49": ("H", "육상 운송 및 파이프라인 운송업"),
    "50": ("H", "수상 운송업"),
    "51": ("H", "항공 운송업"),
    "52": ("H", "창고 및 운송관련 서비스업"),
    "55": ("I", "숙박업"),
    "56": ("I", "음식점 및 주점업"),
    "58": ("J", "출판업"),
    "59": ("J", "영상·오디오 기록물 제작 및 배급업"),
    "60": ("J", "방송업"),
    "61": ("J", "우편 및 통신업"),
    "62": ("J", "컴퓨터 프로그래밍, 시스템 통합 및 관리업"),
    "63": ("J", "정보서비스업"),
    "64": ("K", "금융업"),
    "65": ("K", "보험 및 연금업"),
    "66": ("K", "금융 및 보험 관련 서비스업"),
    "68": ("L", "부동산업"),
    "70": ("M", "연구개발업"),
    "71": ("M", "전문 서비스업"),
    "72": ("M", "건축 기술, 엔지니어링 및 기타 과학기술 서비스업"),
    "73": ("M", "기타 전문, 과학 및 기술 서비스업"),
    "74": ("N", "사업시설 관리 및 조경 서비스업"),
    "75": ("N", "사업 지원 서비스업"),
    "76": ("N", "임대업; 부동산 제외"),
    "84": ("O", "공공 행정, 국방 및 사회보장 행정"),
    "85": ("P", "교육 서비스업"),
    "86": ("Q", "보건업"),
    "87": ("Q", "사회복지 서비스업"),
    "90": ("R", "창작, 예술 및 여가관련 서비스업"),
    "91": ("R", "스포츠 및 오락관련 서비스업"),
    "94": ("S", "협회 및 단체"),
    "95": ("S", "개인 및 소비용품 수리업"),
    "96": ("S", "기타 개인 서비스업"),
    "97": ("T", "가구 내 고용활동"),
    "98": ("T", "달리 분류되지 않은 자가 소비를 위한 가구의 재화 및 서비스 생산활동"),
    "99": ("U", "국제 및 외국기관"),
}

SECTIONS: dict[str, str] = {
    "A": "농업, 임업 및 어업",
    "B": "광업",
    "C": "제조업",
    "D": "전기, 가스, 증기 및 공기 조절 공급업",
    "E": "수도, 하수 및 폐기물 처리, 원료 재생업",
    "F": "건설업",
    "G": "도매 및 소매업",
    "H": "운수 및 창고업",
    "I": "숙박 및 음식점업",
    "J": "정보통신업",
    "K": "금융 및 보험업",
    "L": "부동산업",
    "M": "전문, 과학 및 기술 서비스업",
    "N": "사업시설 관리, 사업 지원 및 임대 서비스업",
    "O": "공공 행정, 국방 및 사회보장 행정",
    "P": "교육 서비스업",
    "Q": "보건업 및 사회복지 서비스업",
    "R": "예술, 스포츠 및 여가관련 서비스업",
    "S": "협회 및 단체, 수리 및 기타 개인 서비스업",
    "T": "가구 내 고용활동 및 자가소비 생산활동",
    "U": "국제 및 외국기관",
}

DIVISION_CHOICES: list[tuple[str, str]] = [
    (code, f"{code} {name}") for code, (_, name) in DIVISIONS.items()
]

_CODE = re.compile(r"^[0-9]{2,5}$")


class KSICError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalize(value: str) -> str:
    """Strip an optional section letter (``C29171`` → ``29171``) and validate the division."""
    raw = str(value or "").strip().upper().replace(" ", "")
    if raw[:1].isalpha():
        raw = raw[1:]
    if not _CODE.match(raw):
        raise KSICError("ksic_format", "KSIC 코드는 숫자 2~5자리여야 합니다 (예: 29171).")
    if raw[:2] not in DIVISIONS:
        raise KSICError("ksic_unknown", f"KSIC 중분류 '{raw[:2]}'은(는) 없는 코드입니다.")
    return raw


def describe(code: str) -> str:
    """A human label for a stored code: its division name."""
    entry = DIVISIONS.get(code[:2])
    return f"{code} {entry[1]}" if entry else code
