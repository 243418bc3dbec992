"""Issuing, listing, verifying and withdrawing certificates.

A certificate is issued in the transaction that grants its credit (the commission's approval of an
attendee list), with a snapshot of what it certifies, a random number in the province's scheme and the
seal its QR code carries. Verification reads the seal, checks its signature with the tenant's own key,
and then answers with the stored record and its live state: valid, revoked, or replaced by a corrected
certificate. Nothing else about anyone can be learnt from the verification: it needs a signed seal.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import pluggy

from cme_platform import clock, pii
from cme_platform.audit.service import record
from cme_platform.certificates.policy import CertificatePolicy
from cme_platform.certificates.schemas import (
    CertificateFacts,
    CertificateOut,
    VerificationOut,
    WithdrawIn,
)
from cme_platform.certificates.seal import (
    FORGED,
    KEY_ID,
    MESSAGES,
    SealedRecord,
    SealError,
    jwks,
    name_hash,
    read_seal,
    seal,
    verify_with,
)
from cme_platform.certificates.tables import Certificate
from cme_platform.credits.status import effective_clause
from cme_platform.credits.tables import CreditRecord
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.projects.tables import AttendeeEntry, ProjectRun
from cme_platform.tenancy.scope import current_tenant

VERIFY_PATH = "/v/"
"""Where a certificate's QR code leads, inside the tenant's address: ``/v/<seal>``."""
STATUS_LABELS = {"valid": "有效", "revoked": "已撤销", "replaced": "已更正重发"}
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O or U to misread
NOT_FOUND = "证书不存在"
OTHER_ISSUER = "该证书不是本平台此发证机构签发的，请到发证机构的平台查验"


class VerificationRefused(InvalidInput):
    """A seal that does not verify: malformed or forged (400; the code says which)."""


def certificate_policy(pm: pluggy.PluginManager) -> CertificatePolicy:
    """The active tenant's certificate layout and number scheme."""
    policy: CertificatePolicy = tenant_hooks(pm, current_tenant()).cme_certificate_policy()
    return policy


def lookup_key(project_number: str, name: str) -> str:
    """The keyed hash 学员证书查询 finds a certificate by: the project's number and the holder's name, each
    without spaces and in upper case, length-prefixed so that no other pair gives the same text."""
    number, holder = pii.normalize_document(project_number), pii.normalize_document(name)
    return pii.lookup_hash(f"{len(number)}:{number}{holder}")


def new_number(prefix: str, year: int) -> str:
    """A fresh number: the prefix, the year and 50 random bits as ten base32 characters in groups of four,
    four and two (``ZJ2026-4KQ8-M2XD-7P``), so a number says nothing about its neighbours (the unique
    index refuses the astronomically rare repeat)."""
    value = secrets.randbits(50)
    chars = "".join(_ALPHABET[(value >> shift) & 31] for shift in range(45, -5, -5))
    return f"{prefix}{year}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


