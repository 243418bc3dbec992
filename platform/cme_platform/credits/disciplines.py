"""The discipline catalogue of credit records (学科: 二级学科 → 三级学科) the platform ships.

Modelled on the national subject classification of medicine (GB/T 13745, 医学 chapters) as CME credit
forms use it: every 二级学科 ends with its ``…其它学科`` entry, and ``其他`` holds what fits nowhere.
"""

from __future__ import annotations

from cme_platform.tenancy.context import TenantContext

DISCIPLINES: dict[str, tuple[str, ...]] = {
    "基础医学": (
        "人体解剖学", "组织胚胎学", "生理学", "生物化学与分子生物学", "医学微生物学", "人体寄生虫学",
        "医学免疫学", "病理学与病理生理学", "药理学", "医学遗传学", "基础医学其它学科",
    ),
    "临床内科学": (
        "心血管病学", "呼吸病学", "消化病学", "血液病学", "肾脏病学", "内分泌学与代谢病学",
        "风湿病学", "感染病学", "神经病学", "精神病学", "老年医学", "肿瘤内科学", "临床内科学其它学科",
    ),
    "临床外科学": (
        "普通外科学", "骨外科学", "泌尿外科学", "胸心外科学", "神经外科学", "整形外科学",
        "烧伤外科学", "麻醉学", "器官移植学", "肿瘤外科学", "临床外科学其它学科",
    ),
    "妇产科学": ("妇科学", "产科学", "生殖医学", "计划生育", "妇产科学其它学科"),
    "儿科学": ("新生儿学", "小儿内科学", "小儿外科学", "儿童保健学", "儿科学其它学科"),
    "眼科学与耳鼻咽喉科学": ("眼科学", "耳鼻咽喉科学", "眼科学与耳鼻咽喉科学其它学科"),
    "皮肤病学与性病学": ("皮肤病学", "性病学", "皮肤病学与性病学其它学科"),
    "口腔医学": (
        "口腔内科学", "口腔颌面外科学", "口腔修复学", "口腔正畸学", "口腔预防医学", "口腔医学其它学科",
    ),
    "急诊医学": ("院前急救", "急诊内科", "重症医学", "中毒与救治", "急诊医学其它学科"),
    "全科医学": ("社区卫生服务", "家庭医学", "慢性病管理", "全科医学其它学科"),
    "康复医学": ("物理治疗学", "作业治疗学", "言语治疗学", "康复工程", "康复医学其它学科"),
    "医学影像学": ("放射诊断学", "超声医学", "核医学", "介入放射学", "放射治疗学", "医学影像学其它学科"),
    "临床检验诊断学": (
        "临床生物化学检验", "临床微生物学检验", "临床免疫学检验", "临床血液学检验", "输血医学",
        "临床检验诊断学其它学科",
    ),
    "护理学": (
        "基础护理学", "内科护理学", "外科护理学", "妇产科护理学", "儿科护理学", "急危重症护理学",
        "社区护理学", "护理管理学", "护理学其它学科",
    ),
    "药学": ("药物化学", "药剂学", "临床药学", "药物分析学", "中药学", "药事管理学", "药学其它学科"),
    "中医学": (
        "中医基础理论", "中医内科学", "中医外科学", "中医妇科学", "中医儿科学", "针灸推拿学",
        "中西医结合医学", "中医学其它学科",
    ),
    "公共卫生与预防医学": (
        "流行病学", "卫生统计学", "营养与食品卫生学", "职业卫生与职业病学", "环境卫生学",
        "妇幼保健学", "传染病预防控制", "健康教育与健康促进", "公共卫生与预防医学其它学科",
    ),
    "医学教育与卫生管理": (
        "医学教育学", "卫生事业管理", "医院管理", "卫生法学", "医学伦理学", "医学教育与卫生管理其它学科",
    ),
    "医学心理学": ("临床心理学", "心理咨询与治疗", "医学心理学其它学科"),
    "其他": ("其它",),
}  # fmt: skip
"""二级学科 in form order, each with its 三级学科."""


def discipline_tree(tenant: TenantContext) -> dict[str, list[str]]:
    """The catalogue with the tenant file's additions (二级学科 → [三级学科]), as forms offer it.

    A tenant's ``[disciplines]`` adds 三级学科 to a shipped 二级学科 (before its ``…其它学科`` entry) or
    adds a new 二级学科 (before ``其他``); nothing shipped is ever removed.
    """
    tree = {name: list(children) for name, children in DISCIPLINES.items()}
    for name, additions in tenant.disciplines.items():
        children = tree.get(name)
        if children is None:
            tree[name] = list(additions)
            continue
        rest = [child for child in additions if child not in children]
        catch_all = len(children) - 1 if children and children[-1].endswith("其它学科") else len(children)
        children[catch_all:catch_all] = rest
    if "其他" in tree:
        tree["其他"] = tree.pop("其他")
    return tree


def check_discipline(tenant: TenantContext, discipline: str, subdiscipline: str) -> str | None:
    """Why the pair is not in the tenant's catalogue (Chinese), or ``None`` when it is (both may be blank)."""
    if not discipline:
        return "请先选择二级学科" if subdiscipline else None
    children = discipline_tree(tenant).get(discipline)
    if children is None:
        return f"没有“{discipline}”这个学科"
    if subdiscipline and subdiscipline not in children:
        return f"“{subdiscipline}”不属于{discipline}"
    return None
