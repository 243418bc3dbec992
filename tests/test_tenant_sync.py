"""``cme tenants sync``: tenant files are validated whole before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from cme_platform.plugins.manager import get_plugin_manager
from cme_platform.tenancy.registry import load_tenants
from cme_platform.tenancy.sync import TenantFileError, read_tenant_dir, sync_tenants

GOOD = """
name = "甲省继续医学教育委员会"
plugin = "beijing"
hosts = ["cme.alpha.example.org"]

[branding]
primary_color = "#b71c1c"
short_name = "甲省继教"
"""


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


async def test_sync_creates_updates_and_reports_unchanged(tmp_path, cme_db):
    directory = _write(tmp_path / "tenants", {"alpha.toml": GOOD})
    pm = get_plugin_manager()
    assert await sync_tenants(read_tenant_dir(directory, pm)) == {"alpha": "created"}
    assert await sync_tenants(read_tenant_dir(directory, pm)) == {"alpha": "unchanged"}
    _write(directory, {"alpha.toml": GOOD.replace("甲省继续医学教育委员会", "甲省继教委（新）")})
    assert await sync_tenants(read_tenant_dir(directory, pm)) == {"alpha": "updated"}
    (tenant,) = await load_tenants()
    assert tenant.name == "甲省继教委（新）" and tenant.hosts == ("cme.alpha.example.org",)
    assert tenant.branding["short_name"] == "甲省继教"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"alpha.toml": 'name = "x"\nplugin = "atlantis"\n'}, "not installed"),
        ({"alpha.toml": 'plugin = "beijing"\n'}, "name"),
        ({"alpha.toml": GOOD + "\ncolour = 1\n"}, "colour"),
        ({"alpha.toml": "name = \n"}, "TOML"),
        ({"Bad_Slug.toml": GOOD}, "slug"),
        ({"alpha.toml": GOOD + "\n[settings]\nno_such_setting = 1\n"}, "settings"),
        ({"alpha.toml": GOOD, "beta.toml": GOOD}, "already used"),
        ({"alpha.toml": GOOD + '\n[disciplines]\n"中医学" = [""]\n'}, "disciplines"),
        ({"alpha.toml": GOOD + '\n[disciplines]\n"中医学" = "中医肛肠科学"\n'}, "disciplines"),
    ],
)
async def test_invalid_files_write_nothing(tmp_path, cme_db, files, message):
    directory = _write(tmp_path / "tenants", {"zeta.toml": GOOD.replace("cme.alpha", "cme.zeta"), **files})
    with pytest.raises(TenantFileError, match=message):
        read_tenant_dir(directory, get_plugin_manager())
    assert await load_tenants() == []


async def test_a_tenant_file_extends_the_discipline_catalogue(tmp_path, cme_db):
    from cme_platform.credits.disciplines import check_discipline, discipline_tree

    extended = GOOD + '\n[disciplines]\n"中医学" = ["中医肛肠科学"]\n"医学伦理学" = ["临床伦理"]\n'
    directory = _write(tmp_path / "tenants", {"alpha.toml": extended})
    pm = get_plugin_manager()
    assert await sync_tenants(read_tenant_dir(directory, pm)) == {"alpha": "created"}
    assert await sync_tenants(read_tenant_dir(directory, pm)) == {"alpha": "unchanged"}
    (tenant,) = await load_tenants()
    tree = discipline_tree(tenant)
    assert tree["中医学"][-2:] == ["中医肛肠科学", "中医学其它学科"]
    assert list(tree)[-2:] == ["医学伦理学", "其他"]
    assert check_discipline(tenant, "医学伦理学", "临床伦理") is None
    assert check_discipline(
        tenant.__class__(id=0, slug="x", name="x", plugin="beijing"), "医学伦理学", ""
    ) == ("没有“医学伦理学”这个学科")
