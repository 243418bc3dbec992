"""Describing a tenant's province settings for people: one row per field of the plugin's schema."""

from __future__ import annotations

from typing import Any, cast

import msgspec
import msgspec.inspect


class SettingRow(msgspec.Struct, frozen=True, kw_only=True):
    """One setting as the province settings page shows it."""

    key: str
    description: str
    value: str
    default: str

    @property
    def changed(self) -> bool:
        """True when the tenant file sets a value other than the default."""
        return self.value != self.default


def _display(value: Any) -> str:
    if value is None or value is msgspec.NODEFAULT:
        return "未设置"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def setting_rows(schema: type[msgspec.Struct], settings: dict[str, Any]) -> list[SettingRow]:
    """Every field of ``schema`` with its description (``Meta(description=…)``), value and default.

    ``settings`` is the tenant's stored settings table; missing keys take the schema's defaults.
    """
    current = msgspec.convert(settings, schema)
    info = cast(msgspec.inspect.StructType, msgspec.inspect.type_info(schema))
    rows = []
    for field in info.fields:
        meta = field.type if isinstance(field.type, msgspec.inspect.Metadata) else None
        extra = (meta.extra_json_schema or {}) if meta is not None else {}
        rows.append(
            SettingRow(
                key=field.name,
                description=str(extra.get("description", field.name)),
                value=_display(getattr(current, field.name)),
                default=_display(field.default),
            )
        )
    return rows
