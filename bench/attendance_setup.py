"""Fill the bench tenant for the QR check-in benchmark: a registry, a conference and its signed-in phones.

    CME_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cme_bench_attendance CME_DATA_DIR=bench/data \\
        .venv/bin/python bench/attendance_setup.py --out bench/data/attendance_clients.json

Run by ``bench/attendance.py`` after ``cme migrate`` and ``cme tenants sync`` (``bench/tenants``), in an
empty tenant. Seeded, so every run builds the same data:

- a registry of ``--registry`` people in ``--institutions`` institutions, made up and written as
  ``bench/generate.py`` does (:mod:`synth`, COPY; every person has his learner account and grant);
- ``--attendees`` of its active people (drawn across the institutions) who have signed in: their accounts
  no longer wait for the first password change, and each has what his phone sends, a server-side session
  (the ``cme_session`` cookie and its CSRF token, signed in ``--signed-in-minutes`` ago, so the first
  request renews the session as a phone's would) and an API token with the learner role;
- a project of the first institution, owned by a project owner (立项用户, also signed in) whose run is
  approved for hosting with its code period (二维码有效时间: ``codes_from``/``codes_until``) around now,
  and its sessions, all happening now: ``warmup`` (scanned before the measurement, so every server worker
  has run the path once), ``profile`` (``attendance_profile.py``) and ``--measured`` sessions, one for
  each measured check-in of all attendees (one per concurrency level of a sweep).

Sessions and tokens are written straight into the throwaway database, in the forms the platform writes
them (:class:`~cme_platform.identity.sessions.DatabaseSessionStore` row keys, Litestar's session
serialisation, :func:`~cme_platform.identity.tokens.signing_key`): signing 2,000 people in through the
captcha form, or minting learner tokens (which the API refuses to learners), is not what is measured.
Writes ``--out``: the tenant, the sessions and each attendee's credentials (secrets of a throwaway
database; ``bench/data`` is not committed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import synth
from cme_platform.clock import CHINA
from cme_platform.identity.csrf import CSRF_SESSION_KEY
from cme_platform.identity.current import SESSION_KEY
from cme_platform.identity.roles import Role
from cme_platform.identity.sessions import IDLE_TIMEOUT, DatabaseSessionStore
from cme_platform.identity.tokens import ALGORITHM, signing_key
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.vocab import ACTIVE_STATUS
from cme_platform.projects.states import RunStatus
from cme_platform.projects.tables import Project, ProjectRun, ProjectSession
from cme_platform.settings import get_settings
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.scope import scope
from generate import LOADED_TABLES, allocate_ids, bench_tenant, write_organisation, write_people
from joserfc import jwt
from litestar.middleware.session.base import BaseSessionBackend

SPARE_SESSIONS = ("warmup", "profile")
"""Sessions besides the measured ones: scanned to warm the server's workers, and profiled in-process."""
OWNER = "bench_owner"
"""The username of the project's owner (立项用户), who shows the codes."""


def session_row(store: DatabaseSessionStore, slug: str, account_id: int, expires_at: datetime) -> dict:
    """A signed-in server-side session of ``account_id`` in tenant ``slug``: the cookie's id, the CSRF
    token and the row the platform would have stored (same key hash, same serialisation)."""
    session_id = secrets.token_hex(32)
    csrf = secrets.token_urlsafe(32)
    data = BaseSessionBackend.serialize_data({SESSION_KEY: {slug: account_id}, CSRF_SESSION_KEY: csrf})
    return {"cookie": session_id, "csrf": csrf, "row": (store.row_key(session_id), data, expires_at)}


def learner_token(secret: str, slug: str, account_id: int, jti: str, now: datetime, days: int = 1) -> str:
    """An API token of ``account_id`` with the learner role, as ``create_token`` signs it."""
    claims = {
        "iss": slug,
        "sub": str(account_id),
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(days=days)).timestamp()),
        "roles": [Role.LEARNER.value],
    }
    return jwt.encode({"alg": ALGORITHM}, claims, signing_key(secret), algorithms=[ALGORITHM])


