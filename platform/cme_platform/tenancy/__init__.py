"""Tenancy: the tenant table, the active tenant scope, tenant resolution and the tenant-file sync."""
