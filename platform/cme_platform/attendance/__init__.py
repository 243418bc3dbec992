"""Attendance (考勤): signed check-in and check-out codes for the sessions of any activity, the scans that
redeem them, and what each person attended.

A module whose activity has sessions (a project run's 课程; later Zhejiang's internal training, Beijing's
practice activities) registers a :class:`~cme_platform.attendance.sessions.SessionKind` that tells this
domain when a session takes place, whether it is open for attendance and who may show its codes. The
province's ``cme_attendance_policy`` says what a scan needs (check-out or not, the windows, rotation).

Modules: ``policy`` (the province's attendance rules), ``codes`` (signing and reading codes, the scan
page's token), ``sessions`` (the registry of session kinds), ``tables``, ``scan`` (redeeming a code,
exactly once per attendee and session, and the questionnaire), ``cards`` (刷卡签到), ``walk_in``
(现场登记), ``records`` (what a person attended, a session's codes and live counts, a group's attendance,
the questionnaire's counts), ``schemas``, ``api``.
"""
