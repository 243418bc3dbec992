"""JSON API of account administration: ``/api/identity/accounts``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from cme_platform.api.params import ActiveFilter, Id, Keyword, OptionalId, PageNumber, PageSize
from cme_platform.identity import account_schemas as s
from cme_platform.identity import accounts as service
from cme_platform.identity.account_scope import AccountScope
from cme_platform.identity.dependencies import provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.tenancy.urls import tenant_url

Reach = NamedDependency[AccountScope]


async def provide_account_scope(principal: NamedDependency[Principal]) -> AccountScope:
    """The caller's reach over accounts."""
    return AccountScope.of(principal)


def with_setup_url(request: Request[Any, Any, Any], created: s.AccountCreated) -> s.AccountCreated:
    """Add the full set-up link (scheme, host and tenant prefix) to a credential that has one."""
    path = created.credential.setup_path
    if path is not None:
        created.credential.setup_path = tenant_url(request, path)
        created.credential.setup_url = (
            f"{request.url.scheme}://{request.url.netloc}{created.credential.setup_path}"
        )
    return created


class AccountController(Controller):
    """Accounts of the tenant, within the caller's administrative reach."""

    path = "/api/identity/accounts"
    guards = [requires_role(*ORG_ADMIN_ROLES)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal), "reach": Provide(provide_account_scope)}  # noqa: RUF012
    tags = ["账户 accounts"]  # noqa: RUF012

    @get("/", summary="List accounts")
    async def list_accounts(
        self,
        reach: Reach,
        q: Keyword = None,
        role: Annotated[Role | None, QueryParameter(description="角色")] = None,
        region_id: OptionalId = None,
        institution_id: OptionalId = None,
        department_id: OptionalId = None,
        active: ActiveFilter = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> s.AccountPage:
        return await service.list_accounts(
            reach,
            q=q,
            role=role,
            region_id=region_id,
            institution_id=institution_id,
            department_id=department_id,
            active=active,
            page=page,
            page_size=page_size,
        )

    @post("/", summary="Create an account (default password or one-time set-up link)")
    async def create_account(
        self, request: Request[Any, Any, Any], reach: Reach, data: JSONBody[s.AccountIn]
    ) -> s.AccountCreated:
        return with_setup_url(request, await service.create_account(reach, data))

    @get("/{account_id:int}", summary="Read an account")
    async def get_account(self, reach: Reach, account_id: Id) -> s.AccountOut:
        return await service.get_account(reach, account_id)

    @patch("/{account_id:int}", summary="Edit, activate or deactivate an account")
    async def update_account(
        self, reach: Reach, account_id: Id, data: JSONBody[s.AccountPatch]
    ) -> s.AccountOut:
        return await service.update_account(reach, account_id, data)

    @post("/{account_id:int}/password-reset", summary="Reset the password", status_code=200)
    async def reset_password(
        self,
        request: Request[Any, Any, Any],
        reach: Reach,
        account_id: Id,
        data: JSONBody[s.PasswordResetIn],
    ) -> s.AccountCreated:
        return with_setup_url(request, await service.reset_password(reach, account_id, data.password_mode))

    @post("/{account_id:int}/roles", summary="Grant a role", status_code=200)
    async def grant_role(self, reach: Reach, account_id: Id, data: JSONBody[s.GrantIn]) -> s.AccountOut:
        return await service.grant_role(reach, account_id, data)

    @delete("/{account_id:int}/roles/{grant_id:int}", summary="Revoke a role", status_code=200)
    async def revoke_role(self, reach: Reach, account_id: Id, grant_id: Id) -> s.AccountOut:
        return await service.revoke_role(reach, account_id, grant_id)


def account_api_routes() -> list[type[Controller]]:
    """The account administration API's controllers."""
    return [AccountController]