def pick_attendees(
    rng: random.Random, rows: list[dict[str, Any]], placed: list[tuple[int, int, int | None]], count: int
) -> list[int]:
    """Indexes of ``count`` active people, drawn at random across the registry."""
    active = [i for i, row in enumerate(rows) if row["status"] == ACTIVE_STATUS and placed[i][2] is not None]
    if len(active) < count:
        sys.exit(f"the registry has only {len(active):,} active people: raise --registry")
    return sorted(rng.sample(active, count))


async def write_conference(
    tenant: TenantContext,
    institution: int,
    department: int,
    owner: int,
    now: datetime,
    *,
    hours: int,
    measured: int,
) -> dict[str, Any]:
    """The project, its approved run (codes valid from an hour ago for ``hours``) and its sessions
    happening now; the ids of the run, of the :data:`SPARE_SESSIONS` by name and of the ``measured``
    sessions (a list under ``measured``)."""
    with scope(tenant):
        project = Project(
            year=now.astimezone(CHINA).year,
            number=f"{now.astimezone(CHINA).year}-基准-001",
            name="全省心血管疾病诊疗新进展学术年会",
            level="省级",
            institution=institution,
            department=department,
            owner=owner,
            credits=500,
            hours=300,
            status="published",
        )
        await project.save()
        run = ProjectRun(
            project=project.id,
            seq=1,
            venue="省会议中心一号厅",
            starts_on=now.astimezone(CHINA).date(),
            ends_on=now.astimezone(CHINA).date(),
            status=RunStatus.APPROVED.value,
            decided_at=now - timedelta(days=7),
            codes_from=now - timedelta(hours=1),
            codes_until=now + timedelta(hours=hours),
        )
        await run.save()
        ids: dict[str, Any] = {"run": int(run.id), "measured": []}
        names = [*SPARE_SESSIONS, *(f"measured-{i}" for i in range(1, measured + 1))]
        for index, name in enumerate(names, start=1):
            session = ProjectSession(
                run=run.id,
                title=f"第{index}讲（{name}）",
                speakers="基准测试",
                starts_at=now - timedelta(minutes=5),
                ends_at=now + timedelta(hours=3),
                hours=300,
            )
            await session.save()
            if name in SPARE_SESSIONS:
                ids[name] = int(session.id)
            else:
                ids["measured"].append(int(session.id))
        return ids


