"""The personnel foundation: ID numbers protected at rest, validation of a person, person numbers."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from cme_platform import pii
from cme_platform.identity.id_number import check_character
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.tables import PersonNumberCounter
from cme_platform.personnel.validation import ResidentIdError, clean_person, parse_resident_id
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import scope

VALID_ID = "110105199003071239"
BASE = {
    "id_number": VALID_ID,
    "name": "张三",
    "title": "主治医师",
    "specialty": "内科学",
    "establishment": "在编",
    "status": "正常",
    "phone": "13900000001",
}


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


def _problems(**changes: object) -> dict[str, str]:
    _, errors = clean_person({**BASE, **changes})
    return {e.field: e.message for e in errors}


def test_seal_hides_the_number_and_opens_again() -> None:
    first, second = pii.seal(VALID_ID), pii.seal(VALID_ID)
    assert first != second and VALID_ID not in first and "199003" not in first
    assert pii.unseal(first) == pii.unseal(second) == VALID_ID


def test_unseal_refuses_tampered_or_foreign_values() -> None:
    sealed = pii.seal(VALID_ID)
    body = sealed.split(":", 1)[1]
    tampered = f"v1:{body[:-4]}{'AAAA' if body[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(pii.UnsealError):
        pii.unseal(tampered)
    with pytest.raises(pii.UnsealError):
        pii.unseal("plain text")


def test_lookup_hash_is_keyed_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    digest = pii.lookup_hash("11010519900307123x")
    assert digest == pii.lookup_hash(" 11010519900307123X ") and len(digest) == 64
    monkeypatch.setattr("cme_platform.pii.get_settings", lambda: _settings_with_key("another key"))
    assert pii.lookup_hash("11010519900307123X") != digest


def _settings_with_key(key: str):  # type: ignore[no-untyped-def]
    import msgspec

    return msgspec.structs.replace(get_settings(), pii_key=key)


def test_masks() -> None:
    assert pii.mask_document("320102198001011234") == "320*****34"
    assert pii.mask_phone("13900000001") == "139****0001"
    assert pii.mask_phone("") == ""


def test_resident_id_parts_and_errors() -> None:
    assert parse_resident_id(VALID_ID) == (date(1990, 3, 7), "男")
    female = _with_check("11010519900307124")
    assert parse_resident_id(female)[1] == "女"
    with pytest.raises(ResidentIdError, match="校验位"):
        parse_resident_id(VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"))
    with pytest.raises(ResidentIdError, match="出生日期不存在"):
        parse_resident_id(_with_check("11010519900230123"))
    with pytest.raises(ResidentIdError, match="18位"):
        parse_resident_id("1101051990030712")


def test_clean_person_derives_and_cross_checks() -> None:
    values, errors = clean_person(BASE)
    assert errors == []
    assert values["gender"] == "男" and values["birth_date"] == date(1990, 3, 7)
    assert values["title_level"] == "中级"
    assert "gender" in _problems(gender="女")
    assert "birth_date" in _problems(birth_date="1990-03-08")
    assert "title" in _problems(title="院长")
    assert "phone" in _problems(phone="12345")
    assert _problems(id_type="护照", id_number="E12345678", gender="女") == {}
    assert "gender" in _problems(id_type="护照", id_number="E12345678")
    assert "id_number" in _problems(id_type="护照", id_number="E1")


def test_clean_person_reads_spreadsheet_values() -> None:
    values, errors = clean_person(
        {**BASE, "title_evaluated_on": "2020/7/1", "title_appointed_year": 2021.0, "phone": 13900000001.0}
    )
    assert errors == []
    assert values["title_evaluated_on"] == date(2020, 7, 1)
    assert values["title_appointed_year"] == 2021 and values["phone"] == "13900000001"
    assert clean_person({**BASE, "title_appointed_year": "未聘任"})[0]["title_appointed_year"] is None


def test_partial_edit_checks_only_given_fields() -> None:
    assert clean_person({"phone": "13900000002"}, partial=True)[1] == []
    assert clean_person({"name": ""}, partial=True)[1] == []


@pytest.mark.db
async def test_person_numbers_are_unique_under_concurrency(tenant_factory) -> None:  # type: ignore[no-untyped-def]
    tenant, other = await tenant_factory(slug="numbers"), await tenant_factory(slug="numbers2")

    async def reserve(count: int) -> list[str]:
        with scope(tenant):
            async with PersonNumberCounter._meta.db.transaction():
                return await reserve_person_numbers(count)

    batches = await asyncio.gather(*(reserve(n) for n in (1, 5, 3, 1, 10)))
    numbers = [n for batch in batches for n in batch]
    assert len(numbers) == len(set(numbers)) == 20
    assert sorted(numbers) == [f"82{v:08d}" for v in range(1, 21)]
    with scope(other):
        assert await reserve_person_numbers(2) == ["8200000001", "8200000002"]
