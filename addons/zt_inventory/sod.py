# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Segregation of duties as data: rules that pair two conflicting duties,
checked by the model methods that perform a duty (every caller: RPC,
import, batch buttons, wizards, cron, root), and the report of the users
whose groups grant both duties of a rule.  See doc/sod.rst."""
import logging

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import sod_rules
from .exceptions import SegregationOfDutiesError, SoDRuleError
from .issue_approval import LEVEL_GROUPS
from .refusal import _chain_of, refused

logger = logging.getLogger(__name__)

DUTY_SELECTION = [
    (sod_rules.REQUEST, "Request Material"),
    (sod_rules.APPROVE_MANAGER, "Approve Request (Department Manager)"),
    (sod_rules.APPROVE_FINANCE, "Approve Request (Finance Director)"),
    (sod_rules.APPROVE_PRODUCTION,
        "Approve Request (Production Manager)"),
    (sod_rules.ISSUE, "Issue Material"),
    (sod_rules.COUNT, "Count Stock"),
    (sod_rules.CONFIRM_COUNT, "Confirm Count"),
    (sod_rules.CONFIRM_PURCHASE, "Confirm Purchase"),
    (sod_rules.RECEIVE, "Receive Supplier Shipment"),
    (sod_rules.CREATE_TRANSFER, "Create Transfer"),
    (sod_rules.APPROVE_TRANSFER, "Approve Transfer"),
    ]
# Duty -> the model of the documents it is performed on.
DUTY_MODELS = {
    sod_rules.REQUEST: 'zt.issue.request',
    sod_rules.APPROVE_MANAGER: 'zt.issue.request',
    sod_rules.APPROVE_FINANCE: 'zt.issue.request',
    sod_rules.APPROVE_PRODUCTION: 'zt.issue.request',
    sod_rules.ISSUE: 'zt.issue.request',
    sod_rules.COUNT: 'stock.inventory',
    sod_rules.CONFIRM_COUNT: 'stock.inventory',
    sod_rules.CONFIRM_PURCHASE: 'purchase.purchase',
    sod_rules.RECEIVE: 'stock.shipment.in',
    sod_rules.CREATE_TRANSFER: 'stock.shipment.internal',
    sod_rules.APPROVE_TRANSFER: 'stock.shipment.internal',
    }
# Duty -> what grants it: the buttons (model, name) whose groups grant it
# (a button without groups: the groups that may write its model), models
# whose write or create access grants it, and groups the method also
# requires (the approval level's group, the keeper group).
DUTY_GRANTS = {
    sod_rules.REQUEST: {'buttons': [('zt.issue.request', 'wait')]},
    sod_rules.APPROVE_MANAGER: {
        'buttons': [('zt.issue.request', 'decide')],
        'groups': [LEVEL_GROUPS['manager']]},
    sod_rules.APPROVE_FINANCE: {
        'buttons': [('zt.issue.request', 'decide')],
        'groups': [LEVEL_GROUPS['finance']]},
    sod_rules.APPROVE_PRODUCTION: {
        'buttons': [('zt.issue.request', 'decide')],
        'groups': [LEVEL_GROUPS['production']]},
    sod_rules.ISSUE: {
        'buttons': [('zt.issue.request', 'issue')],
        'groups': ['zt_inventory.group_warehouse_keeper']},
    sod_rules.COUNT: {'models': ['stock.inventory']},
    sod_rules.CONFIRM_COUNT: {'buttons': [('stock.inventory', 'confirm')]},
    sod_rules.CONFIRM_PURCHASE: {
        'buttons': [('purchase.purchase', 'confirm')]},
    sod_rules.RECEIVE: {'buttons': [
            ('stock.shipment.in', 'receive'), ('stock.shipment.in', 'do')]},
    sod_rules.CREATE_TRANSFER: {'models': ['stock.shipment.internal']},
    sod_rules.APPROVE_TRANSFER: {
        'buttons': [('stock.shipment.internal', 'approve')]},
    }
# Issue-request conflicts keep the workflow's own wording.
REQUEST_MESSAGES = {
    sod_rules.REQUEST: 'zt_inventory.msg_sod_rule_requester',
    sod_rules.APPROVE_MANAGER: 'zt_inventory.msg_sod_rule_approver',
    sod_rules.APPROVE_FINANCE: 'zt_inventory.msg_sod_rule_approver',
    }


def moving(Model, records, state):
    """Return the ``records`` of the Workflow ``Model`` that a transition
    to ``state`` (str) moves: Tryton's Workflow.transition skips the
    others, so they perform no duty."""
    return [r for r in records
        if (r.state, state) in Model._transitions and r.state != state]


class SoDRule(DeactivableMixin, ModelSQL, ModelView):
    "Segregation of Duties Rule"
    __name__ = 'zt.sod.rule'
    __string__ = "Segregation of Duties Rule"
    name = fields.Char("Name", required=True, translate=True)
    first_duty = fields.Selection(DUTY_SELECTION, "First Duty",
        required=True, sort=False)
    second_duty = fields.Selection(DUTY_SELECTION, "Second Duty",
        required=True, sort=False,
        help="Whoever performed one duty on a document may not perform "
        "the other on it (or on a linked document).")
    emergency_override = fields.Boolean("Emergency Override",
        help="An approved, unexpired emergency access lets its user "
        "perform a duty despite this rule; each such action is recorded "
        "in the ledger.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_emergency_override(cls):
        return False

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        if field_names & {'first_duty', 'second_duty'}:
            for rule in rules:
                try:
                    sod_rules.check_duties(rule.first_duty, rule.second_duty,
                        sod_rules.DUTIES)
                except ValueError:
                    raise SoDRuleError(gettext(
                            'zt_inventory.msg_sod_rule_same_duty',
                            rule=rule.rec_name))

    def as_rule(self):
        "Return the rule as a plain :class:`sod_rules.Rule`."
        return sod_rules.Rule(self.id, self.name, self.first_duty,
            self.second_duty, bool(self.emergency_override))

    @classmethod
    def active_rules(cls, duty=None):
        """Return the active rules (list of sod_rules.Rule), those that name
        ``duty`` (str) when given; read whatever the caller's access."""
        domain = [('active', '=', True)]
        if duty:
            domain.append(['OR',
                    ('first_duty', '=', duty), ('second_duty', '=', duty)])
        with without_check_access():
            return [r.as_rule() for r in cls.search(domain, order=[
                        ('id', 'ASC')])]

    @classmethod
    def check(cls, records, duty, employee=None, user=None):
        """Raise :class:`SegregationOfDutiesError` if the actor may not
        perform ``duty`` (str, see sod_rules.DUTIES) on ``records`` (list of
        instances of the duty's model) under an active rule; call it at the
        start of the method that performs the duty.

        The actor is ``user`` (res.user, default the transaction's user,
        root included) and ``employee`` (company.employee, default the
        user's current employee, for root the context's): one person with
        whoever shares either.  The refusal names the rule, the record and
        the person and is recorded in the ledger ('<model>.refused', see
        refusal.refused).  A conflict with rules that all allow an emergency
        override is allowed when the user has an active emergency access:
        then '<model>.sod_override' is appended to the ledger."""
        pool = Pool()
        User = pool.get('res.user')
        rules = cls.active_rules(duty)
        if not rules or not records:
            return
        if user is None:
            user = User(Transaction().user)
        if employee is None:
            employee = user.employee
        actor = sod_rules.Actor(user.id, employee.id if employee else None)
        others = {sod_rules.other_duty(r, duty) for r in rules}
        with without_check_access():
            for record in records:
                found = sod_rules.conflicts(rules, duty, actor,
                    cls.performed(record, others), order=sod_rules.DUTIES)
                if found:
                    cls._refuse_or_override(
                        record, found, user, employee)

    @classmethod
    def _refuse_or_override(cls, record, found, user, employee):
        "Raise the refusal of the first conflict, unless overridden."
        blocking = [c for c in found if not c.rule.emergency_override]
        accesses = [] if blocking else cls.emergency_accesses(user.id)
        company, _ = _chain_of(record)
        if blocking or not accesses or company is None:
            conflict = (blocking or found)[0]
            raise refused(SegregationOfDutiesError(
                    cls.conflict_message(conflict, record, user, employee)),
                [record])
        cls.record_override(record, found, accesses)

    @classmethod
    def emergency_accesses(cls, user_id):
        """Return the ids (list of int) of the active emergency accesses of
        the user ``user_id``; none while zt.emergency.access does not
        exist."""
        try:
            Access = Pool().get('zt.emergency.access')
        except KeyError:
            return []
        with without_check_access():
            return [int(a) if isinstance(a, int) else a.id
                for a in Access.active_for_user(user_id)]

    @classmethod
    def record_override(cls, record, found, accesses):
        """Append '<model>.sod_override' to the ledger for ``record``: the
        rules of ``found`` (list of sod_rules.Conflict) and the emergency
        accesses (list of ids) that let the actor act.  Once per record,
        rule and transaction: a method that checks twice records once."""
        Entry = Pool().get('zt.ledger.entry')
        transaction = Transaction()
        done = getattr(transaction, '_zt_sod_overrides', None)
        if done is None:
            done = transaction._zt_sod_overrides = set()
        company, warehouse = _chain_of(record)
        events = []
        for conflict in found:
            key = (record.__name__, record.id, conflict.rule.id)
            if key in done:
                continue
            done.add(key)
            events.append({
                    'company': company,
                    'warehouse': warehouse,
                    'event': '%s.sod_override' % record.__name__,
                    'record': record,
                    'payload': {
                        'rule': conflict.rule.name,
                        'rule_id': conflict.rule.id,
                        'duty': conflict.duty,
                        'other_duty': conflict.other,
                        'reference': record.rec_name,
                        'emergency_accesses': sorted(accesses),
                        },
                    })
        Entry.append(events)

    @classmethod
    def conflict_message(cls, conflict, record, user, employee):
        """Return the refusal's text (str, in the user's language) of
        ``conflict`` (sod_rules.Conflict) on ``record``."""
        person = (employee or user).rec_name
        source = conflict.source or record
        if (record.__name__ == 'zt.issue.request' and source == record
                and conflict.other in REQUEST_MESSAGES):
            return gettext(REQUEST_MESSAGES[conflict.other],
                rule=conflict.rule.name, employee=person,
                request=record.rec_name)
        labels = dict(cls.fields_get(['first_duty'])['first_duty'][
                'selection'])
        return gettext('zt_inventory.msg_sod_conflict',
            rule=conflict.rule.name, person=person,
            done=labels[conflict.other], done_record=source.rec_name,
            duty=labels[conflict.duty], record=record.rec_name)

    @classmethod
    def performed(cls, record, duties):
        """Return who performed each of ``duties`` (iterable of str) on
        ``record`` or on the documents linked to it: {duty: [(Actor,
        document)]}."""
        result = {}
        for duty in duties:
            documents = cls.documents(record, DUTY_MODELS[duty])
            getter = getattr(cls, '_performers_%s' % duty.replace('.', '_'))
            result[duty] = [(actor, document) for document in documents
                for actor in getter(document)]
        return result

    @classmethod
    def documents(cls, record, model):
        """Return the documents of ``model`` (str) that ``record`` is, or
        is linked to (a purchase and the supplier shipments of its moves).
        """
        if record.__name__ == model:
            return [record]
        if (record.__name__, model) == (
                'stock.shipment.in', 'purchase.purchase'):
            return list({m.origin.purchase for m in record.incoming_moves
                    if getattr(m.origin, '__name__', None)
                    == 'purchase.line'})
        if (record.__name__, model) == (
                'purchase.purchase', 'stock.shipment.in'):
            return list(record.shipments)
        return []

    @staticmethod
    def _actor(user, employee):
        return sod_rules.Actor(user.id if user else None,
            employee.id if employee else None)

    @classmethod
    def _performers_issue_request_request(cls, request):
        if request.requested_by or request.requested_by_user:
            return [cls._actor(
                    request.requested_by_user, request.requested_by)]
        return []

    @classmethod
    def _approvers(cls, request, level):
        return [cls._actor(a.user, a.employee)
            for a in request.valid_approvals() if a.level == level]

    @classmethod
    def _performers_issue_request_approve_manager(cls, request):
        return cls._approvers(request, 'manager')

    @classmethod
    def _performers_issue_request_approve_finance(cls, request):
        return cls._approvers(request, 'finance')

    @classmethod
    def _performers_issue_request_approve_production(cls, request):
        return cls._approvers(request, 'production')

    @classmethod
    def _performers_issue_request_issue(cls, request):
        if request.issued_by or request.issued_by_user:
            return [cls._actor(request.issued_by_user, request.issued_by)]
        return []

    @classmethod
    def _performers_inventory_count(cls, inventory):
        """Who created or last wrote the inventory or one of its lines,
        with each of their employees."""
        users = {inventory.create_uid, inventory.write_uid}
        for line in inventory.lines:
            users |= {line.create_uid, line.write_uid}
        return [sod_rules.Actor(u.id, e.id if e else None)
            for u in users if u is not None
            for e in (u.employees or [None])]

    @classmethod
    def _performers_inventory_confirm(cls, inventory):
        return cls._ledger_actors(inventory, ['stock.inventory.done'])

    @classmethod
    def _performers_purchase_confirm(cls, purchase):
        if purchase.confirmed_by or purchase.confirmed_by_user:
            return [cls._actor(
                    purchase.confirmed_by_user, purchase.confirmed_by)]
        return []

    @classmethod
    def _performers_shipment_in_receive(cls, shipment):
        "Who received or did the shipment: its fields and its ledger."
        actors = [cls._actor(None, e)
            for e in (shipment.received_by, shipment.done_by) if e]
        return actors + cls._ledger_actors(shipment, [
                'stock.shipment.in.received', 'stock.shipment.in.done'])

    @classmethod
    def _performers_shipment_internal_create(cls, shipment):
        "Who created the transfer, with each of their employees."
        user = shipment.create_uid
        if user is None:
            return []
        return [sod_rules.Actor(user.id, e.id if e else None)
            for e in (user.employees or [None])]

    @classmethod
    def _performers_shipment_internal_approve(cls, shipment):
        if shipment.approved_by:
            return [cls._actor(None, shipment.approved_by)]
        return []

    @classmethod
    def _ledger_actors(cls, record, events):
        "Return the actors of the ledger entries ``events`` of ``record``."
        Entry = Pool().get('zt.ledger.entry')
        entries = Entry.search([
                ('model', '=', record.__name__),
                ('record', '=', record.id),
                ('event', 'in', events),
                ])
        return [cls._actor(e.user, e.employee) for e in entries]

    @classmethod
    def duty_grants(cls):
        """Return {duty: set of group ids, or None when every user may
        perform it} from the buttons' groups and the models' access (see
        :data:`DUTY_GRANTS`), restricted to the groups the duty's method
        requires.  Inactive groups grant nothing."""
        pool = Pool()
        Button = pool.get('ir.model.button')
        ModelData = pool.get('ir.model.data')
        result = {}
        with without_check_access():
            for duty, spec in DUTY_GRANTS.items():
                groups, everyone = set(), False
                sources = [Button.get_groups(m, b) or cls._write_groups(m)
                    for m, b in spec.get('buttons', [])]
                sources += [cls._write_groups(m)
                    for m in spec.get('models', [])]
                for source in sources:
                    if source is None:
                        everyone = True
                    else:
                        groups |= set(source)
                required = {ModelData.get_id(*x.split('.'))
                    for x in spec.get('groups', [])}
                if required:
                    groups = required if everyone else groups & required
                    everyone = False
                result[duty] = None if everyone else cls._active(groups)
        return result

    @classmethod
    def _write_groups(cls, model):
        """Return the groups (set of ids) that may write or create records
        of ``model``, or None when every user may (no access record, or one
        without group that allows it)."""
        ModelAccess = Pool().get('ir.model.access')
        accesses = ModelAccess.search([('model', '=', model)])
        if not accesses:
            return None
        groups = set()
        for access in accesses:
            if access.perm_write or access.perm_create:
                if not access.group:
                    return None
                groups.add(access.group.id)
        return groups

    @classmethod
    def _active(cls, groups):
        Group = Pool().get('res.group')
        return {g.id for g in Group.search([('id', 'in', list(groups))])}