async def setup(args: argparse.Namespace) -> dict[str, Any]:
    """Create the registry, the conference and the credentials; what ``--out`` holds."""
    settings = get_settings()
    if not settings.is_postgres:
        sys.exit("the benchmark needs PostgreSQL: set CME_DATABASE_URL=postgresql://…")
    tenant = await bench_tenant(args.tenant)
    rng = random.Random(args.seed)
    org = synth.organisation(rng, args.institutions, args.registry)
    rows = list(synth.people(rng, org, synth.IdNumbers(rng)))
    now = datetime.now(UTC)
    conn = await asyncpg.connect(settings.database_url)
    try:
        if await conn.fetchval("SELECT count(*) FROM org_institution WHERE tenant = $1", tenant.id):
            sys.exit(
                f"tenant {tenant.slug!r} is not empty: start from a fresh database (bench/attendance.py)"
            )
        with scope(tenant):
            numbers = await reserve_person_numbers(len(rows))
        async with conn.transaction():
            inst_ids, departments = await write_organisation(conn, tenant.id, org, now)
            placed = await write_people(
                conn, tenant.id, rows, numbers, inst_ids, departments, now, [now.year]
            )
        chosen = pick_attendees(rng, rows, placed, args.attendees)
        person_ids = [placed[i][0] for i in chosen]
        accounts = {
            r["id"]: r["account"]
            for r in await conn.fetch(
                "SELECT id, account FROM personnel_person WHERE id = ANY($1::int[])", person_ids
            )
        }
        # They have signed in before and set their own password: the API is open to them.
        await conn.execute(
            "UPDATE identity_account SET must_change_password = false, last_login_at = $2 "
            "WHERE id = ANY($1::int[])",
            list(accounts.values()),
            now,
        )
        owner = (await allocate_ids(conn, "identity_account", 1))[0]
        first_department = next(iter(departments[0].values()))
        await conn.execute(
            "INSERT INTO identity_account (id, tenant, username, display_name, password_hash, active, "
            "must_change_password, created_at) VALUES ($1, $2, $3, '基准立项用户', '', true, false, $4)",
            owner,
            tenant.id,
            OWNER,
            now,
        )
        await conn.execute(
            "INSERT INTO identity_role_grant (tenant, account, role, institution, department) "
            "VALUES ($1, $2, $3, $4, $5)",
            tenant.id,
            owner,
            Role.PROJECT_OWNER.value,
            inst_ids[0],
            first_department,
        )
        sessions = await write_conference(
            tenant, inst_ids[0], first_department, owner, now, hours=args.hours, measured=args.measured
        )
        store = DatabaseSessionStore(settings.secret_key)
        expires_at = now + IDLE_TIMEOUT - timedelta(minutes=args.signed_in_minutes)
        owner_session = session_row(store, tenant.slug, owner, expires_at)
        learners, session_rows, token_rows = [], [owner_session["row"]], []
        for person_id in person_ids:
            account_id = accounts[person_id]
            signed_in = session_row(store, tenant.slug, account_id, expires_at)
            jti = secrets.token_urlsafe(24)
            session_rows.append(signed_in["row"])
            token_rows.append(
                (
                    tenant.id,
                    account_id,
                    "基准测试手机",
                    jti,
                    [Role.LEARNER.value],
                    now,
                    now + timedelta(days=1),
                )
            )
            learners.append(
                {
                    "person": person_id,
                    "account": account_id,
                    "cookie": signed_in["cookie"],
                    "csrf": signed_in["csrf"],
                    "token": learner_token(settings.secret_key, tenant.slug, account_id, jti, now),
                }
            )
        await conn.copy_records_to_table(
            "identity_session", records=session_rows, columns=["key", "data", "expires_at"]
        )
        await conn.executemany(
            "INSERT INTO identity_api_token (tenant, account, name, jti, roles, created_at, expires_at) "
            "VALUES ($1, $2, $3, $4, $5::json, $6, $7)",
            [(*row[:4], json.dumps(row[4]), *row[5:]) for row in token_rows],
        )
        for table in (*LOADED_TABLES, "identity_session", "identity_api_token"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return {
        "tenant": tenant.slug,
        "tenant_id": tenant.id,
        "registry": len(rows),
        "institutions": len(inst_ids),
        "sessions": sessions,
        "session_expires_in_s": (expires_at - now).total_seconds(),
        "owner": {"cookie": owner_session["cookie"], "csrf": owner_session["csrf"]},
        "learners": learners,
    }


async def phones_as_set_up(database_url: str, expires_in_s: float) -> None:
    """Put every session and token back as this script wrote them: signed in ``--signed-in-minutes`` ago
    (the next request renews the session) and tokens never used (the next request touches the token),
    so that each measurement starts from the same state."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE identity_session SET expires_at = now() + make_interval(secs => $1)", expires_in_s
        )
        await conn.execute("UPDATE identity_api_token SET last_used_at = NULL")
    finally:
        await conn.close()


def main() -> None:
    """Parse the command line, set up, and write the credentials file."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenant", default="bench", help="slug of the (empty) bench tenant")
    parser.add_argument("--registry", type=int, default=20_000, help="people in the tenant's registry")
    parser.add_argument("--institutions", type=int, default=200)
    parser.add_argument("--attendees", type=int, default=2_000, help="people at the conference")
    parser.add_argument("--measured", type=int, default=1, help="sessions to measure a check-in of")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--hours", type=int, default=6, help="how long the run's codes stay valid")
    parser.add_argument("--signed-in-minutes", type=int, default=90, help="how long ago the phones signed in")
    parser.add_argument("--out", type=Path, default=Path("bench/data/attendance_clients.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    result = asyncio.run(setup(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False))
    args.out.chmod(0o600)
    print(
        f"  {result['registry']:,} people in {result['institutions']} institutions, "
        f"{len(result['learners']):,} attendees signed in, sessions {result['sessions']} "
        f"({time.perf_counter() - started:.1f} s)"
    )


if __name__ == "__main__":
    main()
