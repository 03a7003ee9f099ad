"""The real Gwangju dataset: the facts in shared/seeds/FACTS.md and nothing else.

Each record names its source (S1, S2); its history starts on that source's date, or on its own
`known_on` day when the fact is older than the articles (the AX valley's exemption). What the
articles do not give (a yearly split of the ₩600 billion, a list of the 160 firms, the
city/private funding split) is left out on purpose.
"""

import datetime
from decimal import Decimal

from portfolio.models import BudgetStage, FundingSource, Indicator, Milestone, Program

D = datetime.date
K, S, P = Program.Kind, Program.Status, Milestone.Precision

SOURCES = [
    {
        "key": "S1",
        "publisher": "광주일보",
        "published_on": D(2025, 10, 24),
        "title": "AI 2단계 6000억 가동…광주시, ‘국가AI연구소·집적단지’로 재도약",
        "reference": "000_cb89d673ce4060ce.txt",
        "note": "2025-10-24 17:20",
    },
    {
        "key": "S2",
        "publisher": "뉴시스",
        "published_on": D(2025, 10, 23),
        "title": "'국가 GPU 20만장 필요' 광주, AI컴퓨팅센터 재유치 기회",
        "reference": "003_ec1573afa029acc8.txt",
        "note": "",
    },
]

# Parents come before their children.
PROGRAMS = [
    {
        "code": "GJ-AI",
        "parent": None,
        "kind": K.PORTFOLIO,
        "name_ko": "AI 중심도시 광주",
        "name_en": "Gwangju AI hub city strategy",
        "status": S.RUNNING,
        "start_year": 2017,
        "source": "S1",
        "sort_order": 1,
        "description": "광주광역시가 2017년부터 추진해 온 AI 중심도시 전략 전체.",
    },
    {
        "code": "GJ-AI-P1",
        "parent": "GJ-AI",
        "kind": K.PROGRAM,
        "name_ko": "AI 1단계",
        "name_en": "AI phase 1",
        "status": S.COMPLETED,
        "source": "S1",
        "sort_order": 1,
        "description": "구축 완료, 운영 중. 기업 160개 유치와 일자리 650개 창출을 성과로 보고.",
    },
    {
        "code": "GJ-AI-P1-NADC",
        "parent": "GJ-AI-P1",
        "kind": K.PROJECT,
        "name_ko": "국가AI데이터센터",
        "name_en": "National AI Data Center",
        "status": S.COMPLETED,
        "source": "S2",
        "sort_order": 1,
        "description": "개관하여 GPU 2,500장 규모로 가동 중.",
    },
    {
        "code": "GJ-AI-P1-SIM",
        "parent": "GJ-AI-P1",
        "kind": K.PROJECT,
        "name_ko": "대형 드라이빙 시뮬레이터",
        "name_en": "Large driving simulator",
        "status": S.COMPLETED,
        "source": "S2",
        "sort_order": 2,
        "description": "자율주행 등 실증용 장비. 서비스 개시.",
    },
    {
        "code": "GJ-AI-P1-TALENT",
        "parent": "GJ-AI-P1",
        "kind": K.PROJECT,
        "name_ko": "AI 인재 양성 (인공지능사관학교·대학원)",
        "name_en": "AI talent: AI academy and graduate school",
        "status": S.COMPLETED,
        "source": "S2",
        "sort_order": 3,
        "description": "인공지능사관학교와 대학원을 통한 인재 양성.",
    },
    {
        "code": "AX-VALLEY",
        "parent": "GJ-AI",
        "kind": K.PROGRAM,
        "name_ko": "AI 2단계: AX 실증밸리 (인공지능 전환 실증밸리)",
        "name_en": "AI phase 2: AX demonstration valley",
        "status": S.APPROVED,
        "start_year": 2026,
        "end_year": 2030,
        "total_cost": 600_000_000_000,
        "source": "S1",
        # Known since the exemption (S2), before either article reported it.
        "known_on": D(2025, 8, 22),
        "sort_order": 2,
        "description": (
            "총사업비 6,000억원, 2026~2030년 5년. 2025-08-22 예비타당성조사 면제 확정(S2). "
            "제조·모빌리티·행정 분야의 AI 전환을 실증. 현장 주도 과제 선정, 규제 특례, "
            "데이터·컴퓨팅 연계를 묶은 패키지 실증 방식. 재원은 국비에 시 자체 투자와 민간 매칭을 "
            "더하는 구조(S1); 재원별 분담은 밝혀지지 않아 예산 줄로 나누지 않음."
        ),
    },
    {
        "code": "NAICC-BID",
        "parent": "GJ-AI",
        "kind": K.PROGRAM,
        "name_ko": "국가AI컴퓨팅센터 유치",
        "name_en": "National AI Computing Center bid",
        "status": S.NOT_SELECTED,
        "source": "S2",
        "sort_order": 3,
        "description": (
            "2025년 정부 공모에서 광주 선정 불발, 재유치 추진 예정. 부지에 전력 최대 120MW, "
            "냉각수 최대 6만t 공급 가능."
        ),
    },
    {
        "code": "NAIRI",
        "parent": "GJ-AI",
        "kind": K.PROGRAM,
        "name_ko": "국가AI연구소 설립",
        "name_en": "National AI Research Institute",
        "status": S.PROPOSED,
        "source": "S1",
        "sort_order": 4,
        "description": (
            "정부에 설립 건의. 공공·민간·대학 개방형 연구 거점: 초거대 모델, 모델 경량화·효율화, "
            "안전·윤리 검증."
        ),
    },
    {
        "code": "NAI-CLUSTER",
        "parent": "GJ-AI",
        "kind": K.PROGRAM,
        "name_ko": "국가AI집적단지 지정",
        "name_en": "National AI cluster designation",
        "status": S.PROPOSED,
        "source": "S1",
        "sort_order": 5,
        "description": (
            "북구 오룡동 첨단3지구 AI집적단지. 기업 입주, 데이터·컴퓨팅·네트워크 기반, 표준·평가."
        ),
    },
    {
        "code": "NATIONAL-AI",
        "parent": None,
        "kind": K.PORTFOLIO,
        "name_ko": "국가 AI 정책 (참고)",
        "name_en": "National AI policy (reference)",
        "status": S.RUNNING,
        "is_national_context": True,
        "office": "과학기술정보통신부",
        "source": "S2",
        "sort_order": 9,
        "description": "시가 추진하지 않고 참고로만 추적하는 국가 차원 항목.",
    },
    {
        "code": "NAT-AI-BUDGET-2026",
        "parent": "NATIONAL-AI",
        "kind": K.PROGRAM,
        "name_ko": "2026년 정부 AI 분야 예산",
        "name_en": "National AI budget for 2026",
        "status": S.PROPOSED,
        "start_year": 2026,
        "end_year": 2026,
        "is_national_context": True,
        "office": "과학기술정보통신부",
        "source": "S2",
        "sort_order": 1,
        "description": (
            "2025-10-13 국정감사에서 부총리 겸 과학기술정보통신부 장관이 10조1,000억원 편성을 밝힘."
        ),
    },
    {
        "code": "NAT-GPU-2030",
        "parent": "NATIONAL-AI",
        "kind": K.PROGRAM,
        "name_ko": "국가 GPU 20만 장 확보",
        "name_en": "National target of 200,000 GPUs",
        "status": S.RUNNING,
        "end_year": 2030,
        "is_national_context": True,
        "office": "과학기술정보통신부",
        "source": "S2",
        "sort_order": 2,
        "description": "2030년까지 GPU 20만 장 확보 목표.",
    },
    {
        "code": "JEONNAM-AICC",
        "parent": "NATIONAL-AI",
        "kind": K.PROGRAM,
        "name_ko": "전남 AI컴퓨팅센터",
        "name_en": "Jeonnam AI computing center",
        "status": S.APPROVED,
        "is_national_context": True,
        "office": "전라남도",
        "source": "S2",
        "sort_order": 3,
        "description": "초기 GPU 1만5,000장, 최대 5만 장 규모.",
    },
]

