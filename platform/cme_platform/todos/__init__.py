"""What waits for the signed-in user: the to-dos every module contributes through ``cme_todos``.

The home page lists them first and ``GET /api/todos`` returns them; the core's own come from
:mod:`cme_platform.todos.core` (approvals waiting, the learner's returned, rejected and unsubmitted
credits, the year's progress).
"""
