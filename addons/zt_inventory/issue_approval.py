# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Approvals of issue requests, with segregation of duties enforced in the
transition methods for every caller (RPC, batch, import, internal, root)."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import approval as approval_rules
from . import sod_rules
from .company import get_actor, in_group
from .exceptions import ActorError, RequestStateError
from .ledger import plain
from .refusal import recorded
from .trace import dumps, utc_now

LEVEL_GROUPS = {
    approval_rules.MANAGER: 'zt_inventory.group_department_manager',
    approval_rules.FINANCE: 'zt_inventory.group_finance_director',
    approval_rules.PRODUCTION: 'zt_inventory.group_production_manager',
    }


class RequestTraceMixin:
    """Who (user and employee) did something to which request, and when
    (UTC, to the second); ordered by time."""
    __slots__ = ()
    request = fields.Many2One(
        'zt.issue.request', "Request", required=True, ondelete='CASCADE',
        readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True,
        help="In UTC, to the second.")
    user = fields.Many2One('res.user', "User", readonly=True)
    employee = fields.Many2One('company.employee', "Employee", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]


class IssueRequestApproval(RequestTraceMixin, ModelSQL, ModelView):
    "Material Issue Request Approval"
    __name__ = 'zt.issue.request.approval'
    __string__ = "Material Issue Request Approval"
    level = fields.Selection([
            ('manager', "Department Manager"),
            ('finance', "Finance Director"),
            ('production', "Production Manager"),
            ], "Level", required=True, readonly=True)
    decision = fields.Selection([
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ], "Decision", required=True, readonly=True)
    comment = fields.Text("Comment", readonly=True)
    valid = fields.Boolean("Valid", readonly=True,
        help="Cleared when a change of the request withdraws the approval.")

    @classmethod
    def default_valid(cls):
        return True


