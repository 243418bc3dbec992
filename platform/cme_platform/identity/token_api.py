"""JSON API of API tokens: ``/api/identity/tokens`` (list, create, revoke)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from cme_platform.api.params import Id
from cme_platform.identity import tokens
from cme_platform.identity.dependencies import provide_principal
from cme_platform.identity.guards import requires_login
from cme_platform.identity.principal import Principal

CurrentPrincipal = NamedDependency[Principal]


class TokenController(Controller):
    """API tokens for integrations. The token string is returned once, by the create call."""

    path = "/api/identity/tokens"
    guards = [requires_login]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["身份与令牌 identity"]  # noqa: RUF012

    @get("/", summary="List API tokens")
    async def list_tokens(
        self,
        principal: CurrentPrincipal,
        all_accounts: Annotated[
            bool, QueryParameter(description="true：列出本租户全部令牌（仅管理用户（继教委））")
        ] = False,
    ) -> list[tokens.TokenOut]:
        """The caller's tokens, newest first (commission admins may ask for every account's)."""
        return await tokens.list_tokens(principal, every_account=all_accounts)

    @post("/", summary="Create an API token")
    async def create_token(
        self, request: Request[Any, Any, Any], principal: CurrentPrincipal, data: JSONBody[tokens.TokenIn]
    ) -> tokens.CreatedToken:
        """Create a token with a subset of the caller's roles; ``token`` is shown this once only."""
        return await tokens.create_token(principal, data, request.app.state.settings.secret_key)

    @post("/{token_id:int}/revoke", summary="Revoke an API token", status_code=200)
    async def revoke_token(self, principal: CurrentPrincipal, token_id: Id) -> tokens.TokenOut:
        """Revoke a token at once (own tokens; commission admins: any of the tenant's)."""
        return await tokens.revoke_token(principal, token_id)


def token_api_routes() -> list[Any]:
    """Route handlers of the token API."""
    return [TokenController]
