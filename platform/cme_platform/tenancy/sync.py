"""``cme tenants sync``: read ``tenants/<slug>.toml`` files, validate them, upsert the ``tenant`` table.

A tenant file::

    name = "北京市继续医学教育委员会"
    plugin = "beijing"
    hosts = ["cme.beijing.example.org"]

    [branding]
    primary_color = "#b71c1c"
    short_name = "北京继教"

    [settings]          # validated against the plugin's cme_settings_schema()
    self_study_credit_cap = 10

    [disciplines]       # optional: additions to the discipline catalogue (二级学科 = [三级学科, …])
    "中医学" = ["中医肛肠科学"]

    [auth]              # optional: sign-in options (see docs/identity-tokens-sso.md)
    sso_only = false
    [auth.oidc]
    issuer = "https://sso.example.gov.cn"
    client_id = "cme"
    client_secret_env = "CME_OIDC_BEIJING_SECRET"

    [[recognition.trusted]]   # optional: another platform whose certificates are recognised here
    issuer = "shanghai"       # the issuer its seals name
    name = "上海市继续医学教育委员会"
    site = "https://cme.shanghai.example.org"   # where its JWKS and its verification answer

The slug is the file name. Every file is validated before anything is written; one bad file fails the
whole sync with messages naming the file and the field.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec
import pluggy

from cme_platform.plugins.manager import UnknownPluginError, tenant_hooks
from cme_platform.tenancy.registry import tenant_from_row, tenants_changed
from cme_platform.tenancy.tables import Tenant

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
DisciplineName = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"\S")]
"""A 二级学科 or 三级学科 name in a tenant file (what a credit record's discipline column holds)."""


class TenantFileError(ValueError):
    """A tenant file is malformed; the message names the file and what is wrong."""


class Branding(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The look of a tenant's web shell."""

    primary_color: str = "#1f6feb"
    short_name: str = ""
    logo_text: str = ""


ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class OidcSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``[auth.oidc]``: single sign-on with the province's OpenID provider (the secret comes from the env)."""

    issuer: str
    client_id: str
    client_secret_env: str
    claim: str = "preferred_username"
    match: Literal["username", "sso_subject"] = "username"
    scopes: str = "openid profile"
    label: str = "统一身份认证登录"


class AuthSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """``[auth]``: how the tenant's accounts sign in (empty: passwords only)."""

    sso_only: bool = False
    oidc: OidcSection | None = None


def auth_problems(auth: AuthSection) -> list[str]:
    """What is wrong with a syntactically valid ``[auth]`` section (empty when it is usable)."""
    problems: list[str] = []
    if auth.sso_only and auth.oidc is None:
        problems.append("sso_only = true needs an [auth.oidc] section")
    if auth.oidc is None:
        return problems
    oidc = auth.oidc
    issuer = urlsplit(oidc.issuer)
    secure = issuer.scheme == "https" or (issuer.scheme == "http" and issuer.hostname in LOOPBACK_HOSTS)
    if not issuer.hostname or not secure:
        problems.append("[auth.oidc] issuer must be an https:// URL (http only for 127.0.0.1/localhost)")
    if issuer.query or issuer.fragment:
        problems.append("[auth.oidc] issuer must not have a query or fragment")
    if not oidc.client_id.strip():
        problems.append("[auth.oidc] client_id must not be empty")
    if not ENV_NAME_RE.match(oidc.client_secret_env):
        problems.append("[auth.oidc] client_secret_env must name an environment variable (A-Z, 0-9, _)")
    if not oidc.claim.strip():
        problems.append("[auth.oidc] claim must not be empty")
    if "openid" not in oidc.scopes.split():
        problems.append("[auth.oidc] scopes must include openid")
    return problems


class TrustedIssuer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``[[recognition.trusted]]``: an issuer on another platform of this kind whose certificates the
    tenant recognises: its seals' ``issuer``, its name, and its site, under which
    ``/.well-known/jwks.json`` gives its keys and ``/api/public/certificates/verify/<seal>`` its answer."""

    issuer: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9-]{1,62}$")]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    site: Annotated[str, msgspec.Meta(max_length=300)]


class RecognitionSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """``[recognition]``: certificates of which other platforms are recognised (this platform's own
    tenants always are)."""

    trusted: list[TrustedIssuer] = msgspec.field(default_factory=list)


def recognition_problems(section: RecognitionSection) -> list[str]:
    """What is wrong with a syntactically valid ``[recognition]`` section (empty when it is usable)."""
    problems = []
    for trusted in section.trusted:
        url = urlsplit(trusted.site)
        https = url.scheme == "https" or (url.scheme == "http" and url.hostname in LOOPBACK_HOSTS)
        if not https or not url.hostname or url.query or url.fragment:
            problems.append(f"[recognition] site of {trusted.issuer} must be an https:// URL without query")
    issuers = [t.issuer for t in section.trusted]
    if len(set(issuers)) != len(issuers):
        problems.append("[recognition] names an issuer twice")
    return problems


class TenantFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The contents of one ``tenants/<slug>.toml`` file."""

    name: str
    plugin: str
    hosts: list[str] = msgspec.field(default_factory=list)
    active: bool = True
    branding: Branding = msgspec.field(default_factory=Branding)
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    auth: AuthSection = msgspec.field(default_factory=AuthSection)
    disciplines: dict[DisciplineName, list[DisciplineName]] = msgspec.field(default_factory=dict)
    recognition: RecognitionSection = msgspec.field(default_factory=RecognitionSection)


class TenantSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A validated tenant ready to be written: settings already converted by the plugin's schema."""

    slug: str
    name: str
    plugin: str
    hosts: list[str]
    active: bool
    branding: dict[str, Any]
    settings: dict[str, Any]
    auth: dict[str, Any] = msgspec.field(default_factory=dict)
    disciplines: dict[str, list[str]] = msgspec.field(default_factory=dict)
    recognition: dict[str, Any] = msgspec.field(default_factory=dict)


def parse_tenant_file(path: Path, pm: pluggy.PluginManager) -> TenantSpec:
    """Read and validate one tenant file; raise :class:`TenantFileError` with a readable message."""
    slug = path.stem
    if not SLUG_RE.match(slug):
        raise TenantFileError(f"{path.name}: file name must be a slug (lower-case letters, digits, '-')")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        data = msgspec.convert(raw, TenantFile)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TenantFileError(f"{path.name}: not valid TOML: {exc}") from exc
    except msgspec.ValidationError as exc:
        raise TenantFileError(f"{path.name}: {exc}") from exc
    try:
        schema = tenant_hooks(pm, data.plugin).cme_settings_schema()
    except UnknownPluginError as exc:
        raise TenantFileError(f"{path.name}: plugin {data.plugin!r} is not installed") from exc
    settings: dict[str, Any] = {}
    if schema is not None:
        try:
            settings = msgspec.to_builtins(msgspec.convert(data.settings, schema))
        except msgspec.ValidationError as exc:
            raise TenantFileError(f"{path.name}: [settings] {exc}") from exc
    elif data.settings:
        raise TenantFileError(f"{path.name}: plugin {data.plugin!r} takes no [settings]")
    problems = auth_problems(data.auth) + recognition_problems(data.recognition)
    if problems:
        raise TenantFileError(f"{path.name}: " + "; ".join(problems))
    return TenantSpec(
        slug=slug,
        name=data.name,
        plugin=data.plugin,
        hosts=[h.lower() for h in data.hosts],
        active=data.active,
        branding=msgspec.to_builtins(data.branding),
        settings=settings,
        auth=msgspec.to_builtins(data.auth),
        disciplines={name: list(dict.fromkeys(children)) for name, children in data.disciplines.items()},
        recognition=msgspec.to_builtins(data.recognition),
    )


def read_tenant_dir(directory: Path, pm: pluggy.PluginManager) -> list[TenantSpec]:
    """Validate every ``*.toml`` file in ``directory``; collect all errors before raising."""
    specs: list[TenantSpec] = []
    errors: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            specs.append(parse_tenant_file(path, pm))
        except TenantFileError as exc:
            errors.append(str(exc))
    hosts_seen: dict[str, str] = {}
    for spec in specs:
        for host in spec.hosts:
            if host in hosts_seen:
                errors.append(f"{spec.slug}.toml: host {host!r} is already used by {hosts_seen[host]}.toml")
            hosts_seen[host] = spec.slug
    if errors:
        raise TenantFileError("\n".join(errors))
    return specs


async def sync_tenants(specs: list[TenantSpec]) -> dict[str, str]:
    """Insert or update each tenant in one transaction; returns ``{slug: "created"|"updated"|"unchanged"}``.

    Tenants whose file disappeared are left in place (their data stays); deactivate them with
    ``active = false`` in the file instead.
    """
    result: dict[str, str] = {}
    async with Tenant._meta.db.transaction():
        existing = {row["slug"]: row for row in await Tenant.select()}
        for spec in specs:
            values: dict[Any, Any] = {
                Tenant.name: spec.name,
                Tenant.plugin: spec.plugin,
                Tenant.hosts: spec.hosts,
                Tenant.branding: spec.branding,
                Tenant.settings: spec.settings,
                Tenant.auth: spec.auth,
                Tenant.disciplines: spec.disciplines,
                Tenant.recognition: spec.recognition,
                Tenant.active: spec.active,
            }
            row = existing.get(spec.slug)
            if row is None:
                await Tenant.insert(Tenant(slug=spec.slug, **{c._meta.name: v for c, v in values.items()}))
                result[spec.slug] = "created"
                continue
            loaded = tenant_from_row(row)
            current = {
                "name": loaded.name,
                "plugin": loaded.plugin,
                "hosts": list(loaded.hosts),
                "branding": loaded.branding,
                "settings": loaded.settings,
                "auth": loaded.auth,
                "disciplines": loaded.disciplines,
                "recognition": loaded.recognition,
                "active": loaded.active,
            }
            wanted = {c._meta.name: v for c, v in values.items()}
            if current == wanted:
                result[spec.slug] = "unchanged"
                continue
            await Tenant.update(values).where(Tenant.id == row["id"])
            result[spec.slug] = "updated"
    tenants_changed()
    return result
