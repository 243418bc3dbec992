"""``/account/setup/{token}``: the holder of a one-time link sets his password and is signed in."""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform.errors import InvalidInput
from cme_platform.identity.setup_links import live_link_holder, use_setup_link
from cme_platform.identity.signin import complete_sign_in
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from cme_admin_ui.shell import page_context

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _page(request: Request[Any, Any, Any], holder: Any, errors: list[str], status: int = 200) -> Template:
    return Template(
        template_name="accounts/setup.html",
        context={**page_context(request), "holder": holder, "errors": errors},
        status_code=status,
    )


@get("/account/setup/{token:str}", include_in_schema=False, name="account_setup")
async def setup_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    """The set-password form, or a friendly page when the link is unknown, used or expired."""
    holder = await live_link_holder(token)
    return _page(request, holder, [], 200 if holder else 410)


@post("/account/setup/{token:str}", include_in_schema=False, status_code=303)
async def setup(request: Request[Any, Any, Any], token: FromPath[str], data: FormData) -> Template | Redirect:
    """Set the password (strength rule), retire the link and sign the account in."""
    holder = await live_link_holder(token)
    if holder is None:
        return _page(request, None, [], 410)
    password = data.get("password") or ""
    if password != (data.get("password_confirm") or ""):
        return _page(request, holder, ["两次输入的密码不一致"], 400)
    try:
        account_id = await use_setup_link(token, password)
    except InvalidInput as exc:
        return _page(request, holder, [e.message for e in exc.errors] or [exc.message], 400)
    return await complete_sign_in(request, account_id, method="setup_link")


routes = [setup_page, setup]
