"""外省学分认可: a learner submits another province's electronic credit certificate; it becomes a credit
record of this province once this province's approval chain accepts it.

The learner gives the certificate's QR content (the verification address, or the seal alone) or its PDF,
whose QR code is read from the page. The seal names its issuer:

- a tenant of this platform: the issuer's own verification answers (signature, then live state);
- an issuer of another platform the tenant file trusts (``[[recognition.trusted]]``): its seal is checked
  with the keys its site publishes (``/.well-known/jwks.json``), its live state and record come from its
  public verification, and the record must say what the signed seal says.

A forged or altered seal, an unknown issuer, a revoked or replaced certificate, a certificate of someone
else (the seal carries a hash of the holder's name) or one already submitted is refused with the reason;
nothing is stored. A valid one is posted to the ledger as a draft (source ``recognition``, its category
mapped by ``cme_recognised_category``) and sent into the chain of kind ``credit.recognition``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import msgspec
import pluggy

from cme_platform import ratelimit
from cme_platform.approvals.chains import Chain, ChainStep
from cme_platform.audit.service import record
from cme_platform.certificates import service
from cme_platform.certificates.schemas import CertificateFacts, VerificationOut
from cme_platform.certificates.seal import (
    MAX_SEAL,
    UNKNOWN_KEY,
    SealedRecord,
    SealError,
    name_hash,
    read_seal,
    verify_with,
)
from cme_platform.certificates.tables import Recognition
from cme_platform.credits.ledger import Posting, post
from cme_platform.credits.queries import record_row
from cme_platform.credits.review import open_review
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.status import CreditStatus
from cme_platform.credits.tables import CreditEvidence
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, InvalidInput, NotFound, TooManyRequests, Unavailable
from cme_platform.files.service import get_file
from cme_platform.files.storage import fetch_to_temp, storage_for
from cme_platform.identity.principal import Principal
from cme_platform.personnel.tables import Person
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.qr import pdf_qr_texts
from cme_platform.settings import Settings
from cme_platform.tenancy.registry import tenant_from_row
from cme_platform.tenancy.scope import current_tenant, scope
from cme_platform.tenancy.tables import Tenant

RECOGNITION_CHAIN = Chain(
    code="core.recognition",
    name="外省学分认可",
    steps=(
        ChainStep(role="institution_admin", label="单位审核", when_missing="escalate"),
        ChainStep(role="commission_admin", label="继教委认可"),
    ),
)
"""The core's chain for a recognised certificate: the learner's institution checks it, the commission
recognises it (a province replaces it through ``cme_approval_chain`` for ``credit.recognition``)."""

SEAL_IN_CODE = re.compile(r"(?:^|/v/)([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(?:[?#].*)?$")
"""A seal alone, or the end of a verification address (``…/v/<seal>``)."""
ATTEMPTS, WINDOW = 20, timedelta(hours=1)
"""Recognitions one account may try per hour (each may ask another platform)."""
REMOTE_TIMEOUT, KEYS_SECONDS, MAX_ANSWER = 5.0, 600.0, 64 * 1024
_keys_cache: dict[str, tuple[float, dict[str, Any]]] = {}


class RecognitionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A certificate to recognise: its QR content (the address the code opens, or the seal), or the id
    of its PDF uploaded by the learner (``purpose=evidence``; kept as the credit's evidence)."""

    code: Annotated[str, msgspec.Meta(max_length=600)] = ""
    file_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | None = None


class RecognitionOut(msgspec.Struct, frozen=True, kw_only=True):
    """A submitted certificate and where its credit stands in this province's review."""

    id: int
    issuer: str
    issuer_name: str
    number: str
    facts: CertificateFacts
    category: str
    credit_id: int | None
    status: str
    status_label: str
    created_at: datetime


def seal_of(code: str) -> str:
    """The seal in a certificate's QR content (400 when there is none)."""
    found = SEAL_IN_CODE.search(code.strip())
    if found is None or len(found.group(1)) > MAX_SEAL:
        message = "无法识别证书二维码内容：请扫描或粘贴电子学分证书上二维码的内容，或上传证书 PDF"
        raise InvalidInput(message, [FieldError("code", message)])
    return found.group(1)


