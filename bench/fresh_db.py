"""Drop and create the benchmark's throwaway PostgreSQL database.

.venv/bin/python bench/fresh_db.py postgresql://postgres@127.0.0.1:5432 cme_bench
"""

from __future__ import annotations

import asyncio
import re
import sys

import asyncpg


async def recreate(server: str, name: str) -> None:
    """Drop the database ``name`` on ``server`` (closing its connections) and create it empty."""
    conn = await asyncpg.connect(f"{server.rstrip('/')}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def main() -> None:
    """Parse ``SERVER NAME`` and recreate the database."""
    if len(sys.argv) != 3 or not re.fullmatch(r"[a-z_][a-z0-9_]*", sys.argv[2]):
        sys.exit("usage: fresh_db.py postgresql://user@host:port database_name")
    asyncio.run(recreate(sys.argv[1], sys.argv[2]))
    print(f"database {sys.argv[2]} is empty")


if __name__ == "__main__":
    main()
