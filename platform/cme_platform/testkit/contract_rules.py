"""Checks of a province's rules (not only their shapes), as plain functions returning the problems found.

The contract test (:mod:`cme_platform.testkit.contract`) asserts that each returns nothing for the plugin
under test; ``tests/test_contract_rules.py`` shows that a copy of one province renamed as another fails
them until its rules are its own.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pluggy

from cme_platform.approvals import engine, kinds
from cme_platform.approvals.chains import DEFAULT_CHAIN, STEP_ROLES, ApprovalSubject
from cme_platform.identity.roles import Role
from cme_platform.plugins.manager import plugin_info, province_names, tenant_hooks
from cme_platform.projects.policy import PROJECT_CHAINS
from cme_platform.tenancy.context import TenantContext

CODE_SHAPE = "2–4 lowercase ASCII letters"


def own_code(pm: pluggy.PluginManager, name: str) -> list[str]:
    """The plugin declares a code of its own (``PluginInfo.code``) that no other installed province uses."""
    code = plugin_info(pm, name).code
    problems = []
    if not (2 <= len(code) <= 4 and code.isascii() and code.isalpha() and code.islower()):
        problems.append(f"PluginInfo.code {code!r} must be {CODE_SHAPE}")
    for other in province_names(pm):
        if other != name and plugin_info(pm, other).code == code:
            problems.append(f"PluginInfo.code {code!r} is also the code of the installed plugin {other!r}")
    return problems


def standards_and_categories(pm: pluggy.PluginManager, tenant: TenantContext, years: list[int]) -> list[str]:
    """Standard codes are the province's own (``<code>-…``), unique, stable across years, and name the
    province's categories; compliance requirements name existing categories and subcategories."""
    code = plugin_info(pm, tenant.plugin).code
    hooks = tenant_hooks(pm, tenant)
    problems: list[str] = []
    meaning_by_code: dict[str, tuple[str, str, str]] = {}
    for year in years:
        categories = {c.name: set(c.subcategories) for c in hooks.cme_credit_categories(year=year)}
        standards = hooks.cme_credit_standards(year=year)
        codes = [s.code for s in standards]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            problems.append(f"{year}: standard codes used twice: {duplicates}")
        for standard in standards:
            if not standard.code.startswith(f"{code}-"):
                problems.append(f"{year}: standard {standard.code} is not the province's own ({code}-…)")
            meaning = (standard.category, standard.subcategory, standard.role)
            if meaning_by_code.setdefault(standard.code, meaning) != meaning:
                problems.append(f"{standard.code} changed its category or role between years")
            known = categories.get(standard.category)
            if categories and known is None:
                problems.append(f"{year}: {standard.code} names the unknown category {standard.category!r}")
            elif standard.subcategory and known and standard.subcategory not in known:
                problems.append(
                    f"{year}: {standard.code} names the unknown subcategory {standard.subcategory!r}"
                )
        for compliance in hooks.cme_compliance_standards(year=year):
            for requirement in compliance.requirements:
                known = categories.get(requirement.category)
                if categories and known is None:
                    unknown = requirement.category
                    problems.append(f"{year}: {compliance.name} requires the unknown category {unknown!r}")
                elif requirement.subcategory and known and requirement.subcategory not in known:
                    unknown = requirement.subcategory
                    problems.append(f"{year}: {compliance.name} requires the unknown subcategory {unknown!r}")
    return problems


def chains(pm: pluggy.PluginManager, tenant: TenantContext) -> list[str]:
    """Every known subject kind gets a chain of the province's own code (or one of the core's) that
    resolves for a subject with or without department and region, from every submitting role."""
    code = plugin_info(pm, tenant.plugin).code
    hooks = tenant_hooks(pm, tenant)
    problems: list[str] = []
    subject_kinds = {kinds.CREDIT_PERSONAL, *engine.HANDLERS}
    core_codes = {DEFAULT_CHAIN.code, *(chain.code for chain in PROJECT_CHAINS.values())}
    for kind in sorted(subject_kinds):
        for role in (Role.LEARNER.value, *STEP_ROLES):
            chain = hooks.cme_approval_chain(subject=ApprovalSubject(kind=kind, entered_as=role))
            if chain.code not in core_codes and not chain.code.startswith(f"{code}."):
                problems.append(f"{kind}: chain {chain.code} is not the province's own ({code}.…)")
            for department, region in ((1, 1), (None, None)):
                try:
                    engine.resolve_steps(chain, department_id=department, region_id=region)
                except ValueError as error:
                    problems.append(f"{kind} as {role}: {error}")
    return problems


def effective_dates(pm: pluggy.PluginManager, tenant: TenantContext) -> list[str]:
    """An approved credit never becomes effective before its approval (for every credit kind)."""
    hooks = tenant_hooks(pm, tenant)
    problems = []
    for kind in (kinds.CREDIT_PERSONAL, *(f"{kinds.CREDIT}.{s}" for s in ("project", "training", "import"))):
        subject = ApprovalSubject(kind=kind, entered_as=Role.LEARNER.value)
        for approved in (date(2025, 12, 31), date(2026, 2, 28), date(2026, 6, 15)):
            day = hooks.cme_credit_effective_on(subject=subject, approved_on=approved)
            if day < approved or day > approved + timedelta(days=366):
                problems.append(f"{kind}: approved {approved}, effective {day}")
    return problems


def shipped_tenant_files(pm: pluggy.PluginManager, name: str, folder: Path) -> list[str]:
    """Every tenant file in ``folder`` that names the plugin is accepted as it is (settings included)."""
    from cme_platform.tenancy.sync import TenantFileError, parse_tenant_file

    problems = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        if f'plugin = "{name}"' not in path.read_text(encoding="utf-8"):
            continue
        try:
            parse_tenant_file(path, pm)
        except TenantFileError as error:
            problems.append(f"{path.name}: {error}")
    return problems
