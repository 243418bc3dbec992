"""The plugin author's test kit: pytest fixtures (``pytest_plugin``) and the plugin contract tests.

Installed as the pytest plugin ``cme_testkit`` (entry point ``pytest11``), so any test in a project that
has ``cme-platform`` installed gets the fixtures: ``cme_plugins`` (override it to choose the plugins),
``cme_app``, ``cme_client``, ``tenant_factory``, ``account_factory``, ``login``, ``cme_scope`` and
``cme_db``. Set ``CME_TEST_DB=postgres`` to run the database tests on PostgreSQL.
"""
