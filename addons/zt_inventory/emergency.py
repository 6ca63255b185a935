# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Break-glass (emergency) access: a user asks for one group with a written
justification, a security officer who is neither the grantee nor the
requester approves it, and the group is the user's until the access ends
(``expires_at``, UTC), computed on every check, not only when the scheduled
task marks it expired.  Every ledger entry the user appends meanwhile carries
the access's id; an access that ended waits for a security officer's review.

The rules without the ORM are in emergency_rules.py; the design is in
doc/emergency.rst."""
import datetime as dt
import json

from sql import Literal

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, Id
from trytond.transaction import Transaction, without_check_access

from . import emergency_rules as rules
from .company import in_group
from .exceptions import (
    ActorError, EmergencyJustificationError, EmergencySelfApprovalError,
    RequestStateError)
from .ledger import LedgerStateMixin
from .refusal import recorded
from .trace import utc_now
from .workflow_fields import WorkflowFieldsMixin

SECURITY_OFFICER = 'zt_inventory.group_security_officer'
# The groups an emergency access may grant: the module's roles but the
# security officer's, who decides on emergency access.
GRANTABLE_GROUPS = ['group_production_staff', 'group_warehouse_keeper',
    'group_purchaser', 'group_sales_assistant', 'group_finance_accountant',
    'group_department_manager', 'group_finance_director', 'group_auditor']
# Set by the workflow methods alone, never by a caller from outside.
WORKFLOW_FIELDS = {'state', 'requested_by', 'requested_at', 'approved_by',
    'approved_at', 'expires_at', 'rejected_by', 'rejected_at', 'revoked_by',
    'revoked_at', 'reviewed_by', 'reviewed_at'}
# What a caller from outside may write, by state.
DRAFT_FIELDS = {'company', 'user', 'group', 'justification', 'duration'}
ENDED_STATES = {'expired', 'revoked'}
REVIEW_FIELDS = {'review_comment'}


def _datetime(value):
    "Return ``value`` read by plain SQL (datetime or SQLite's text)."
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


class EmergencyAccess(
        WorkflowFieldsMixin, LedgerStateMixin, Workflow, ModelSQL, ModelView):
    "Emergency Access"
    __name__ = 'zt.emergency.access'
    __string__ = "Emergency Access"
    # User id -> (access ids, group ids, until): what is in force, valid
    # until the first end (naive UTC) among them; cleared on every change.
    _grants_cache = Cache('zt_emergency_access.granted', context=False)

    _states = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='RESTRICT',
        states=_states, help="Who receives the group.")
    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='RESTRICT',
        states=_states,
        domain=[('id', 'in',
                [Id('zt_inventory', g) for g in GRANTABLE_GROUPS])],
        help="The role the user needs for the emergency.")
    justification = fields.Text(
        "Justification", required=True, states=_states,
        help="What happened and why the access is needed.")
    duration = fields.TimeDelta(
        "Duration", required=True, states=_states,
        help="How long the access lasts once approved.")
    in_force = fields.Function(fields.Boolean("In Force",
            help="Approved and not yet ended: the user holds the group."),
        'get_in_force', searcher='search_in_force')
    requested_by = fields.Many2One('res.user', "Requested By", readonly=True)
    requested_at = fields.DateTime("Requested At", readonly=True,
        help="In UTC.")
    approved_by = fields.Many2One('res.user', "Approved By", readonly=True)
    approved_at = fields.DateTime("Approved At", readonly=True)
    expires_at = fields.DateTime("Expires At", readonly=True,
        help="In UTC: the access ends then, whatever its state says.")
    rejected_by = fields.Many2One('res.user', "Rejected By", readonly=True)
    rejected_at = fields.DateTime("Rejected At", readonly=True)
    revoked_by = fields.Many2One('res.user', "Revoked By", readonly=True)
    revoked_at = fields.DateTime("Revoked At", readonly=True)
    review_comment = fields.Text("Review Comment",
        states={'readonly': ~Eval('state').in_(list(ENDED_STATES))},
        help="What the security officer found about the actions taken "
        "under the access.")
    reviewed_by = fields.Many2One('res.user', "Reviewed By", readonly=True)
    reviewed_at = fields.DateTime("Reviewed At", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('requested', "Requested"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('expired', "Expired"),
            ('revoked', "Revoked"),
            ('reviewed', "Reviewed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'requested'),
            ('draft', 'cancelled'),
            ('requested', 'cancelled'),
            ('requested', 'approved'),
            ('requested', 'rejected'),
            ('approved', 'expired'),
            ('approved', 'revoked'),
            ('expired', 'reviewed'),
            ('revoked', 'reviewed'),
            }
        ended = ~Eval('state').in_(list(ENDED_STATES))
        cls._buttons.update({
                'request': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward', 'depends': ['state']},
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'requested']),
                    'icon': 'tryton-cancel', 'depends': ['state']},
                'approve': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-ok', 'depends': ['state']},
                'reject': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-cancel', 'depends': ['state']},
                'revoke': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-cancel', 'depends': ['state']},
                'review': {
                    'invisible': ended,
                    'readonly': ended | ~Eval('review_comment'),
                    'icon': 'tryton-ok',
                    'depends': ['state', 'review_comment']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_user(cls):
        return Transaction().user

    @classmethod
    def default_duration(cls):
        Configuration = Pool().get('zt.inventory.configuration')
        return (Configuration(1).emergency_duration
            or rules.DEFAULT_DURATION)

    def get_rec_name(self, name):
        return '#%s %s / %s' % (
            self.id, self.user.rec_name, self.group.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('user.rec_name', operator, operand, *extra),
            ('group.rec_name', operator, operand, *extra)]

    def get_in_force(self, name):
        return rules.in_force(self.state, self.expires_at, utc_now())

    @classmethod
    def search_in_force(cls, name, clause):
        _, operator, value = clause
        now = utc_now()
        if (operator == '=') == bool(value):
            return [('state', '=', 'approved'), ('expires_at', '>', now)]
        return ['OR', ('state', '!=', 'approved'),
            ('expires_at', '<=', now), ('expires_at', '=', None)]

    @classmethod
    def granted(cls, user_id):
        """Return ``(access ids, group ids)`` (sorted tuples of int) of the
        accesses of ``user_id`` (int) in force now: approved, the time before
        ``expires_at`` (UTC) and the group active, whatever the scheduled
        task did.  Plain SQL, without access checks (res.user.get_groups
        calls it); cached per user until the first of them ends."""
        pool = Pool()
        Group = pool.get('res.group')
        now = utc_now()
        cached = cls._grants_cache.get(int(user_id))
        if cached is not None:
            ids, groups, until = cached
            if until is None or now < until:
                return ids, groups
        table, group = cls.__table__(), Group.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.join(group,
                condition=table.group == group.id).select(
                table.id, table.group, table.expires_at,
                where=(table.user == int(user_id))
                & (table.state == 'approved')
                & (group.active == Literal(True))))
        result = rules.grants(
            ((a, g, _datetime(e)) for a, g, e in cursor), now)
        cls._grants_cache.set(int(user_id), result)
        return result[:2]

    @classmethod
    def active_for_user(cls, user_id):
        """Return the accesses (list of zt.emergency.access) in force now
        for ``user_id`` (int): approved and now before ``expires_at`` (UTC).
        For the segregation-of-duties rules that an emergency access may
        override; read them without access checks."""
        ids, _ = cls.granted(user_id)
        return cls.browse(ids)

    @classmethod
    def on_modification(cls, mode, accesses, field_names=None):
        super().on_modification(mode, accesses, field_names=field_names)
        # Approvals, ends and reviews change what users hold.
        cls._grants_cache.clear()

    @classmethod
    def _outside_workflow_fields(cls):
        # Checked on creation too (WorkflowFieldsMixin): Tryton runs
        # preprocess_values without access checks.
        return WORKFLOW_FIELDS

    @classmethod
    @recorded
    def check_modification(cls, mode, accesses, values=None,
            external=False):
        super().check_modification(
            mode, accesses, values=values, external=external)
        if mode == 'delete':
            for access in accesses:
                if access.state != 'draft':
                    raise RequestStateError(gettext(
                            'zt_inventory.msg_emergency_delete',
                            access=access.rec_name))
        elif mode == 'write' and external:
            # The workflow fields are refused by WorkflowFieldsMixin.
            for access in accesses:
                allowed = (DRAFT_FIELDS if access.state == 'draft'
                    else REVIEW_FIELDS if access.state in ENDED_STATES
                    else set())
                if set(values) - allowed:
                    raise RequestStateError(gettext(
                            'zt_inventory.msg_emergency_closed',
                            access=access.rec_name))

    @classmethod
    def validate_fields(cls, accesses, field_names):
        super().validate_fields(accesses, field_names)
        if field_names is None or {'justification', 'duration'} & set(
                field_names):
            for access in accesses:
                access.check_request()

    def check_request(self):
        """Raise :class:`EmergencyJustificationError` unless the
        justification has rules.MIN_JUSTIFICATION characters and the
        duration is more than zero and at most rules.MAX_DURATION."""
        if not rules.justification_ok(self.justification):
            raise EmergencyJustificationError(gettext(
                    'zt_inventory.msg_emergency_justification',
                    minimum=rules.MIN_JUSTIFICATION))
        if not rules.duration_ok(self.duration):
            raise EmergencyJustificationError(gettext(
                    'zt_inventory.msg_emergency_duration',
                    hours=rules.MAX_DURATION // dt.timedelta(hours=1)))

    @classmethod
    def copy(cls, accesses, default=None):
        "Copy accesses as new drafts, without their workflow values."
        default = default.copy() if default is not None else {}
        for name in WORKFLOW_FIELDS | REVIEW_FIELDS:
            default.setdefault(name, None)
        default['state'] = 'draft'
        return super().copy(accesses, default=default)

    @classmethod
    def check_security_officer(cls, accesses, conflicts=True):
        """Raise :class:`ActorError` unless the current user (root too) is
        a security officer, and with ``conflicts``
        :class:`EmergencySelfApprovalError` if that user is the grantee or
        the requester of one of ``accesses``.  Returns the user."""
        User = Pool().get('res.user')
        user = User(Transaction().user)
        if accesses and not in_group(SECURITY_OFFICER):
            raise ActorError(gettext(
                    'zt_inventory.msg_emergency_security_officer',
                    user=user.rec_name,
                    access=', '.join(a.rec_name for a in accesses)))
        for access in accesses if conflicts else []:
            found = rules.decision_conflicts(user.id, access.user.id,
                access.requested_by.id if access.requested_by else None)
            if found:
                raise EmergencySelfApprovalError(gettext(
                        'zt_inventory.msg_emergency_own_%s' % found[0],
                        user=user.rec_name, access=access.rec_name))
        return user

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('requested')
    def request(cls, accesses):
        "Ask for the accesses: the actor must be their grantee."
        user = Transaction().user
        for access in accesses:
            if access.user.id != user:
                raise ActorError(gettext(
                        'zt_inventory.msg_emergency_not_grantee',
                        access=access.rec_name))
            access.check_request()
        cls.write(accesses, {'requested_by': user, 'requested_at': utc_now()})
        cls.notify_security_officers(
            accesses, 'zt_inventory.msg_emergency_notify_request')

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, accesses):
        "Withdraw requests: by their grantee or a security officer."
        user = Transaction().user
        if any(a.user.id != user for a in accesses):
            cls.check_security_officer(accesses, conflicts=False)

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, accesses):
        """Grant the accesses from now until now + duration (UTC).  Raises
        :class:`ActorError` for an actor who is not a security officer and
        :class:`EmergencySelfApprovalError` for their grantee or requester,
        root and administrators included."""
        user = cls.check_security_officer(accesses)
        now = utc_now()
        for access in accesses:
            access.approved_by = user
            access.approved_at = now
            access.expires_at = rules.expiry(now, access.duration)
        cls.save(accesses)

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, accesses):
        user = cls.check_security_officer(accesses)
        cls.write(accesses, {'rejected_by': user.id, 'rejected_at': utc_now()})

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('revoked')
    def revoke(cls, accesses):
        "End the accesses now; they wait for a review like expired ones."
        user = cls.check_security_officer(accesses, conflicts=False)
        now = utc_now()
        cls.write(accesses, {
                'revoked_by': user.id, 'revoked_at': now, 'expires_at': now})

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('reviewed')
    def review(cls, accesses):
        """Close ended accesses with the review comment: by a security
        officer who is neither their grantee nor their requester."""
        user = cls.check_security_officer(accesses)
        for access in accesses:
            if not (access.review_comment or '').strip():
                raise EmergencyJustificationError(gettext(
                        'zt_inventory.msg_emergency_review_comment',
                        access=access.rec_name))
        cls.write(accesses, {'reviewed_by': user.id, 'reviewed_at': utc_now()})

    @classmethod
    @Workflow.transition('expired')
    def expire(cls, accesses):
        """Mark approved accesses expired; raises
        :class:`RequestStateError` for one whose end has not come."""
        now = utc_now()
        for access in accesses:
            if not rules.due(access.state, access.expires_at, now):
                raise RequestStateError(gettext(
                        'zt_inventory.msg_emergency_not_due',
                        access=access.rec_name))

    @classmethod
    def expire_accesses(cls):
        """Mark expired every approved access whose end (UTC) has come and
        tell the security officers that it waits for review (the ir.cron
        task, whatever the caller's access).  Returns the accesses."""
        with without_check_access():
            accesses = cls.search([
                    ('state', '=', 'approved'),
                    ('expires_at', '<=', utc_now()),
                    ])
            cls.expire(accesses)
            cls.notify_security_officers(
                accesses, 'zt_inventory.msg_emergency_notify_review')
        return accesses

    @classmethod
    def notify_security_officers(cls, accesses, message):
        """Send each security officer (member of the group) but the grantee
        a notification ``message`` (ir.message xml id) per access."""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        group = ModelData.get_id(*SECURITY_OFFICER.split('.'))
        with without_check_access():
            officers = User.search([('groups', '=', group)])
            Notification.create([{
                        'user': o.id,
                        'label': gettext(message),
                        'description': a.rec_name,
                        'model': cls.__name__,
                        'records': json.dumps([a.id]),
                        } for a in accesses for o in officers
                    if o != a.user])

    def _ledger_state_payload(self, old_state):
        """Return the payload (dict) of a change of state from ``old_state``:
        the whole access (times in UTC, the duration in seconds)."""
        def id_(record):
            return record.id if record else None
        return {
            'reference': self.rec_name,
            'state': [old_state, self.state],
            'grantee': self.user.id,
            'grantee_login': self.user.login,
            'group': self.group.id,
            'group_name': self.group.name,
            'justification': self.justification,
            'duration': self.duration,
            'requested_by': id_(self.requested_by),
            'requested_at': self.requested_at,
            'approved_by': id_(self.approved_by),
            'approved_at': self.approved_at,
            'expires_at': self.expires_at,
            'rejected_by': id_(self.rejected_by),
            'revoked_by': id_(self.revoked_by),
            'reviewed_by': id_(self.reviewed_by),
            'review_comment': self.review_comment,
            }
