"""Demo people: about a dozen per demo institution with their learner accounts, and the demo learner.

Names, ID numbers (valid GB 11643 numbers of area ``110101``, so of nobody real), titles across every
level and a few earlier years are derived from the institution's position and the person's index, so a
second load gives the same people. A demo person is recognised by the keyed hash of its ID number in the
whole tenant: people moved to another institution or department, renamed or deactivated since the last
load are left as they are and never registered twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cme_platform import pii
from cme_platform.identity.id_number import check_character
from cme_platform.personnel import vocab
from cme_platform.personnel.account_link import create_learner_account
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person, PersonYear
from cme_platform.personnel.validation import parse_resident_id

PEOPLE_PER_INSTITUTION = 12
_AREA = "110101"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
_GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "文静", "海燕", "志强", "丹", "慧", "宇",
)  # fmt: skip
_TITLES = (
    "主任医师", "副主任医师", "主治医师", "医师", "主管护师", "护师",
    "护士", "副主任护师", "主管药师", "药师", "主管技师", "技师",
)  # fmt: skip
_SPECIALTIES = ("内科学", "外科学", "护理学", "药学", "医学检验", "妇产科学", "儿科学", "医学影像")


def resident_id(born: date, sequence: int, area: str = _AREA) -> str:
    """A well-formed resident ID number (GB 11643 check character); an odd ``sequence`` is male."""
    first17 = f"{area}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)


def _department(department_ids: list[int], index: int) -> int | None:
    """The department of a place's ``index``-th demo person (``None`` when the institution has none)."""
    return department_ids[index % len(department_ids)] if department_ids else None


def _person_values(place: int, index: int, institution_id: int, department_id: int | None) -> dict[str, Any]:
    serial = place * PEOPLE_PER_INSTITUTION + index
    born = date(1962, 1, 1) + timedelta(days=(serial * 397) % 12_000)
    number = resident_id(born, serial)
    _, gender = parse_resident_id(number)
    title = _TITLES[serial % len(_TITLES)]
    return {
        **document_columns(number),
        "name": _SURNAMES[(serial * 7) % len(_SURNAMES)] + _GIVEN[(serial * 11) % len(_GIVEN)],
        "gender": gender,
        "birth_date": born,
        "phone": f"1380{place % 1000:03d}{index:04d}",
        "ic_card": f"9{serial:08d}",  # the IC card of card sign-in and the person picker's 卡号
        "institution": institution_id,
        "department": department_id,
        "title": title,
        "title_level": vocab.title_level(title),
        "specialty": _SPECIALTIES[serial % len(_SPECIALTIES)],
        "title_evaluated_on": date(2010 + serial % 14, 1 + serial % 12, 1),
        "establishment": vocab.ESTABLISHMENTS[int(serial % 5 == 4)],
        "status": vocab.STATUSES[1] if serial % 11 == 10 else vocab.ACTIVE_STATUS,
    }


def _years(person_id: int, values: dict[str, Any], index: int) -> list[PersonYear]:
    """The current year's entry and, for some people, one or two earlier years."""
    this_year = date.today().year
    earlier = 2 if index % 4 == 0 else 1 if index % 3 == 0 else 0
    return [
        PersonYear(
            person=person_id,
            year=this_year - back,
            title=values["title"],
            title_level=values["title_level"],
            title_evaluated_on=values["title_evaluated_on"],
            status=values["status"] if back == 0 else vocab.ACTIVE_STATUS,
            institution=values["institution"],
        )
        for back in range(earlier + 1)
    ]


async def load_demo_people(places: list[tuple[int, list[int]]]) -> int:
    """The demo people of each ``(institution id, department ids)`` not registered yet; returns how many.

    Existing people are found by their ID number's keyed hash within the tenant, wherever they work now.
    """
    added = 0
    for place, (institution_id, department_ids) in enumerate(places):
        wanted = [
            (index, _person_values(place, index, institution_id, _department(department_ids, index)))
            for index in range(PEOPLE_PER_INSTITUTION)
        ]
        hashes = [values["id_hash"] for _, values in wanted]
        known = {
            row["id_hash"] for row in await Person.select(Person.id_hash).where(Person.id_hash.is_in(hashes))
        }
        missing = [(index, values) for index, values in wanted if values["id_hash"] not in known]
        numbers = await reserve_person_numbers(len(missing))
        for (index, values), person_number in zip(missing, numbers, strict=True):
            person = Person(None, person_number=person_number, **values)
            await person.save()
            await PersonYear.insert(*_years(int(person.id), values, index))
            name, phone, department = values["name"], values["phone"], values["department"]
            await create_learner_account(
                int(person.id), person_number, name, phone, institution_id, department
            )
        added += len(missing)
    return added


async def ensure_demo_learner(
    id_number: str, name: str, phone: str, institution_id: int, department_id: int | None
) -> None:
    """Register the demo learner as a person with the linked learner account, unless already there."""
    if await Person.exists().where(Person.id_hash == pii.lookup_hash(id_number)):
        return
    born, gender = parse_resident_id(id_number)
    person_number = (await reserve_person_numbers(1))[0]
    values: dict[str, Any] = {
        **document_columns(id_number),
        "name": name,
        "gender": gender,
        "birth_date": born,
        "phone": phone,
        "institution": institution_id,
        "department": department_id,
        "title": "主治医师",
        "title_level": vocab.title_level("主治医师"),
        "specialty": "内科学",
        "title_evaluated_on": date(2018, 9, 1),
    }
    person = Person(None, person_number=person_number, **values)
    await person.save()
    await PersonYear.insert(*_years(int(person.id), {**values, "status": vocab.ACTIVE_STATUS}, 0))
    await create_learner_account(int(person.id), person_number, name, phone, institution_id, department_id)
