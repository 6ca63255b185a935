# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Material issue requests: a request for components of a production order,
approved by the requester's supervisor (and the finance director over the
limits), then issued by a warehouse keeper after a scan."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from . import approval as approval_rules
from .company import get_actor
from .exceptions import (
    ApprovalRequiredError, RequestStateError)
from .refusal import recorded
from .trace import utc_now
from .workflow_fields import check_line_actions, check_workflow_fields

# Changing one of these after an approval resets every approval.
LINE_TRACKED_FIELDS = {'product', 'quantity', 'unit', 'lot'}
REQUEST_TRACKED_FIELDS = {'production', 'from_location', 'company', 'lines'}
# Documented free fields: they may change in any state but done and cancelled
# and never touch an approval (doc/issue_request.rst).
REQUEST_FREE_FIELDS = {'note'}
# Set by the workflow methods alone, never by a caller from outside.
WORKFLOW_FIELDS = {'number', 'state', 'requested_by', 'requested_by_user',
    'requested_at', 'issued_by', 'issued_by_user', 'issued_at',
    'cancelled_by', 'cancelled_at', 'approvals', 'history', 'scans'}
LINE_WORKFLOW_FIELDS = {'unit_cost', 'moves'}
ACTIVE_STATES = {'waiting', 'approved', 'done'}
EDITABLE_STATES = {'draft', 'waiting', 'approved'}


