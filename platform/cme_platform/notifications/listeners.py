"""The messages the core leaves when other domains' events happen, and their SMS copies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cme_platform import clock
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.tables import Account
from cme_platform.notifications.service import NotificationOut, notify
from cme_platform.plugins import hookimpl
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.standards.amounts import format_credits

if TYPE_CHECKING:
    import pluggy

    from cme_platform.events import CreditChange
    from cme_platform.tenancy.context import TenantContext


CREDIT_MESSAGES = {
    "returned": ("credits.returned", "学分被退回，请修改后重新上报：{name}"),
    "rejected": ("credits.rejected", "学分审核不通过：{name}"),
    "approved": ("credits.approved", "学分审核通过：{name}"),
    "effective": ("credits.effective", "学分已生效：{name}"),
}
"""The credit actions a learner is told about: the message kind and its title."""


def _credit_body(action: str, row: dict[str, Any]) -> str:
    """The message's second line: the reviewer's reason, or what the credit now counts for."""
    if action in ("returned", "rejected"):
        return f"审核意见：{row['review_comment']}" if row["review_comment"] else "请查看审核意见"
    credits, effective_on = format_credits(row["credits"]), row["effective_on"]
    if action == "approved" and effective_on is not None and effective_on > clock.today():
        return f"{credits} 学分，将于 {effective_on} 起计入本年度学分"
    return f"{credits} 学分，已计入本年度学分"


class NotificationListener:
    """Tells learners what happened to their credits; sends messages by SMS where the province asks."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    async def _tell_about_credits(self, change: CreditChange, action: str) -> None:
        kind, title = CREDIT_MESSAGES[action]
        rows = await (
            CreditRecord.select(
                CreditRecord.id,
                CreditRecord.activity_name,
                CreditRecord.review_comment,
                CreditRecord.effective_on,
                CreditRecord.credits,
                CreditRecord.person.account.as_alias("account"),
            )
            .where(CreditRecord.id.is_in(list(change.record_ids)))
            .order_by(CreditRecord.id)
        )
        for row in rows:
            if row["account"] is None:
                continue
            await notify(
                [row["account"]],
                kind=kind,
                title=title.format(name=row["activity_name"]),
                body=_credit_body(action, row),
                path=f"/credits/{row['id']}",
            )

    @hookimpl
    async def cme_credit_changed(self, tenant: TenantContext, change: CreditChange) -> None:
        """A learner's credit was returned, rejected or approved: tell him, with the reviewer's reason."""
        if change.action in CREDIT_MESSAGES:
            await self._tell_about_credits(change, change.action)

    @hookimpl
    async def cme_credit_effective(self, tenant: TenantContext, change: CreditChange) -> None:
        """A learner's approved credit started to count today: tell him."""
        if change.action == "effective":
            await self._tell_about_credits(change, "effective")

    @hookimpl
    async def cme_notification_created(
        self, tenant: TenantContext, account_id: int, notification: NotificationOut
    ) -> None:
        """Send the message by SMS too when the province asks for it and the account has a phone."""
        if not tenant_hooks(self._pm, tenant).cme_notification_sms(notification=notification):
            return
        row = await Account.select(Account.phone).where(Account.id == account_id).first()
        if row is None or not row["phone"]:
            return
        name = tenant.branding.get("short_name") or tenant.name
        await (
            tenant_hooks(self._pm, tenant)
            .cme_sms_gateway()
            .send(row["phone"], f"【{name}】{notification.title}")
        )
