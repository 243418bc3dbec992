"""Synthetic but realistic data for the benchmark: an organisation tree and the people who work in it.

Everything comes from one seeded :class:`random.Random`, so a run is reproducible. People get valid,
unique resident ID numbers (GB 11643 check character) whose area code is their city's, whose birth
date and gender digit agree with the rest of the row, and titles, statuses and departments spread the
way a provincial registry looks: many nurses and junior doctors, few chief physicians, most people
active, big hospitals next to many small community health centres. Each person's credit records of a
year (:class:`CreditMaker`) mix the province's categories, short and long activities and statuses.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from cme_platform.identity.id_number import check_character
from cme_platform.personnel import vocab

CITIES: tuple[tuple[str, str], ...] = (
    ("320100", "南京市"),
    ("320200", "无锡市"),
    ("320300", "徐州市"),
    ("320400", "常州市"),
    ("320500", "苏州市"),
    ("320600", "南通市"),
    ("320700", "连云港市"),
    ("320800", "淮安市"),
    ("320900", "盐城市"),
    ("321000", "扬州市"),
    ("321100", "镇江市"),
    ("321200", "泰州市"),
    ("321300", "宿迁市"),
)
"""Regions of the bench tenant: a province's cities with their ID-number area prefixes."""

DEPARTMENTS: tuple[str, ...] = (
    "内科",
    "外科",
    "护理部",
    "妇产科",
    "儿科",
    "急诊科",
    "药剂科",
    "检验科",
    "医学影像科",
    "全科医学科",
    "中医科",
    "麻醉科",
    "康复医学科",
    "口腔科",
    "眼科",
    "耳鼻咽喉科",
    "皮肤科",
    "感染科",
    "心血管内科",
    "呼吸内科",
    "消化内科",
    "神经内科",
    "骨科",
    "泌尿外科",
    "神经外科",
    "重症医学科",
    "肿瘤科",
    "病理科",
    "精神科",
    "预防保健科",
)
"""Department names, most common first: small institutions have only the first few."""

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲芬燕彬飞鑫波斌宇浩凯健俊帆旭宁龙林欣佳"
    "雪琳晨辰晶琪颖倩婷慧悦欢瑶怡馨雨萱梓涵子轩博文思远嘉一诺立新建国志海春秋云峰"
)

TITLE_WEIGHTS: dict[str, float] = {
    "护士": 12,
    "护师": 14,
    "主管护师": 12,
    "副主任护师": 2,
    "主任护师": 0.5,
    "医士": 2,
    "医师": 12,
    "主治医师": 14,
    "副主任医师": 6,
    "主任医师": 3,
    "药士": 1,
    "药师": 3,
    "主管药师": 2,
    "副主任药师": 0.5,
    "主任药师": 0.2,
    "技士": 1,
    "技师": 4,
    "主管技师": 3,
    "副主任技师": 0.7,
    "主任技师": 0.2,
    "研究实习员": 0.2,
    "助理研究员": 0.2,
    "副研究员": 0.1,
    "研究员": 0.05,
    vocab.NO_TITLE: 3,
}
"""How common each title is among the province's health workers."""

_SPECIALTIES: dict[str, tuple[str, ...]] = {
    "医": (
        "内科学",
        "外科学",
        "妇产科学",
        "儿科学",
        "全科医学",
        "中医内科学",
        "麻醉学",
        "急诊医学",
        "眼科学",
        "口腔医学",
    ),
    "护": ("护理学",),
    "药": ("药学", "中药学"),
    "技": ("医学检验技术", "医学影像技术", "康复医学治疗技术", "病理学技术"),
    "研": ("基础医学", "公共卫生"),
}
STATUS_WEIGHTS: dict[str, float] = {"正常": 89, "退休": 5, "调出": 3, "离职": 2, "注销": 1}
_EDUCATION_BY_LEVEL: dict[str, tuple[tuple[str, str], ...]] = {
    "正高": (("博士研究生", "博士"), ("硕士研究生", "硕士"), ("大学本科", "学士")),
    "副高": (("博士研究生", "博士"), ("硕士研究生", "硕士"), ("大学本科", "学士"), ("大学本科", "学士")),
    "中级": (("硕士研究生", "硕士"), ("大学本科", "学士"), ("大学本科", "学士"), ("大学专科", "无")),
    "初级": (("大学本科", "学士"), ("大学专科", "无"), ("大学专科", "无"), ("中专", "无")),
}
_POSITIONS = ("科主任", "副主任", "护士长", "科员")


