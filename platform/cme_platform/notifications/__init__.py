"""站内消息: what happened to a user's work, kept for him to read (and, where a province wants, sent by SMS).

Modules call :func:`cme_platform.notifications.service.notify` inside the transaction of what happened;
the messages are listed on the 站内消息 page and by ``GET /api/notifications``, with the unread count in
the header of every page. The ``cme_notification_sms`` hook decides which messages also go out by SMS
through the tenant's gateway (the console gateway by default) after the transaction commits.
"""
