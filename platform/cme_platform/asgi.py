"""The ASGI application for servers: ``uvicorn cme_platform.asgi:app``."""

from cme_platform.app import create_app

app = create_app()
