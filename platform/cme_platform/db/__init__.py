"""Database access: the engine chosen by ``CME_DATABASE_URL`` and Piccolo's configuration.

Importing this package points Piccolo at :mod:`cme_platform.piccolo_conf` (unless ``PICCOLO_CONF`` is
already set), so every table resolves the same engine.
"""

import os

os.environ.setdefault("PICCOLO_CONF", "cme_platform.piccolo_conf")