EVIDENCE = "evidence"
"""The purpose a certificate's PDF is uploaded for (it becomes the credit's evidence)."""
NO_CODE_IN_FILE = "未能在文件中识别出电子学分证书的二维码：请上传发证机构出具的证书 PDF，或输入二维码内容"


async def code_in_pdf(path: Path) -> str:
    """The certificate QR content on the first pages of the PDF at ``path`` (400 when there is none)."""
    try:
        texts = await asyncio.to_thread(pdf_qr_texts, path)
    except ValueError:
        texts = []
    codes = [text for text in texts if SEAL_IN_CODE.search(text.strip())]
    if not codes:
        raise InvalidInput(NO_CODE_IN_FILE, [FieldError("file", NO_CODE_IN_FILE)])
    return codes[0]


async def code_from_file(principal: Principal, file_id: int, settings: Settings) -> str:
    """The certificate QR content of the PDF ``file_id`` the learner uploaded (400 when it holds none)."""
    file = await get_file(principal, file_id)
    if file.uploaded_by != principal.account_id:
        raise NotFound("文件不存在")
    if file.purpose != EVIDENCE or file.content_type != "application/pdf":
        raise InvalidInput(NO_CODE_IN_FILE, [FieldError("file_id", NO_CODE_IN_FILE)])
    path = await fetch_to_temp(
        storage_for(settings), file.key, settings.data_dir / "tmp" / "recognition", ".pdf"
    )
    try:
        return await code_in_pdf(path)
    finally:
        path.unlink(missing_ok=True)


