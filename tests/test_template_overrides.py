"""A province overrides a core template for its own tenants only: ``<province>/<name>`` wins over ``<name>``,
for a page's own template and for the templates it extends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cme_platform.plugins import hookimpl
from cme_platform.plugins.types import PluginInfo

ERROR_PAGE = (
    '{% extends "layout.html" %}{% block content %}'
    '<p id="ovr-error">本省的错误页 {{ status }}</p>{% endblock %}'
)
HOME = '{% extends "home.html" %}{% block content %}<p id="ovr-home">本省首页</p>{{ super() }}{% endblock %}'
LAYOUT = (
    '<!doctype html><html lang="zh-CN"><body><div id="ovr-layout">'
    "{% block content %}{% endblock %}</div></body></html>"
)


class Overriding:
    """A province with its own error page and shell layout."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="ovr", title="覆盖模板省", province="覆盖省", version="1")

    @hookimpl
    def cme_template_dirs(self) -> list[Path]:
        return [self.folder]


class Plain:
    """A province that overrides nothing."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="plain", title="普通省", province="普通省", version="1")


@pytest.fixture
def cme_plugins(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "ovr").mkdir()
    (tmp_path / "ovr" / "error.html").write_text(ERROR_PAGE, encoding="utf-8")
    (tmp_path / "ovr" / "layout.html").write_text(LAYOUT, encoding="utf-8")
    (tmp_path / "ovr" / "home.html").write_text(HOME, encoding="utf-8")
    return {"ovr": Overriding(tmp_path), "plain": Plain()}


async def test_an_override_serves_its_own_tenants_only(cme_client: Any, tenant_factory: Any) -> None:
    await tenant_factory(slug="ov", plugin="ovr")
    await tenant_factory(slug="pl", plugin="plain")
    own = await cme_client.get("/t/ov/no-such-page")
    assert own.status_code == 404
    assert '<p id="ovr-error">本省的错误页 404</p>' in own.text, "the page template is the province's"
    assert '<div id="ovr-layout">' in own.text, "the template it extends is the province's too"
    other = await cme_client.get("/t/pl/no-such-page")
    assert other.status_code == 404 and "ovr-" not in other.text and "返回首页" in other.text
    again = await cme_client.get("/t/ov/no-such-page")
    assert "ovr-error" in again.text, "the other tenant's render did not replace the cached template"


async def test_an_override_may_extend_the_core_template_it_replaces(
    cme_client: Any, tenant_factory: Any
) -> None:
    await tenant_factory(slug="ov", plugin="ovr")
    home = await cme_client.get("/t/ov/")
    assert home.status_code == 200, home.text[-500:]
    assert '<p id="ovr-home">本省首页</p>' in home.text and "覆盖模板省" in home.text, (
        "its block, then the core's"
    )
