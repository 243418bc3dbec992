"""Tables of CME projects (继续医学教育项目): the project, its runs (期数), their sessions and materials.

A project belongs to its organiser institution (and department) and to the account that owns it
(立项用户). A declared project gets its number (the province's scheme, ``cme_project_number``) when it is
published, from a counter per year and level. Each run is held once at one venue between two dates and
carries its own hosting application (举办申请): its status, its approval request and the materials
uploaded for it. Sessions (课题/课程) are the schedule of a run, which attendance and grants use. Credits
and hours are integer hundredths, as in the ledger.
"""

from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.attendance.tables import ExternalAttendee
from cme_platform.credits.tables import CreditRecord
from cme_platform.files.tables import StoredFile
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.tables import TenantOwned


class Project(TenantOwned, Table, tablename="projects_project"):
    """A CME project: what it is, who organises it and where its declaration stands."""

    year = Integer(null=False)
    number = Varchar(length=40, null=True, default=None)
    name = Varchar(length=200, null=False)
    level = Varchar(length=32, null=False)
    nature = Varchar(length=32, null=False, default="")
    discipline = Varchar(length=64, null=False, default="")
    subdiscipline = Varchar(length=64, null=False, default="")
    institution = ForeignKey(Institution, null=False, on_delete=OnDelete.restrict, index=True)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.restrict)
    owner = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    delegate = ForeignKey(Department, null=True, on_delete=OnDelete.restrict)
    leader = Varchar(length=50, null=False, default="")
    credits = Integer(null=False, default=0)
    hours = Integer(null=False, default=0)
    hosting_form = Varchar(length=32, null=False, default="")
    assessment = Varchar(length=32, null=False, default="")
    description = Varchar(length=2000, null=False, default="")
    source = Varchar(length=12, null=False, default="entered")
    status = Varchar(length=12, null=False, default="published")
    approval = ForeignKey(ApprovalRequest, null=True, on_delete=OnDelete.set_null)
    review_comment = Varchar(length=500, null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ProjectRun(TenantOwned, Table, tablename="projects_run"):
    """One time a project is held (期数), with its hosting application."""

    project = ForeignKey(Project, null=False, on_delete=OnDelete.restrict, index=True)
    seq = Integer(null=False)
    venue = Varchar(length=200, null=False)
    starts_on = Date(null=False)
    ends_on = Date(null=False)
    note = Varchar(length=500, null=False, default="")
    status = Varchar(length=12, null=False, default="draft")
    approval = ForeignKey(ApprovalRequest, null=True, on_delete=OnDelete.set_null)
    review_comment = Varchar(length=500, null=False, default="")
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    codes_from = Timestamptz(null=True, default=None)
    """When its check-in and check-out codes start to work, where its application sets a period
    (二维码有效时间); the province's windows around each session apply otherwise."""
    codes_until = Timestamptz(null=True, default=None)


class ProjectSession(TenantOwned, Table, tablename="projects_session"):
    """A session of a run's schedule (课题/课程): its title, speakers and time."""

    run = ForeignKey(ProjectRun, null=False, on_delete=OnDelete.restrict, index=True)
    title = Varchar(length=200, null=False)
    speakers = Varchar(length=200, null=False, default="")
    starts_at = Timestamptz(null=False)
    ends_at = Timestamptz(null=False)
    hours = Integer(null=False, default=0)


class RunMaterial(TenantOwned, Table, tablename="projects_run_material"):
    """A material of a run's hosting application (会议通知, 会议日程…): one file per kind."""

    run = ForeignKey(ProjectRun, null=False, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=32, null=False)
    file = ForeignKey(StoredFile, null=False, on_delete=OnDelete.restrict)
    uploaded_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    uploaded_at = Timestamptz(default=TimestamptzNow())


class ProjectNumberCounter(TenantOwned, Table, tablename="projects_number_counter"):
    """The last sequence number handed out to a published declaration of one year and level."""

    year = Integer(null=False)
    level = Varchar(length=32, null=False)
    last_value = Integer(null=False, default=0)


class ExpertReview(TenantOwned, Table, tablename="projects_expert_review"):
    """An expert's review (专家评审) of one submission of a declaration: assigned by the commission, then
    scored and commented by the expert until the commission decides.

    ``approval`` is the submission's request: a declaration returned and submitted again is reviewed
    anew. Score and opinion stay empty until the expert submits.
    """

    project = ForeignKey(Project, null=False, on_delete=OnDelete.restrict, index=True)
    approval = ForeignKey(ApprovalRequest, null=False, on_delete=OnDelete.restrict)
    expert = ForeignKey(Account, null=False, on_delete=OnDelete.restrict, index=True)
    assigned_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    assigned_at = Timestamptz(default=TimestamptzNow())
    score = Integer(null=True, default=None)
    opinion = Varchar(length=12, null=False, default="")
    comment = Varchar(length=1000, null=False, default="")
    submitted_at = Timestamptz(null=True, default=None)


class AttendeeList(TenantOwned, Table, tablename="projects_attendee_list"):
    """A run's attendee list (学员名单): submitted by the owner after the run, checked by his institution
    (which selects those who attended the required hours) and granted by the commission.

    One per run; a list returned for changes is submitted again with fresh entries. ``deadline`` is the
    last day the institution may send it on (the run's last day plus the province's days); ``late`` marks
    one sent on later where the province accepts late lists.
    """

    run = ForeignKey(ProjectRun, null=False, on_delete=OnDelete.restrict)
    """One list per run (a unique index on tenant and run)."""
    status = Varchar(length=12, null=False, default="submitted")
    approval = ForeignKey(ApprovalRequest, null=True, on_delete=OnDelete.set_null)
    review_comment = Varchar(length=500, null=False, default="")
    deadline = Date(null=False)
    late = Boolean(null=False, default=False)
    submitted_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    submitted_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)


class AttendeeEntry(TenantOwned, Table, tablename="projects_attendee_entry"):
    """One attendee of a list (a person, or an external attendee): his attendance as submitted, and
    whether he is granted credit."""

    attendee_list = ForeignKey(AttendeeList, null=False, on_delete=OnDelete.restrict, index=True)
    person = ForeignKey(Person, null=True, on_delete=OnDelete.restrict, default=None)
    external = ForeignKey(ExternalAttendee, null=True, on_delete=OnDelete.restrict, default=None)
    """An attendee outside the registry (registered at the venue) instead of a person."""
    sessions = Integer(null=False, default=0)
    first_in = Timestamptz(null=False)
    last_out = Timestamptz(null=True, default=None)
    minutes = Integer(null=False, default=0)
    hours = Integer(null=False, default=0)
    """The hours (hundredths) of the sessions that count for him."""
    qualifies = Boolean(null=False, default=False)
    """He attended the run's required hours (the rule's preselection)."""
    selected = Boolean(null=False, default=False)
    """The institution sends him on for credit (preselected when he qualifies)."""
    credit = ForeignKey(CreditRecord, null=True, on_delete=OnDelete.set_null)
    """The credit record the grant posted for him."""
    granted_at = Timestamptz(null=True, default=None)
    """When the commission granted his credit: a person's is also a credit record; an external
    attendee's stays bound to his ID number here, for his certificate."""
    via = Varchar(length=24, null=False, default="")
    """How he was recorded (``qr``, ``card``, ``walk_in``; several joined by ``,``), for the reviewers."""