@dataclass
class Institution:
    """One synthetic institution: where it is, how big it is and its departments."""

    code: str
    name: str
    level: str
    region: int
    staff: int
    departments: list[str] = field(default_factory=list)


@dataclass
class Organisation:
    """The regions (indexes into :data:`CITIES`) and institutions of the bench tenant."""

    institutions: list[Institution]


def _sizes(rng: random.Random, count: int, people: int) -> list[int]:
    """Staff counts of ``count`` institutions summing to ``people``: a few big hospitals, many small ones."""
    raw = []
    for _ in range(count):
        draw = rng.random()
        if draw < 0.03:
            raw.append(rng.uniform(1500, 3000))
        elif draw < 0.18:
            raw.append(rng.uniform(300, 900))
        else:
            raw.append(rng.uniform(20, 160))
    scale = people / sum(raw)
    sizes = [max(1, int(value * scale)) for value in raw]
    order = sorted(range(count), key=lambda i: -raw[i])
    step = 0
    while sum(sizes) != people:
        i = order[step % count]
        if sum(sizes) < people:
            sizes[i] += 1
        elif sizes[i] > 1:
            sizes[i] -= 1
        step += 1
    return sizes


def _level_and_name(rng: random.Random, staff: int, city: str, index: int) -> tuple[str, str]:
    if staff >= 1000:
        return rng.choice(("三级甲等", "三级乙等")), f"{city}第{index}人民医院"
    if staff >= 250:
        return rng.choice(("二级甲等", "二级乙等")), f"{city}第{index}医院"
    if staff >= 60:
        return "一级", f"{city}第{index}社区卫生服务中心"
    return "基层医疗卫生机构", f"{city}第{index}卫生院"