BUDGET_LINES = [
    {
        "program": "NAT-AI-BUDGET-2026",
        "fiscal_year": 2026,
        "funding_source": FundingSource.NATIONAL,
        "stage": BudgetStage.PLAN,
        "amount": 10_100_000_000_000,
        "source": "S2",
        "note": "정부 편성액 (2025-10-13 국정감사)",
    },
]

INDICATORS = [
    {
        "code": "P1-FIRMS",
        "program": "GJ-AI-P1",
        "name_ko": "기업 유치",
        "name_en": "Firms attracted",
        "metric": Indicator.Metric.FIRMS,
        "unit": "개사",
        "unit_en": "firms",
        "source": "S1",
        "readings": [(D(2025, 10, 24), Decimal(160), "S1")],
        # The office's breakdown (세부 구분), a definition only: the articles give no split.
        "parts": [("이전", "Relocated"), ("창업", "Start-ups"), ("투자유치", "Investment attracted")],
    },
    {
        "code": "P1-JOBS",
        "program": "GJ-AI-P1",
        "name_ko": "일자리 창출",
        "name_en": "Jobs created",
        "metric": Indicator.Metric.JOBS,
        "unit": "명",
        "unit_en": "jobs",
        "source": "S1",
        "readings": [(D(2025, 10, 24), Decimal(650), "S1")],
        "parts": [("청년", "Youth"), ("그 외", "Others")],  # a definition only, as above
    },
    {
        "code": "NADC-GPUS",
        "program": "GJ-AI-P1-NADC",
        "name_ko": "국가AI데이터센터 GPU",
        "name_en": "GPUs at the National AI Data Center",
        "metric": Indicator.Metric.GPUS,
        "unit": "대",
        "unit_en": "GPUs",
        "source": "S2",
        "readings": [(D(2025, 10, 23), Decimal(2500), "S2")],
    },
    {
        "code": "NAICC-POWER",
        "program": "NAICC-BID",
        "name_ko": "공급 가능 전력 (최대)",
        "name_en": "Power available (maximum)",
        "unit": "MW",
        "unit_en": "MW",
        "source": "S2",
        "readings": [(D(2025, 10, 23), Decimal(120), "S2")],
    },
    {
        "code": "NAICC-COOLING",
        "program": "NAICC-BID",
        "name_ko": "확보 가능 냉각수 (최대)",
        "name_en": "Cooling water available (maximum)",
        "unit": "t",
        "unit_en": "t",
        "source": "S2",
        "readings": [(D(2025, 10, 23), Decimal(60000), "S2")],
    },
    {
        "code": "NAT-GPUS-2030",
        "program": "NAT-GPU-2030",
        "name_ko": "국가 GPU 확보",
        "name_en": "National GPUs secured",
        "metric": Indicator.Metric.GPUS,
        "unit": "대",
        "unit_en": "GPUs",
        "target": Decimal(200_000),
        "target_year": 2030,
        "source": "S2",
        "readings": [],
    },
    {
        "code": "JEONNAM-GPUS",
        "program": "JEONNAM-AICC",
        "name_ko": "전남 AI컴퓨팅센터 GPU (초기→최대)",
        "name_en": "Jeonnam computing center GPUs (start → maximum)",
        "metric": Indicator.Metric.GPUS,
        "unit": "대",
        "unit_en": "GPUs",
        "baseline": Decimal(15_000),
        "target": Decimal(50_000),
        "source": "S2",
        "description": "초기 1만5,000장에서 최대 5만 장. 목표 시점은 기사에 없음.",
        "readings": [],
    },
]

