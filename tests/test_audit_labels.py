"""Every audit action the code records has a Chinese label, and a module can contribute its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cme_platform.app import create_app
from cme_platform.audit.actions import AuditLabels, audit_labels, tenant_audit_labels
from cme_platform.plugins import hookimpl
from cme_platform.plugins.manager import build_plugin_manager, get_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
RECORDED = re.compile(r"\brecord(?:_refusal)?\(\s*\"([a-z_]+(?:\.[a-z_]+)+)\"")
OUTCOMES = ("advanced", "approved", "rejected", "returned")
"""The approval outcomes a module records as ``<its prefix>.<outcome>`` (Beijing's activity plans)."""


def recorded_actions() -> set[str]:
    """The action names passed literally to ``record`` or ``record_refusal`` in the platform and plugins."""
    found: set[str] = set()
    for folder in ("platform", "plugins"):
        for source in (ROOT / folder).rglob("*.py"):
            if "tests" not in source.parts:
                found.update(RECORDED.findall(source.read_text(encoding="utf-8")))
    return found


def test_every_recorded_action_has_a_chinese_label() -> None:
    labels = audit_labels(get_plugin_manager())
    actions = recorded_actions() | {f"beijing.activity_plan.{outcome}" for outcome in OUTCOMES}
    assert len(actions) > 40
    missing = sorted(action for action in actions if action not in labels.actions)
    assert not missing, f"audit actions without a label in cme_audit_labels: {missing}"
    assert labels.objects["beijing_activity_plan"] == "活动计划" and labels.objects["person"] == "人员"


def test_a_name_labelled_by_two_plugins_is_an_error() -> None:
    class Again:
        @hookimpl
        def cme_audit_labels(self) -> AuditLabels:
            return AuditLabels(actions={"auth.login": "又一个登录"})

    with pytest.raises(ValueError, match=r"auth\.login"):
        create_app(plugin_manager=build_plugin_manager({"again": Again()}))


def test_a_tenant_is_offered_its_own_provinces_actions_only() -> None:
    pm = get_plugin_manager()
    beijing, zhejiang = tenant_audit_labels(pm, "beijing"), tenant_audit_labels(pm, "zhejiang")
    assert "beijing.activity_plan.create" in beijing.actions
    assert "beijing.activity_plan.create" not in zhejiang.actions and "auth.login" in zhejiang.actions


async def test_the_audit_page_names_sign_ins_and_object_types_in_chinese(
    cme_client: Any, world: Any, login: Any
) -> None:
    await login(cme_client, world.tenant, "commission")
    page = (await cme_client.get(f"/t/{world.tenant.slug}/audit")).text
    assert "登录成功（密码）" in page and "（password）" not in page
    assert '<option value="person">人员</option>' in page
