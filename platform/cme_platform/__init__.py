"""CME platform core: tenancy, identity, organisations and the plugin system.

Domains live in sub-packages (``tenancy``, ``identity``, ``orgs``, ``plugins`` …); each owns its tables,
services, schemas and routes.
"""

__version__ = "0.1.0"