MILESTONES = [
    {
        "program": "GJ-AI",
        "title_ko": "AI 중심도시 추진 시작",
        "title_en": "Gwangju starts its AI hub drive",
        "planned_date": D(2017, 12, 31),
        "actual_date": D(2017, 12, 31),
        "date_precision": P.YEAR,
        "status": Milestone.Status.DONE,
        "source": "S1",
    },
    {
        "program": "AX-VALLEY",
        "title_ko": "예비타당성조사 면제 확정",
        "title_en": "Exempted from the preliminary feasibility study",
        "planned_date": D(2025, 8, 22),
        "actual_date": D(2025, 8, 22),
        "status": Milestone.Status.DONE,
        "source": "S2",
        "known_on": D(2025, 8, 22),
    },
    {
        "program": "NATIONAL-AI",
        "title_ko": "국정감사: 2026년 AI 예산 10조1,000억원, 2030년 GPU 20만 장 목표 발표",
        "title_en": "Audit: ₩10.1T AI budget for 2026 and 200,000-GPU goal announced",
        "planned_date": D(2025, 10, 13),
        "actual_date": D(2025, 10, 13),
        "status": Milestone.Status.DONE,
        "source": "S2",
    },
    {
        "program": "NAICC-BID",
        "title_ko": "2025년 국가AI컴퓨팅센터 공모: 광주 선정 불발",
        "title_en": "2025 national call: Gwangju not selected",
        "planned_date": D(2025, 10, 31),
        "actual_date": D(2025, 10, 31),
        "date_precision": P.MONTH,
        "status": Milestone.Status.DONE,
        "source": "S2",
        "note": "10월 23일 이전.",
    },
    {
        "program": "NAICC-BID",
        "title_ko": "광주 지역 국회의원·대통령실 긴급 간담회",
        "title_en": "Emergency meeting of Gwangju lawmakers with the presidential office",
        "planned_date": D(2025, 10, 23),
        "actual_date": D(2025, 10, 23),
        "status": Milestone.Status.DONE,
        "source": "S1",
    },
    {
        "program": "GJ-AI",
        "title_ko": "국가AI컴퓨팅센터 유치 관련 전 직원 공유회 (AI 2단계 로드맵)",
        "title_en": "All-staff briefing on the bid and the phase-2 road map",
        "planned_date": D(2025, 10, 24),
        "actual_date": D(2025, 10, 24),
        "status": Milestone.Status.DONE,
        "source": "S1",
    },
    {
        "program": "AX-VALLEY",
        "title_ko": "AX 실증밸리 사업 착수",
        "title_en": "AX demonstration valley starts",
        "planned_date": D(2026, 12, 31),
        "date_precision": P.YEAR,
        "status": Milestone.Status.PLANNED,
        "source": "S1",
    },
    {
        "program": "AX-VALLEY",
        "title_ko": "AX 실증밸리 사업 종료",
        "title_en": "AX demonstration valley ends",
        "planned_date": D(2030, 12, 31),
        "date_precision": P.YEAR,
        "status": Milestone.Status.PLANNED,
        "source": "S1",
    },
    {
        "program": "NAT-GPU-2030",
        "title_ko": "국가 GPU 20만 장 확보 목표 시점",
        "title_en": "National 200,000-GPU goal due",
        "planned_date": D(2030, 12, 31),
        "date_precision": P.YEAR,
        "status": Milestone.Status.PLANNED,
        "source": "S2",
    },
]
