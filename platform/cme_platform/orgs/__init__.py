"""The organisation tree of a tenant: regions (区/市), institutions (单位) and departments (科室)."""