class IssueRequestHistory(RequestTraceMixin, ModelSQL, ModelView):
    "Material Issue Request History"
    __name__ = 'zt.issue.request.history'
    __string__ = "Material Issue Request History"
    action = fields.Selection([
            ('draft', "Reset to Draft"),
            ('submitted', "Submitted"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('approvals_reset', "Approvals Reset"),
            ('changed', "Changed"),
            ('scanned', "Scan Accepted"),
            ('issued', "Issued"),
            ('cancelled', "Cancelled"),
            ], "Action", required=True, readonly=True)
    details = fields.Text("Details", readonly=True,
        help="JSON: for changes, field -> [old value, new value].")

    @classmethod
    def record(cls, requests, action, details=None):
        """Append one history line per request for ``action`` by the current
        user (and its employee, if any), now in UTC.  ``details``: list
        aligned with ``requests`` of JSON-serialisable values, or None."""
        pool = Pool()
        User = pool.get('res.user')
        if not requests:
            return
        user = User(Transaction().user)
        employee = user.employee
        now = utc_now()
        details = details or [None] * len(requests)
        # The history is read-only for every group: only this method,
        # called by the workflow and by writes, appends to it.
        with without_check_access():
            cls.create([{
                        'request': r.id,
                        'date': now,
                        'user': user.id,
                        'employee': employee.id if employee else None,
                        'action': action,
                        'details': dumps(d) if d is not None else None,
                        } for r, d in zip(requests, details)])
        append_request_events(requests, action, details)


def append_request_events(requests, action, details):
    """Append one ledger entry 'zt.issue.request.<action>' per request to
    the chain of its production's warehouse, with the request's number,
    the action and its details (list aligned with ``requests``).  No state:
    a history line may be written before its transition sets the state."""
    Entry = Pool().get('zt.ledger.entry')
    Entry.append([{
                'company': r.company,
                'warehouse': r.production.warehouse,
                'event': 'zt.issue.request.%s' % action,
                'record': r,
                'payload': {
                    'number': r.number,
                    'action': action,
                    'details': plain(d),
                    },
                } for r, d in zip(requests, details)])


class IssueRequest(metaclass=PoolMeta):
    __name__ = 'zt.issue.request'

    @classmethod
    def check_approver(cls, request, level, employee):
        """Raise unless ``employee`` (the actor) may decide ``level`` on
        ``request``: no segregation-of-duties rule forbids it (zt.sod.rule,
        duty 'issue_request.approve_<level>': by default neither the
        requester nor the approver of the other level; checked first, so
        that the refusal names the conflict, for root too), in the level's
        group, and the requester's supervisor for the manager level."""
        pool = Pool()
        Rule = pool.get('zt.sod.rule')
        Rule.check([request], sod_rules.APPROVE[level], employee=employee)
        if not in_group(LEVEL_GROUPS[level]):
            raise ActorError(gettext(
                    'zt_inventory.msg_approval_group',
                    request=request.rec_name,
                    level=gettext('zt_inventory.msg_level_%s' % level)))
        if (level == approval_rules.MANAGER
                and request.requested_by.supervisor != employee):
            raise ActorError(gettext(
                    'zt_inventory.msg_approval_not_supervisor',
                    request=request.rec_name,
                    requester=request.requested_by.rec_name))

    @classmethod
    @recorded
    @without_check_access
    def decide_all(cls, requests, decision, comment=None):
        """Record the actor's ``decision`` ('approved' or 'rejected') on the
        next level each request needs, then move fully approved requests to
        approved and rejected ones to rejected.

        Runs the checks for every caller, then writes without access checks,
        as a button's body does; raises :class:`ActorError`,
        :class:`SegregationOfDutiesError` or :class:`RequestStateError`."""
        pool = Pool()
        Approval = pool.get('zt.issue.request.approval')
        History = pool.get('zt.issue.request.history')
        assert decision in {'approved', 'rejected'}
        cls.lock(requests)
        to_create, approved = [], []
        for request in requests:
            request = cls(request.id)
            if request.state != 'waiting':
                raise RequestStateError(gettext(
                        'zt_inventory.msg_issue_request_not_waiting',
                        request=request.rec_name))
            user, employee = get_actor(request.company)
            level = request.missing_level()
            cls.check_approver(request, level, employee)
            to_create.append({
                    'request': request.id,
                    'level': level,
                    'decision': decision,
                    'employee': employee.id,
                    'user': user.id,
                    'date': utc_now(),
                    'comment': comment,
                    })
        Approval.create(to_create)
        History.record(requests, decision,
            details=[{'level': v['level'], 'comment': comment}
                for v in to_create])
        if decision == 'rejected':
            cls.reject(requests)
        else:
            approved = [r for r in cls.browse(requests)
                if not r.missing_level()]
            cls.approve(approved)

    @classmethod
    @Workflow.transition('approved')
    def approve(cls, requests):
        "Move requests whose every required level approved to approved."
        for request in requests:
            level = request.missing_level()
            if level:
                raise RequestStateError(gettext(
                        'zt_inventory.msg_issue_request_approval_required',
                        request=request.rec_name,
                        level=gettext('zt_inventory.msg_level_%s' % level)))

    @classmethod
    @Workflow.transition('rejected')
    def reject(cls, requests):
        pass


class IssueRequestDecideStart(ModelView):
    "Approve or Reject Material Issue Request"
    __name__ = 'zt.issue.request.decide.start'
    __string__ = "Approve or Reject Material Issue Request"
    comment = fields.Text("Comment",
        help="Why you approve or reject; kept with the decision.")
    level = fields.Char("Level", readonly=True)


class IssueRequestDecide(Wizard):
    "Approve or Reject Material Issue Request"
    __name__ = 'zt.issue.request.decide'
    start = StateView('zt.issue.request.decide.start',
        'zt_inventory.issue_request_decide_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reject", 'reject', 'tryton-cancel'),
            Button("Approve", 'approve', 'tryton-ok', default=True),
            ])
    approve = StateTransition()
    reject = StateTransition()

    def default_start(self, fields):
        levels = {r.missing_level() for r in self.records}
        return {
            'level': ', '.join(
                gettext('zt_inventory.msg_level_%s' % level)
                for level in sorted(filter(None, levels))),
            }

    def transition_approve(self):
        self.model.decide_all(self.records, 'approved', self.start.comment)
        return 'end'

    def transition_reject(self):
        if not self.start.comment:
            raise RequestStateError(gettext(
                    'zt_inventory.msg_rejection_comment_required'))
        self.model.decide_all(self.records, 'rejected', self.start.comment)
        return 'end'