class Verified(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate of another issuer whose seal and live state were checked."""

    issuer: str
    issuer_name: str
    sealed: SealedRecord
    answer: VerificationOut


async def verify_elsewhere(secret: str, seal: str) -> Verified:
    """Check ``seal`` where it was issued: another tenant of this platform, or a trusted platform."""
    try:
        sealed = read_seal(seal)[0]
    except SealError as exc:
        raise service.VerificationRefused(str(exc), code=exc.reason) from None
    here = current_tenant()
    if sealed.issuer == here.slug:
        raise InvalidInput("这是本省签发的证书，其学分已在本省登记，无需认可")
    row = await Tenant.select().where((Tenant.slug == sealed.issuer) & (Tenant.active == True)).first()  # noqa: E712
    if row is not None:
        issuer = tenant_from_row(row)
        with scope(issuer):
            answer = await service.verify(secret, seal)
        return Verified(issuer=issuer.slug, issuer_name=issuer.name, sealed=sealed, answer=answer)
    trusted = next((t for t in here.recognition.get("trusted", []) if t.get("issuer") == sealed.issuer), None)
    if trusted is None:
        raise InvalidInput(
            f"该证书的发证机构（{sealed.issuer}）不在本省认可的范围内，请联系继续医学教育委员会"
        )
    return await _verify_remote(trusted, seal)


async def _verify_remote(trusted: dict[str, Any], seal: str) -> Verified:
    site = str(trusted["site"]).rstrip("/")
    try:
        try:
            verify_with(seal, await _keys(site))
        except SealError as exc:  # a key the platform published since: fetch its key set once more
            if exc.reason != UNKNOWN_KEY:
                raise
            verify_with(seal, await _keys(site, fresh=True))
        answer = msgspec.convert(
            await _fetch(f"{site}/api/public/certificates/verify/{seal}"), VerificationOut
        )
    except SealError as exc:
        raise service.VerificationRefused(str(exc), code=exc.reason) from None
    except (msgspec.ValidationError, KeyError, TypeError, AttributeError):  # a malformed key set or answer
        raise Unavailable("发证机构平台的答复无法识别，请稍后再试") from None
    sealed = read_seal(seal)[0]
    facts = answer.facts
    if (answer.number, name_hash(facts.holder_name), facts.credits, facts.category) != (
        sealed.number,
        sealed.name_hash,
        sealed.credits,
        sealed.category,
    ):
        raise service.VerificationRefused("发证机构登记的证书信息与二维码中签名的内容不一致", code="altered")
    return Verified(issuer=sealed.issuer, issuer_name=str(trusted["name"]), sealed=sealed, answer=answer)


async def _keys(site: str, *, fresh: bool = False) -> dict[str, Any]:
    """The trusted platform's public keys (kept for :data:`KEYS_SECONDS` unless ``fresh``)."""
    cached = _keys_cache.get(site)
    if cached is not None and cached[0] > time.monotonic() and not fresh:
        return cached[1]
    keys = await _fetch(f"{site}/.well-known/jwks.json")
    _keys_cache[site] = (time.monotonic() + KEYS_SECONDS, keys)
    return keys


async def _fetch(url: str) -> dict[str, Any]:
    """A JSON object from another platform (503 when it does not answer with one)."""
    try:
        async with (
            httpx.AsyncClient(timeout=REMOTE_TIMEOUT, follow_redirects=False) as client,
            client.stream("GET", url, headers={"Accept": "application/json"}) as response,
        ):
            status, body = response.status_code, bytearray()
            async for chunk in response.aiter_bytes():  # read no more than an answer may hold
                body.extend(chunk)
                if len(body) > MAX_ANSWER:
                    break
    except httpx.HTTPError:
        raise Unavailable("发证机构的平台暂时无法访问，请稍后再试") from None
    if status == 400:
        raise service.VerificationRefused("发证机构验证该证书未通过：签名无效或内容被篡改", code="forged")
    if status != 200 or len(body) > MAX_ANSWER:
        raise Unavailable("发证机构的平台暂时无法验证该证书，请稍后再试")
    try:
        answer = msgspec.json.decode(bytes(body))
    except msgspec.DecodeError:
        answer = None
    if not isinstance(answer, dict):
        raise Unavailable("发证机构平台的答复无法识别，请稍后再试")
    return answer


KeepFile = Callable[[], Awaitable[int | None]]
"""Stores the certificate's file once it verified (a refused certificate leaves nothing); its id."""


async def recognise_from_api(
    pm: pluggy.PluginManager, secret: str, settings: Settings, principal: Principal, data: RecognitionIn
) -> RecognitionOut:
    """``POST /api/recognitions``: the QR content given, or read from the learner's uploaded PDF (which
    becomes the credit's evidence)."""
    if (data.file_id is None) == (not data.code.strip()):
        message = "请输入证书二维码内容，或上传证书 PDF（二者选一）"
        raise InvalidInput(message, [FieldError("code", message)])
    await check_attempts(principal)
    file_id = data.file_id
    code = data.code if data.code.strip() else await code_from_file(principal, file_id or 0, settings)

    async def uploaded() -> int | None:
        return file_id

    return await recognise(pm, secret, principal, code, keep_file=uploaded)


async def check_attempts(principal: Principal) -> None:
    """Count a recognition attempt of the account; 429 beyond :data:`ATTEMPTS` an hour."""
    bucket = "certificates.recognise.account"
    verdict = await ratelimit.hit(bucket, str(principal.account_id), limit=ATTEMPTS, window=WINDOW)
    if not verdict.allowed:
        raise TooManyRequests("提交认可过于频繁，请稍后再试")


async def recognise(
    pm: pluggy.PluginManager, secret: str, principal: Principal, code: str, *, keep_file: KeepFile
) -> RecognitionOut:
    """Verify the learner's certificate of another issuer (its QR content ``code``) and send its credit
    for review here; ``keep_file`` stores its file, if any, as the credit's evidence."""
    person = await (
        Person.select(Person.id, Person.name, Person.id_masked)
        .where(Person.account == principal.account_id)
        .first()
    )
    if person is None:
        raise NotFound("您的账号没有关联的人员信息，请联系所在单位")
    seal = seal_of(code)
    verified = await verify_elsewhere(secret, seal)
    answer = verified.answer
    if answer.status != "valid":
        reason = f"（{answer.revoked_reason}）" if answer.revoked_reason else ""
        raise service.VerificationRefused(f"{answer.message}{reason}，不能认可", code=answer.status)
    if (
        name_hash(person["name"]) != verified.sealed.name_hash
        or answer.facts.id_masked != person["id_masked"]
    ):
        raise InvalidInput("证书持有人的姓名或证件号码与您的不一致，不能认可他人的证书")
    await _not_yet_submitted(verified)
    category = tenant_hooks(pm, current_tenant()).cme_recognised_category(
        facts=answer.facts, issuer=verified.issuer
    )
    if not category:
        raise InvalidInput(f"该证书的学分类别（{answer.facts.category}）在本省没有对应的类别，不能认可")
    file_id = await keep_file()
    try:
        return await _submit(pm, principal, int(person["id"]), verified, seal, category, file_id)
    except Exception as exc:
        if is_unique_violation(exc):
            await _not_yet_submitted(verified)
        raise


async def _not_yet_submitted(verified: Verified) -> None:
    existing = (
        await Recognition.select(Recognition.created_at)
        .where((Recognition.issuer == verified.issuer) & (Recognition.number == verified.sealed.number))
        .first()
    )
    if existing is not None:
        raise Conflict("该证书已经提交过认可，同一证书不能重复认可")


async def _submit(
    pm: pluggy.PluginManager,
    principal: Principal,
    person_id: int,
    verified: Verified,
    seal: str,
    category: str,
    file_id: int | None,
) -> RecognitionOut:
    facts, number = verified.answer.facts, verified.sealed.number
    async with write_transaction(Recognition):
        row = Recognition(
            person=person_id,
            issuer=verified.issuer,
            issuer_name=verified.issuer_name,
            number=number,
            seal=seal,
            facts=msgspec.to_builtins(facts),
            category=category,
            created_by=principal.account_id,
        )
        await row.save()
        posted = await post(
            pm,
            principal,
            Posting(
                person_id=person_id,
                source=CreditSource.RECOGNITION,
                activity_date=facts.ends_on,
                activity_name=facts.activity_name or facts.project_name,
                activity_number=facts.project_number,
                category=category,
                credits=facts.credits,
                hours=facts.hours,
                issuer=facts.issuer,
                note=f"{verified.issuer_name}电子学分证书 {number}（原类别：{facts.category}），经验证有效",
                source_type="certificates_recognition",
                source_id=int(row.id),
                idempotency_key=f"recognition:{verified.issuer}:{number}",
            ),
            granted=False,
            entered_as="learner",
        )
        await Recognition.update({Recognition.credit: posted.record_id}).where(Recognition.id == row.id)
        if file_id is not None:
            await CreditEvidence.insert(CreditEvidence(record=posted.record_id, file=file_id))
        credit = await record_row(posted.record_id)
        assert credit is not None
        await open_review(pm, principal, credit, "learner")
        await record(
            "certificates.recognise",
            object_type="credit_record",
            object_id=posted.record_id,
            summary=f"提交外省学分认可：{verified.issuer_name}签发的「{facts.project_name}」学分证书",
            after={
                "issuer": verified.issuer,
                "number": number,
                "category": category,
                "credits": facts.credits,
            },
        )
    return await _one(int(row.id))


_COLUMNS = (
    Recognition.id,
    Recognition.issuer,
    Recognition.issuer_name,
    Recognition.number,
    Recognition.facts,
    Recognition.category,
    Recognition.credit,
    Recognition.created_at,
    Recognition.credit.status.as_alias("status"),
)


def _out(row: dict[str, Any]) -> RecognitionOut:
    state = row["status"] or "deleted"
    return RecognitionOut(
        id=row["id"],
        issuer=row["issuer"],
        issuer_name=row["issuer_name"],
        number=row["number"],
        facts=msgspec.convert(row["facts"], CertificateFacts),
        category=row["category"],
        credit_id=row["credit"],
        status=state,
        status_label=CreditStatus.label_of(state) if row["status"] else "已删除",
        created_at=row["created_at"],
    )


async def _one(recognition_id: int) -> RecognitionOut:
    row = (
        await Recognition.select(*_COLUMNS)
        .where(Recognition.id == recognition_id)
        .output(load_json=True)
        .first()
    )
    assert row is not None
    return _out(row)


async def my_recognitions(principal: Principal) -> list[RecognitionOut]:
    """The certificates the learner submitted for recognition, newest first."""
    mine = Person.select(Person.id).where(Person.account == principal.account_id)
    rows = await (
        Recognition.select(*_COLUMNS)
        .where(Recognition.person.is_in(mine))
        .order_by(Recognition.id, ascending=False)
        .output(load_json=True)
    )
    return [_out(row) for row in rows]