class IssueRequest(Workflow, ModelSQL, ModelView):
    "Material Issue Request"
    __name__ = 'zt.issue.request'
    __string__ = "Material Issue Request"
    _rec_name = 'number'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    production = fields.Many2One(
        'production', "Production", required=True, states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            If(Eval('state') == 'draft',
                ('state', 'in', ['waiting', 'running']),
                ()),
            ],
        help="The production order that consumes the material.")
    warehouse = fields.Function(fields.Many2One(
            'stock.location', "Warehouse"), 'on_change_with_warehouse')
    from_location = fields.Many2One(
        'stock.location', "From Location", required=True, states=_states,
        domain=[
            ('type', '=', 'storage'),
            ('parent', 'child_of', [Eval('warehouse', -1)]),
            ],
        help="The storage location the material is issued from.")
    to_location = fields.Function(fields.Many2One(
            'stock.location', "To Location"), 'on_change_with_to_location')
    lines = fields.One2Many(
        'zt.issue.request.line', 'request', "Lines",
        states={
            'readonly': ~Eval('state').in_(list(EDITABLE_STATES))
            | ~Eval('production'),
            })
    note = fields.Text(
        "Note", states={'readonly': Eval('state').in_(['done', 'cancelled'])},
        help="A free note; editing it never resets an approval.")
    currency = fields.Function(fields.Many2One(
            'currency.currency', "Currency"), 'on_change_with_currency')
    value = fields.Function(fields.Numeric(
            "Value", digits=(16, Eval('currency_digits', 2))), 'get_value')
    currency_digits = fields.Function(
        fields.Integer("Currency Digits"), 'on_change_with_currency_digits')
    approval_levels = fields.Function(fields.MultiSelection([
                ('manager', "Department Manager"),
                ('production', "Production Manager"),
                ('finance', "Finance Director"),
                ], "Approval Levels"), 'get_approval_levels')
    approvals = fields.One2Many(
        'zt.issue.request.approval', 'request', "Approvals", readonly=True)
    history = fields.One2Many(
        'zt.issue.request.history', 'request', "History", readonly=True)
    scans = fields.One2Many(
        'zt.issue.request.scan', 'request', "Scans", readonly=True)
    requested_by = fields.Many2One(
        'company.employee', "Requested By", readonly=True)
    requested_by_user = fields.Many2One(
        'res.user', "Requested By User", readonly=True)
    requested_at = fields.DateTime("Requested At", readonly=True,
        help="In UTC, to the second.")
    issued_by = fields.Many2One(
        'company.employee', "Issued By", readonly=True)
    issued_by_user = fields.Many2One(
        'res.user', "Issued By User", readonly=True)
    issued_at = fields.DateTime("Issued At", readonly=True)
    cancelled_by = fields.Many2One(
        'company.employee', "Cancelled By", readonly=True)
    cancelled_at = fields.DateTime("Cancelled At", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('waiting', "Waiting"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('number', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'waiting'),
            ('waiting', 'approved'),
            ('waiting', 'rejected'),
            ('approved', 'waiting'),
            ('waiting', 'draft'),
            ('rejected', 'draft'),
            ('cancelled', 'draft'),
            ('approved', 'done'),
            ('draft', 'cancelled'),
            ('waiting', 'cancelled'),
            ('approved', 'cancelled'),
            ('rejected', 'cancelled'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['waiting', 'rejected', 'cancelled']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'wait': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('lines', []),
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'decide': {
                    'invisible': Eval('state') != 'waiting',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'issue': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'waiting', 'approved', 'rejected']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @fields.depends('production')
    def on_change_with_warehouse(self, name=None):
        return self.production.warehouse if self.production else None

    @fields.depends('production')
    def on_change_with_to_location(self, name=None):
        return self.production.location if self.production else None

    @fields.depends('production', 'from_location')
    def on_change_production(self):
        if self.production and self.production.warehouse:
            self.from_location = self.production.picking_location

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('company')
    def on_change_with_currency_digits(self, name=None):
        return self.company.currency.digits if self.company else 2

    def get_value(self, name):
        """Return the value (Decimal, company currency): the sum over lines of
        the cost price taken at submission (current cost price before) times
        the quantity in the product's default unit."""
        total = sum((line.value or Decimal(0)) for line in self.lines)
        return self.company.currency.round(Decimal(total))

    def get_approval_levels(self, name):
        return list(self.required_levels())

    def required_levels(self):
        """Return the approval levels (tuple of 'manager', 'finance') that
        the request's current values require, per the company's
        configuration (see approval.required_levels)."""
        pool = Pool()
        Configuration = pool.get('zt.inventory.configuration')
        config = Configuration(1)
        pattern = {'company': self.company.id}
        limit = config.get_multivalue('approval_amount_limit', **pattern)
        klass = config.get_multivalue('approval_class', **pattern)
        return approval_rules.required_levels(
            self.get_value(None),
            [line.product.abc_class for line in self.lines if line.product],
            limit, [klass] if klass else [])

    def valid_approvals(self):
        "Return the approvals that stand (list of zt.issue.request.approval)."
        return [a for a in self.approvals
            if a.valid and a.decision == 'approved']

    def missing_level(self):
        "Return the first required level without a standing approval."
        approved = {a.level for a in self.valid_approvals()}
        return approval_rules.next_level(self.required_levels(), approved)

    @classmethod
    @recorded
    def create(cls, vlist):
        pool = Pool()
        Configuration = pool.get('zt.inventory.configuration')
        config = Configuration(1)
        vlist = [v.copy() for v in vlist]
        if Transaction().check_access:
            cls.check_outside_values(vlist)
        for values in vlist:
            if not values.get('number'):
                company = values.get('company', cls.default_company())
                sequence = config.get_multivalue(
                    'issue_request_sequence', company=company)
                values['number'] = sequence.get()
        return super().create(vlist)

    @classmethod
    def copy(cls, requests, default=None):
        """Copy requests as new drafts: a copy never carries approvals,
        scans, history, actors or a number (public case C1)."""
        default = default.copy() if default is not None else {}
        for name in ['number', 'approvals', 'history', 'scans',
                'requested_by', 'requested_by_user', 'requested_at',
                'issued_by', 'issued_by_user', 'issued_at',
                'cancelled_by', 'cancelled_at']:
            default.setdefault(name, None)
        default.setdefault('state', 'draft')
        return super().copy(requests, default=default)

    @classmethod
    @recorded
    def check_modification(cls, mode, requests, values=None, external=False):
        super().check_modification(
            mode, requests, values=values, external=external)
        if mode == 'delete':
            for request in requests:
                if request.state not in {'draft', 'cancelled'}:
                    raise RequestStateError(gettext(
                            'zt_inventory.msg_issue_request_delete_state',
                            request=request.rec_name))
        elif mode == 'write' and values and external:
            # Tryton does not enforce readonly on the server: writing state
            # from outside would skip every check of the workflow.
            cls.check_outside_values([values], creating=False)
            changed = set(values) - {'state'}
            for request in requests:
                if (request.state in {'done', 'cancelled'} and changed
                        or request.state == 'rejected'
                        and changed - REQUEST_FREE_FIELDS):
                    raise RequestStateError(gettext(
                            'zt_inventory.msg_issue_request_closed',
                            request=request.rec_name))

    @classmethod
    def check_outside_values(cls, vlist, creating=True):
        """Raise :class:`WorkflowFieldError` if values from a caller from
        outside set a field of a request or of its lines that only the
        workflow sets (``creating``: the draft state may be given)."""
        pool = Pool()
        Line = pool.get('zt.issue.request.line')
        for values in vlist:
            check_workflow_fields(
                cls, values, WORKFLOW_FIELDS, creating=creating)
            check_line_actions(
                Line, values.get('lines'), LINE_WORKFLOW_FIELDS)

    @classmethod
    def write(cls, *args):
        """Record old and new values of the fields edited after submission
        (public case C2): free fields as a change, tracked fields with the
        reset of the approvals they cause."""
        History = Pool().get('zt.issue.request.history')
        actions = iter(args)
        changed, to_reset = [], {}
        tracked = REQUEST_TRACKED_FIELDS - {'lines'}
        for requests, values in zip(actions, actions):
            names = set(values) & (REQUEST_FREE_FIELDS | tracked)
            for request in requests:
                if request.state == 'draft' or not names:
                    continue
                changes = {}
                for name in names:
                    old = getattr(request, name)
                    old = getattr(old, 'id', old)
                    if old != values[name]:
                        changes[name] = [old, values[name]]
                free = {f: c for f, c in changes.items()
                    if f in REQUEST_FREE_FIELDS}
                if free:
                    changed.append((request, free))
                if (set(changes) & tracked
                        and request.state in {'waiting', 'approved'}):
                    to_reset.setdefault(request, {}).update(
                        {f: c for f, c in changes.items() if f in tracked})
        super().write(*args)
        History.record(
            [r for r, _ in changed], 'changed',
            details=[c for _, c in changed])
        for request, changes in to_reset.items():
            cls.reset_approvals([cls(request.id)], changes)

    @classmethod
    def reset_approvals(cls, requests, changes):
        """Withdraw every standing approval of ``requests`` after a change of
        a tracked field and put approved ones back to waiting.

        ``changes``: dict field name -> [old, new] recorded in the history.
        """
        pool = Pool()
        Approval = pool.get('zt.issue.request.approval')
        History = pool.get('zt.issue.request.history')
        Line = pool.get('zt.issue.request.line')
        if not requests:
            return
        approvals = [a for r in requests for a in r.approvals if a.valid]
        # Consequences of a change the user was allowed to make: they run
        # even though the user may not write approvals (public case C2).
        with without_check_access():
            Approval.write(approvals, {'valid': False})
            Line.snapshot_cost([line for r in requests for line in r.lines])
            approved = [r for r in requests if r.state == 'approved']
            if approved:
                super().write(approved, {'state': 'waiting'})
        History.record(
            requests, 'approvals_reset', details=[changes] * len(requests))

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, requests):
        pool = Pool()
        Approval = pool.get('zt.issue.request.approval')
        History = pool.get('zt.issue.request.history')
        for request in requests:
            # Every step is traced to a person: refuse an actor without one
            get_actor(request.company)
        Approval.write(
            [a for r in requests for a in r.approvals if a.valid],
            {'valid': False})
        History.record(requests, 'draft')

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('waiting')
    def wait(cls, requests):
        """Submit: the actor becomes the requester; the cost prices are
        taken; the bill of materials is checked."""
        pool = Pool()
        Line = pool.get('zt.issue.request.line')
        History = pool.get('zt.issue.request.history')
        for request in requests:
            if not request.lines:
                raise RequestStateError(gettext(
                        'zt_inventory.msg_issue_request_no_lines',
                        request=request.rec_name))
            if request.production.state not in {'waiting', 'running'}:
                raise RequestStateError(gettext(
                        'zt_inventory.msg_issue_request_production_state',
                        request=request.rec_name,
                        production=request.production.rec_name))
        cls.check_bom(requests)
        for request in requests:
            user, employee = get_actor(request.company)
            super().write([request], {
                    'requested_by': employee.id,
                    'requested_by_user': user.id,
                    'requested_at': utc_now(),
                    })
        Line.snapshot_cost([line for r in requests for line in r.lines])
        History.record(requests, 'submitted')

    @classmethod
    @ModelView.button_action('zt_inventory.wizard_issue_request_decide')
    def decide(cls, requests):
        pass

    @classmethod
    @ModelView.button_action('zt_inventory.wizard_issue_request_issue')
    def issue(cls, requests):
        pass

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, requests):
        pool = Pool()
        History = pool.get('zt.issue.request.history')
        for request in requests:
            user, employee = get_actor(request.company)
            super().write([request], {
                    'cancelled_by': employee.id,
                    'cancelled_at': utc_now(),
                    })
        History.record(requests, 'cancelled')

    @classmethod
    def check_approved(cls, requests):
        """Raise unless every request is approved on its current values.

        Raises :class:`RequestStateError` for a request already done (a
        concurrent issue won) or in another state, and
        :class:`ApprovalRequiredError` naming the request and the level
        that is missing (public case C3)."""
        for request in requests:
            if request.state == 'done':
                raise RequestStateError(gettext(
                        'zt_inventory.msg_issue_request_already_done',
                        request=request.rec_name))
            missing = request.missing_level()
            if request.state != 'approved' or missing:
                level = missing or 'manager'
                raise ApprovalRequiredError(gettext(
                        'zt_inventory.msg_issue_request_approval_required',
                        request=request.rec_name,
                        level=gettext('zt_inventory.msg_level_%s' % level)))