def organisation(rng: random.Random, institutions: int, people: int) -> Organisation:
    """The institutions of the tenant, spread over the cities, with staff counts summing to ``people``."""
    result = []
    for index, staff in enumerate(_sizes(rng, institutions, people), start=1):
        region = rng.randrange(len(CITIES))
        level, name = _level_and_name(rng, staff, CITIES[region][1], index)
        count = min(len(DEPARTMENTS), 3 + staff // 60)
        result.append(Institution(f"BENCH{index:05d}", name, level, region, staff, list(DEPARTMENTS[:count])))
    return Organisation(result)


def hires(rng: random.Random, org: Organisation, people: int) -> Organisation:
    """New staff for the same institutions: ``people`` places spread in proportion to their size."""
    sizes = _sizes(rng, len(org.institutions), people)
    ordered = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    by_staff = sorted(range(len(org.institutions)), key=lambda i: -org.institutions[i].staff)
    result = list(org.institutions)
    for rank, index in enumerate(by_staff):
        inst = org.institutions[index]
        result[index] = Institution(
            inst.code, inst.name, inst.level, inst.region, sizes[ordered[rank]], inst.departments
        )
    return Organisation(result)


class IdNumbers:
    """Unique resident ID numbers with the GB 11643 check character, drawn for a city, birth date, gender."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def draw(self, region: int, born: date, male: bool) -> str:
        """A new ID number of the city ``region`` for a person born on ``born``."""
        prefix = CITIES[region][0][:4]
        while True:
            district = self.rng.randint(2, 15)
            sequence = self.rng.randrange(0, 999, 2) + (1 if male else 0)
            first17 = f"{prefix}{district:02d}{born:%Y%m%d}{sequence:03d}"
            if first17 not in self.seen:
                self.seen.add(first17)
                return first17 + check_character(first17)


def _family(title: str) -> str:
    for key in ("护", "药", "技", "研"):
        if key in title:
            return key
    return "医"


def _birth_date(rng: random.Random, status: str) -> date:
    if status == "退休":
        start, span = date(1950, 1, 1), 16 * 365
    else:
        start, span = date(1962, 1, 1), 38 * 365
    return start + timedelta(days=rng.randrange(span))


def people(
    rng: random.Random, org: Organisation, ids: IdNumbers, *, new_only: bool = False
) -> Iterator[dict]:
    """One person per staff place of every institution, as raw field values keyed like the import.

    Each dict holds the :data:`cme_platform.personnel.validation.LABELS` fields (typed: dates as
    :class:`date`) plus ``institution`` (index into ``org.institutions``) and ``department`` (name,
    or ``None`` for a few people without one). ``new_only`` gives everyone the active status, as new
    hires in an import file have.
    """
    titles, title_weights = list(TITLE_WEIGHTS), list(TITLE_WEIGHTS.values())
    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    this_year = date.today().year
    for index, inst in enumerate(org.institutions):
        for _ in range(inst.staff):
            title = rng.choices(titles, title_weights)[0]
            level = vocab.title_level(title)
            status = vocab.ACTIVE_STATUS if new_only else rng.choices(statuses, status_weights)[0]
            male = rng.random() < (0.15 if _family(title) == "护" else 0.55)
            born = _birth_date(rng, status)
            education, degree = rng.choice(_EDUCATION_BY_LEVEL[level])
            evaluated = None
            if title != vocab.NO_TITLE:
                evaluated = date(
                    rng.randint(max(born.year + 24, 1985), this_year - 1), rng.choice((6, 9, 12)), 1
                )
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            yield {
                "institution": index,
                "department": rng.choice(inst.departments) if rng.random() > 0.04 else None,
                "id_type": vocab.RESIDENT_ID,
                "id_number": ids.draw(inst.region, born, male),
                "name": rng.choice(SURNAMES) + given,
                "gender": "男" if male else "女",
                "birth_date": born,
                "ethnicity": "汉族"
                if rng.random() < 0.95
                else rng.choice(("回族", "满族", "蒙古族", "壮族")),
                "political_status": rng.choice(("中共党员", "群众", "群众", "共青团员")),
                "phone": f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
                "office_phone": "",
                "email": "",
                "ic_card": "",
                "title": title,
                "title_level": level,
                "specialty": rng.choice(_SPECIALTIES[_family(title)]) if title != vocab.NO_TITLE else "其他",
                "title_evaluated_on": evaluated,
                "title_appointed_year": evaluated.year + 1 if evaluated and rng.random() < 0.8 else None,
                "establishment": "在编" if rng.random() < 0.7 else "非在编",
                "status": status,
                "transfer_status": "调出" if status == "调出" else ("调入" if rng.random() < 0.02 else ""),
                "position": rng.choice(_POSITIONS) if rng.random() < 0.08 else "",
                "education": education,
                "degree": degree,
            }


CREDIT_VALUES: dict[int, float] = {
    50: 30,
    100: 30,
    150: 10,
    200: 12,
    300: 8,
    400: 4,
    500: 3,
    600: 1.5,
    800: 1,
    1000: 0.5,
}
"""Credits of one activity in hundredths (0.5–10) and how common each is: most are short lectures."""
CREDIT_STATUS_WEIGHTS: dict[str, float] = {
    "approved": 90,
    "draft": 3,
    "submitted": 3,
    "returned": 2,
    "rejected": 2,
}
"""Where the year's credit records stand: most approved (and in effect), the rest still moving or refused."""
_TOPICS = (
    "心血管疾病诊疗进展",
    "慢性阻塞性肺疾病规范化管理",
    "糖尿病综合管理",
    "急危重症救治",
    "院内感染防控",
    "临床合理用药",
    "围手术期护理",
    "医学影像诊断新技术",
    "肿瘤多学科诊疗",
    "基层全科医学实践",
    "儿童常见病诊治",
    "中医药适宜技术推广",
    "医患沟通与医学人文",
    "临床检验质量控制",
    "康复医学新进展",
)
_FORMS = ("学术会议", "培训班", "学习班", "讲座", "远程教育", "病例讨论会")
CREDIT_COLUMNS = (
    "tenant",
    "person",
    "institution",
    "department",
    "year",
    "activity_date",
    "activity_name",
    "activity_number",
    "category",
    "subcategory",
    "form",
    "hours",
    "credits",
    "issuer",
    "status",
    "effective_on",
    "submitted_at",
    "decided_at",
    "created_at",
    "updated_at",
    "idempotency_key",
)
"""The credit-record columns :class:`CreditMaker` fills, in the order of its tuples."""


@dataclass(frozen=True)
class CreditCategoryMix:
    """A credit category the generator draws, its subcategories and how common it is."""

    name: str
    subcategories: tuple[str, ...]
    weight: float


def category_mix(listed: list[tuple[str, tuple[str, ...]]], other: str) -> list[CreditCategoryMix]:
    """The province's categories (name, subcategories) weighted in their order, and 5% of ``other``.

    The first-listed category (the better one: I类, national projects) is the rarer: it gets 30%, the
    others share 65%.
    """
    if not listed:
        return [CreditCategoryMix(other, (), 1.0)]
    rest = 0.65 / max(1, len(listed) - 1)
    mix = [
        CreditCategoryMix(name, subs, 0.30 if index == 0 and len(listed) > 1 else rest)
        for index, (name, subs) in enumerate(listed)
    ]
    return [*mix, CreditCategoryMix(other, (), 0.05)]


class CreditMaker:
    """One year's credit records of a person: categories, amounts, dates and statuses drawn from ``rng``.

    Activity dates fall between 1 January and the end of the year or ``today``, whichever is earlier;
    approved records take effect 1–30 days after the activity, never after ``today``. Each person draws
    an activity level (0.3–1.6) that scales their credits, so some fall short of a yearly minimum.
    """

    def __init__(
        self,
        rng: random.Random,
        year: int,
        today: date,
        categories: list[CreditCategoryMix],
        issuers: list[str],
        now: datetime,
    ) -> None:
        self.rng = rng
        self.year = year
        self.today = today
        self.first = date(year, 1, 1)
        self.days = max(1, (min(date(year, 12, 31), today - timedelta(days=1)) - self.first).days + 1)
        self.categories = categories
        self.category_weights = [c.weight for c in categories]
        self.values, self.value_weights = list(CREDIT_VALUES), list(CREDIT_VALUES.values())
        self.statuses, self.status_weights = list(CREDIT_STATUS_WEIGHTS), list(CREDIT_STATUS_WEIGHTS.values())
        self.issuers = issuers
        self.now = now

    def records(
        self, tenant_id: int, person_id: int, institution_id: int, department_id: int | None, count: int
    ) -> Iterator[tuple]:
        """``count`` records of one person as tuples in :data:`CREDIT_COLUMNS` order."""
        rng = self.rng
        level = rng.uniform(0.3, 1.6)
        for index in range(count):
            category = rng.choices(self.categories, self.category_weights)[0]
            subcategory = rng.choice(category.subcategories) if category.subcategories else ""
            base = rng.choices(self.values, self.value_weights)[0]
            credits = min(1000, max(50, round(base * level / 50) * 50))
            activity = self.first + timedelta(days=rng.randrange(self.days))
            status = rng.choices(self.statuses, self.status_weights)[0]
            effective_on = None
            submitted_at = decided_at = None
            if status != "draft":
                submitted_at = datetime.combine(activity, time(9), UTC)
            if status in ("approved", "rejected", "returned"):
                decided = min(activity + timedelta(days=rng.randint(1, 30)), self.today)
                decided_at = datetime.combine(decided, time(10), UTC)
                effective_on = decided if status == "approved" else None
            form = rng.choice(_FORMS)
            yield (
                tenant_id,
                person_id,
                institution_id,
                department_id,
                self.year,
                activity,
                f"{rng.choice(_TOPICS)}{form}",
                f"{self.year}-{rng.randint(1, 20):02d}-{rng.randint(1, 99):02d}-{rng.randint(1, 300):03d}",
                category.name,
                subcategory,
                form,
                credits * rng.choice((2, 3, 3, 4)),
                credits,
                rng.choice(self.issuers),
                status,
                effective_on,
                submitted_at,
                decided_at,
                submitted_at or self.now,
                decided_at or submitted_at or self.now,
                f"bench:{person_id}:{index}",
            )
