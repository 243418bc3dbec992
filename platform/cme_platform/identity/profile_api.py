"""JSON API of "my account": ``GET``/``PATCH /api/account`` and ``POST /api/account/password``."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from cme_platform.identity import account_service
from cme_platform.identity import profile_schemas as s
from cme_platform.identity.dependencies import provide_principal
from cme_platform.identity.guards import requires_login
from cme_platform.identity.password_gate import PASSWORD_CHANGE_EXEMPT_OPT
from cme_platform.identity.principal import Principal

Me = NamedDependency[Principal]


class ProfileController(Controller):
    """The signed-in account's own profile and password."""

    path = "/api/account"
    guards = [requires_login]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["我的账户 account"]  # noqa: RUF012

    @get("/", summary="My profile")
    async def get_profile(self, principal: Me) -> s.ProfileOut:
        """Contact details, roles with their org units and recent sign-ins."""
        return await account_service.profile(principal)

    @patch("/", summary="Change my phone or e-mail")
    async def patch_profile(self, principal: Me, data: JSONBody[s.ProfilePatch]) -> s.ProfileOut:
        """Phone (mainland mobile number) and e-mail; ``null`` or an empty string clears a field."""
        await account_service.update_contact(principal.account_id, data)
        return await account_service.profile(principal)

    @post("/password", summary="Change my password", status_code=204, opt={PASSWORD_CHANGE_EXEMPT_OPT: True})
    async def change_password(self, principal: Me, data: JSONBody[s.PasswordChange]) -> None:
        """Check the current password, the strength rule and the confirmation, then store the new one."""
        await account_service.change_password(principal.account_id, data)


def profile_api_routes() -> list[type[Controller]]:
    """The route handlers of this module."""
    return [ProfileController]