async def _runs(run_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The runs ``run_ids`` with what a certificate says of their project, by id."""
    rows = await ProjectRun.select(
        ProjectRun.id,
        ProjectRun.seq,
        ProjectRun.starts_on,
        ProjectRun.ends_on,
        ProjectRun.project.name.as_alias("name"),
        ProjectRun.project.number.as_alias("number"),
        ProjectRun.project.level.as_alias("level"),
        ProjectRun.project._.institution._.name.as_alias("organiser"),
    ).where(ProjectRun.id.is_in(list(run_ids) or [0]))
    return {r["id"]: r for r in rows}


async def _facts(
    policy: CertificatePolicy, record_ids: Sequence[int]
) -> dict[int, tuple[dict[str, Any], CertificateFacts]]:
    """The certificate text of each credit record of ``record_ids`` as it stands now, by record id."""
    records = await CreditRecord.select(
        CreditRecord.id,
        CreditRecord.person,
        CreditRecord.year,
        CreditRecord.activity_date,
        CreditRecord.activity_name,
        CreditRecord.activity_number,
        CreditRecord.category,
        CreditRecord.credits,
        CreditRecord.hours,
        CreditRecord.issuer,
        CreditRecord.source_type,
        CreditRecord.source_id,
        CreditRecord.person.name.as_alias("holder_name"),
        CreditRecord.person.gender.as_alias("gender"),
        CreditRecord.person.id_masked.as_alias("id_masked"),
    ).where(CreditRecord.id.is_in(list(record_ids) or [0]))
    runs = await _runs([r["source_id"] for r in records if r["source_type"] == "project_run"])
    return {
        row["id"]: (
            row,
            _text(policy, row, runs.get(row["source_id"]) if row["source_type"] == "project_run" else None),
        )
        for row in records
    }


def _text(
    policy: CertificatePolicy, row: Mapping[str, Any], run: Mapping[str, Any] | None
) -> CertificateFacts:
    """What a certificate says of the holder and credit of ``row`` (``holder_name``, ``gender``,
    ``id_masked``, ``activity_*``, ``issuer``, ``category``, ``credits``, ``hours``), at the project's
    ``run`` when it comes from one."""
    return CertificateFacts(
        holder_name=row["holder_name"],
        gender=row["gender"],
        id_masked=row["id_masked"],
        project_number=run["number"] or "" if run else row["activity_number"],
        project_name=run["name"] if run else row["activity_name"],
        activity_name=row["activity_name"],
        organiser=run["organiser"] if run else row["issuer"],
        starts_on=run["starts_on"] if run else row["activity_date"],
        ends_on=run["ends_on"] if run else row["activity_date"],
        level=run["level"] if run else "",
        category=row["category"],
        credits=row["credits"],
        hours=row["hours"],
        issuer=policy.issuer or current_tenant().name,
        title=policy.title,
    )


ISSUE_BATCH = 1_000
"""Certificates inserted per statement (a run's grant may issue thousands)."""


async def issue_for_credits(pm: pluggy.PluginManager, secret: str, record_ids: Sequence[int]) -> list[int]:
    """Issue a certificate for each credit record of ``record_ids`` that has no valid one yet (in the
    caller's transaction, or one of its own); returns the new certificates' ids."""
    policy = certificate_policy(pm)
    async with write_transaction(Certificate):
        held = {
            r["credit"]
            for r in await Certificate.select(Certificate.credit).where(
                Certificate.credit.is_in(list(record_ids) or [0]) & (Certificate.status == "valid")
            )
        }
        facts = await _facts(policy, [r for r in record_ids if r not in held])
        certificates = [
            _certificate(
                secret,
                policy,
                text,
                year=row["year"],
                source=("credit", row["id"]),
                person=row["person"],
                credit=row["id"],
            )
            for row, text in facts.values()
        ]
        return await _inserted(certificates)


async def _inserted(certificates: list[Certificate]) -> list[int]:
    """Insert ``certificates`` (:data:`ISSUE_BATCH` a statement); their ids."""
    issued: list[int] = []
    for start in range(0, len(certificates), ISSUE_BATCH):
        rows = await Certificate.insert(*certificates[start : start + ISSUE_BATCH]).returning(Certificate.id)
        issued.extend(int(r["id"]) for r in rows)
    return issued


EXTERNAL = "attendee_entry"
"""The ``source_type`` of an external attendee's certificate (its ``source_id`` is his list entry)."""


async def issue_for_entries(
    pm: pluggy.PluginManager, secret: str, entry_ids: Sequence[int], *, category: str, credits: int
) -> list[int]:
    """Issue a certificate for each granted external attendee (现场登记, outside the registry: no credit
    record) of the list entries ``entry_ids`` that has no valid one yet, certifying ``credits`` of
    ``category``; returns the new certificates' ids. In the caller's transaction, or one of its own."""
    policy = certificate_policy(pm)
    async with write_transaction(Certificate):
        held = {
            r["source_id"]
            for r in await Certificate.select(Certificate.source_id).where(
                (Certificate.source_type == EXTERNAL)
                & Certificate.source_id.is_in(list(entry_ids) or [0])
                & (Certificate.status == "valid")
            )
        }
        entries = await AttendeeEntry.select(
            AttendeeEntry.id,
            AttendeeEntry.external,
            AttendeeEntry.hours,
            AttendeeEntry.attendee_list.run.as_alias("run"),
            AttendeeEntry.external.name.as_alias("holder_name"),
            AttendeeEntry.external.gender.as_alias("gender"),
            AttendeeEntry.external.id_masked.as_alias("id_masked"),
        ).where(
            AttendeeEntry.id.is_in([e for e in entry_ids if e not in held] or [0])
            & AttendeeEntry.external.is_not_null()
            & AttendeeEntry.granted_at.is_not_null()
        )
        runs = await _runs([e["run"] for e in entries])
        certificates = []
        for entry in entries:
            run = runs[entry["run"]]
            granted = {
                "activity_name": f"{run['name']} 第{run['seq']}期",
                "category": category,
                "credits": credits,
            }
            certificates.append(
                _certificate(
                    secret,
                    policy,
                    _text(policy, {**entry, **granted}, run),
                    year=run["ends_on"].year,
                    source=(EXTERNAL, entry["id"]),
                    external=entry["external"],
                )
            )
        return await _inserted(certificates)


def _certificate(
    secret: str,
    policy: CertificatePolicy,
    facts: CertificateFacts,
    *,
    year: int,
    source: tuple[str, int],
    person: int | None = None,
    credit: int | None = None,
    external: int | None = None,
) -> Certificate:
    """The certificate of ``source`` (its type and id) saying ``facts`` for its holder (a ``person`` and
    his ``credit``, or an ``external`` attendee): its number, look-up key and seal."""
    issued_on = clock.today()
    number = new_number(policy.number_prefix, year)
    sealed = SealedRecord(
        issuer=current_tenant().slug,
        key_id=KEY_ID,
        number=number,
        name_hash=name_hash(facts.holder_name),
        credits=facts.credits,
        category=facts.category,
        issued_on=issued_on,
    )
    return Certificate(
        number=number,
        person=person,
        external=external,
        credit=credit,
        source_type=source[0],
        source_id=source[1],
        year=year,
        snapshot=msgspec.to_builtins(facts),
        lookup_key=lookup_key(facts.project_number, facts.holder_name),
        seal=seal(secret, sealed),
        issued_on=issued_on,
    )


def certificate_out(row: dict[str, Any]) -> CertificateOut:
    """A certificate row (:data:`COLUMNS`) as the API and the pages show it."""
    return CertificateOut(
        id=row["id"],
        number=row["number"],
        status=row["status"],
        status_label=STATUS_LABELS[row["status"]],
        issued_on=row["issued_on"],
        facts=msgspec.convert(row["snapshot"], CertificateFacts),
        verify_path=VERIFY_PATH + row["seal"],
        revoked_at=row["revoked_at"],
        revoked_reason=row["revoked_reason"],
        replaced_by_number=row["replaced_by"],
    )


COLUMNS = (  # what certificate_out() reads
    Certificate.id,
    Certificate.number,
    Certificate.status,
    Certificate.issued_on,
    Certificate.snapshot,
    Certificate.seal,
    Certificate.revoked_at,
    Certificate.revoked_reason,
    Certificate.replaced_by,
    Certificate.person,
    Certificate.credit,
)


async def holder_certificates(principal: Principal) -> list[CertificateOut]:
    """The signed-in learner's own certificates, newest first (none for an account without a person)."""
    if principal.person_id is None:
        return []
    rows = await (
        Certificate.select(*COLUMNS)
        .where(Certificate.person == principal.person_id)
        .order_by(Certificate.issued_at, ascending=False)
        .order_by(Certificate.id, ascending=False)
        .output(load_json=True)
    )
    return [certificate_out(row) for row in rows]


async def holder_certificate(principal: Principal, certificate_id: int) -> CertificateOut:
    """One of the learner's own certificates (404 for anyone else's)."""
    row = await _row(Certificate.id == certificate_id)
    if row is None or principal.person_id is None or row["person"] != principal.person_id:
        raise NotFound(NOT_FOUND)
    return certificate_out(row)


async def _row(where: Any) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await Certificate.select(*COLUMNS).where(where).output(load_json=True).first()
    )
    return row


async def certificate_by_number(number: str) -> CertificateOut:
    """A certificate of the tenant by its number (the commission's look-up)."""
    row = await _row(Certificate.number == number.strip().upper())
    if row is None:
        raise NotFound(NOT_FOUND)
    return certificate_out(row)


def check_lookup_offered(pm: pluggy.PluginManager) -> None:
    """404 where the province does not offer 学员证书查询."""
    if not certificate_policy(pm).public_lookup:
        raise NotFound("本省未开放学员证书查询")


async def lookup(pm: pluggy.PluginManager, project_number: str, name: str) -> list[CertificateOut]:
    """学员证书查询: the certificates of the project numbered ``project_number`` held by ``name``, both
    exactly (spaces and case aside), where the province offers it (404 elsewhere). A wrong number or name
    finds nothing and says nothing about which was wrong."""
    check_lookup_offered(pm)
    if not project_number.strip() or not name.strip():
        return []
    rows = await (
        Certificate.select(*COLUMNS)
        .where(Certificate.lookup_key == lookup_key(project_number, name))
        .order_by(Certificate.issued_at, ascending=False)
        .output(load_json=True)
    )
    return [certificate_out(row) for row in rows]


async def sealed_certificate(secret: str, text: str) -> CertificateOut:
    """The certificate whose seal is ``text`` (checked as :func:`verify` checks it), to print."""
    _checked_seal(secret, text)
    row = await _row(Certificate.seal == text)
    if row is None:  # signed with this tenant's key but never issued: a leaked key at worst
        raise VerificationRefused(MESSAGES[FORGED], code=FORGED)
    return certificate_out(row)


def _checked_seal(secret: str, text: str) -> SealedRecord:
    """The record of ``text`` when it is a seal of the active tenant with a good signature; raises
    :class:`VerificationRefused` otherwise, and :class:`NotFound` for another issuer's seal (never looked
    up here: it is verified where it was issued)."""
    tenant = current_tenant()
    try:
        issuer = read_seal(text)[0].issuer
        if issuer != tenant.slug:
            raise NotFound(OTHER_ISSUER)
        sealed = verify_with(text, jwks(secret, tenant.slug))
    except SealError as exc:
        raise VerificationRefused(str(exc), code=exc.reason) from None
    return sealed


async def verify(secret: str, text: str) -> VerificationOut:
    """The whole record and live state of the certificate whose seal is ``text``."""
    out = await sealed_certificate(secret, text)
    messages = {
        "valid": "证书有效：以下为发证机构登记的证书信息",
        "revoked": f"该证书已于 {clock.china_time(out.revoked_at, '%Y-%m-%d')} 撤销，不再有效",
        "replaced": f"该证书已更正重发，请以新证书 {out.replaced_by_number} 为准",
    }
    return VerificationOut(
        number=out.number,
        status=out.status,
        status_label=out.status_label,
        message=messages[out.status],
        issued_on=out.issued_on,
        facts=out.facts,
        revoked_at=out.revoked_at,
        revoked_reason=out.revoked_reason,
        replaced_by_number=out.replaced_by_number,
    )


async def _reissue(pm: pluggy.PluginManager, secret: str, row: dict[str, Any]) -> list[int]:
    """A revoked certificate's corrected successor, from its credit (or its external attendee's entry,
    with the category and credits it certified) as they stand now."""
    if row["source_type"] == EXTERNAL:
        old = row["snapshot"]
        return await issue_for_entries(
            pm, secret, [row["source_id"]], category=old["category"], credits=old["credits"]
        )
    return await issue_for_credits(pm, secret, [row["credit"]])


async def withdraw(
    pm: pluggy.PluginManager, secret: str, principal: Principal, certificate_id: int, data: WithdrawIn
) -> CertificateOut:
    """Revoke a valid certificate (the commission), or revoke it and issue a corrected one from its credit
    as it stands now, which the old one then points to; audited. Returns the certificate withdrawn."""
    reason = data.reason.strip()
    if not 2 <= len(reason) <= 200:
        raise InvalidInput("请填写撤销原因（2–200 字）")
    async with write_transaction(Certificate):
        row = (
            await Certificate.select(
                Certificate.id,
                Certificate.status,
                Certificate.credit,
                Certificate.number,
                Certificate.source_type,
                Certificate.source_id,
                Certificate.snapshot,
            )
            .output(load_json=True)
            .where(Certificate.id == certificate_id)
            .first()
        )
        if row is None:
            raise NotFound(NOT_FOUND)
        changed = (
            await Certificate.update(
                {
                    Certificate.status: "revoked",
                    Certificate.revoked_at: datetime.now(UTC),
                    Certificate.revoked_by: principal.account_id,
                    Certificate.revoked_reason: reason,
                }
            )
            .where((Certificate.id == certificate_id) & (Certificate.status == "valid"))
            .returning(Certificate.id)
        )
        if not changed:
            raise Conflict("该证书已撤销")
        replacement = ""
        if data.replace and (row["credit"] is not None or row["source_type"] == EXTERNAL):
            [issued] = await _reissue(pm, secret, row)
            new = await Certificate.select(Certificate.number).where(Certificate.id == issued).first()
            assert new is not None  # issued just now
            replacement = new["number"]
            await Certificate.update(
                {Certificate.status: "replaced", Certificate.replaced_by: replacement}
            ).where(Certificate.id == certificate_id)
        await record(
            "certificates.replace" if replacement else "certificates.revoke",
            object_type="certificates_certificate",
            object_id=certificate_id,
            summary=f"{'更正重发' if replacement else '撤销'}证书 {row['number']}：{reason}",
            after={"reason": reason, "replaced_by": replacement},
        )
    result = await _row(Certificate.id == certificate_id)
    assert result is not None
    return certificate_out(result)


MAX_SELECTED = 200
"""The most credits one export of certificates names."""


async def own_credit_certificates(
    pm: pluggy.PluginManager, secret: str, principal: Principal, credit_ids: Sequence[int]
) -> list[CertificateOut]:
    """导出学分证书 (where the province offers it): the certificates of the learner's own effective credits
    among ``credit_ids``, issued now where a credit has none; in the order given. 404 when none of them
    is an effective credit of his; audited when certificates are issued."""
    if not certificate_policy(pm).credit_certificates:
        raise NotFound("本省未开通学分证书导出")
    ids = list(dict.fromkeys(credit_ids))[:MAX_SELECTED]
    mine = await CreditRecord.select(CreditRecord.id).where(
        CreditRecord.id.is_in(ids or [0])
        & (CreditRecord.person == (principal.person_id or 0))
        & effective_clause(clock.today())
    )
    eligible = [r["id"] for r in mine]
    if not eligible:
        raise NotFound("请选择本人已生效的学分")
    async with write_transaction(Certificate):
        issued = await issue_for_credits(pm, secret, eligible)
        if issued:
            await record(
                "certificates.issue_own",
                object_type="person",
                object_id=principal.person_id,
                summary=f"导出学分证书：新生成 {len(issued)} 张",
                after={"certificate_ids": issued},
            )
    rows = await (
        Certificate.select(*COLUMNS)
        .where(Certificate.credit.is_in(eligible) & (Certificate.status == "valid"))
        .output(load_json=True)
    )
    by_credit = {row["credit"]: certificate_out(row) for row in rows}
    return [by_credit[i] for i in ids if i in by_credit]
