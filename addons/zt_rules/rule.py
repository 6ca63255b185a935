# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Rules as data: a trigger, conditions and actions that a manager edits in
the client.  The conditions are checked when saved (evaluate.validate) and
evaluated by the plain functions of evaluate.py; engine.py runs them."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import evaluate, schema
from .exceptions import RuleValidationError

TRIGGERS = [
    ('issue_request.submitted', "Issue Request Submitted"),
    ('issue_request.approved', "Issue Request Approved"),
    ('stock_move.done', "Stock Move Done"),
    ('inventory.done', "Count Posted"),
    ('hourly', "Hourly"),
    ('daily', "Daily"),
    ]
FIELDS = [
    ('amount', "Amount"),
    ('quantity', "Quantity"),
    ('forecast_quantity', "Forecast Quantity"),
    ('safety_stock', "Safety Stock"),
    ('shortage', "Shortage"),
    ('stock_value', "Stock Value"),
    ('lines', "Number of Lines"),
    ('excess_lines', "Lines beyond the Bill of Materials"),
    ('difference_quantity', "Count Difference (Quantity)"),
    ('difference_amount', "Count Difference (Amount)"),
    ('abc_class', "ABC Class"),
    ('category', "Category"),
    ('product', "Product Code"),
    ('warehouse', "Warehouse Code"),
    ('location', "Location Code"),
    ('from_location', "From Location Code"),
    ('to_location', "To Location Code"),
    ('direction', "Direction"),
    ('classification', "Stock Classification"),
    ]
OPERATORS = [(o, o) for o in evaluate.OPERATORS]
APPROVAL_LEVELS = [
    ('production', "Production Manager"),
    ('finance', "Finance Director"),
    ]
CLASSIFICATIONS = [
    (None, ''),
    ('dead_stock', "Dead Stock"),
    ('slow_moving', "Slow Moving"),
    ]


class Rule(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Inventory Rule"
    __name__ = 'zt.rule'
    __string__ = "Inventory Rule"
    name = fields.Char("Name", required=True, translate=True)
    company = fields.Many2One('company.company', "Company",
        help="Leave empty to apply the rule to every company.")
    trigger = fields.Selection(TRIGGERS, "Trigger", required=True,
        sort=False,
        help="An event (evaluated on the request, move or count it is "
        "about) or a schedule (evaluated on every product of every "
        "warehouse).")
    match = fields.Selection([
            ('all', "All Conditions"),
            ('any', "Any Condition"),
            ], "Match", required=True)
    conditions = fields.One2Many(
        'zt.rule.condition', 'rule', "Conditions")
    actions = fields.One2Many('zt.rule.action', 'rule', "Actions")
    description = fields.Text("Description")
    last_run = fields.DateTime("Last Run", readonly=True,
        help="In UTC: when the schedule last evaluated the rule.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(1, ('id', 'ASC'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_match(cls):
        return 'all'

    @property
    def subject(self):
        "The subject (str) of the rule's trigger, see schema.TRIGGERS."
        return schema.subject_of(self.trigger)

    def specs(self):
        "Return the rule's conditions as evaluate.validate normalised them."
        return evaluate.validate(
            [c.spec() for c in self.conditions], self.match,
            self.condition_schema())

    def condition_schema(self):
        return schema.schema_of(self.trigger)

    @classmethod
    def validate(cls, rules):
        super().validate(rules)
        for rule in rules:
            if rule.active:
                rule.check_conditions()
            rule.check_actions()

    def check_conditions(self):
        """Raise RuleValidationError naming the condition and its bad part
        unless evaluate.validate accepts the conditions for the trigger
        (and window groups fit the trigger's subject)."""
        conditions = list(self.conditions)
        try:
            self.specs()
        except evaluate.ConditionError as error:
            condition = (conditions[error.index]
                if error.index is not None else None)
            raise RuleValidationError(gettext(
                    'zt_rules.msg_condition_%s' % error.code,
                    rule=self.rec_name,
                    condition=condition.rec_name if condition else '',
                    part=error.part or '',
                    value=error.value if error.value is not None else ''))
        for condition, spec in zip(conditions, self.specs()):
            choices = schema.CHOICES.get(spec.get('field'))
            if spec['kind'] != 'field' or not choices:
                continue
            values = spec['value']
            for value in (values if isinstance(values, (list, tuple))
                    else [values]):
                if value not in choices:
                    raise RuleValidationError(gettext(
                            'zt_rules.msg_condition_choice',
                            rule=self.rec_name,
                            condition=condition.rec_name, value=value,
                            choices=', '.join(choices)))
        groups = schema.WINDOW_GROUPS[self.subject]
        for condition in conditions:
            if condition.kind == 'window' and condition.group not in groups:
                raise RuleValidationError(gettext(
                        'zt_rules.msg_condition_window_subject',
                        rule=self.rec_name, condition=condition.rec_name))

    @classmethod
    def on_modification(cls, mode, rules, field_names=None):
        super().on_modification(mode, rules, field_names=field_names)
        cls.record_changes(rules, mode)

    @classmethod
    def record_changes(cls, rules, mode):
        """Append a ledger entry 'zt.rule.<mode>' (create, write, delete)
        per rule with its whole definition as it is now (trigger, match,
        active, conditions, actions): who changed a threshold, when, and to
        what is on the record.  Skipped only when no company is known
        (module installation)."""
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        User = pool.get('res.user')
        Company = pool.get('company.company')
        transaction = Transaction()
        company = transaction.context.get('company')
        if not company:
            user = User(transaction.user)
            company = user.company.id if user.company else None
        events = []
        for rule in rules:
            target = rule.company.id if rule.company else company
            if not target:
                continue
            events.append({
                    'company': Company(target),
                    'warehouse': None,
                    'event': 'zt.rule.%s' % mode,
                    'record': rule,
                    'payload': rule.definition(),
                    })
        Entry.append(events)

    def definition(self):
        "Return the rule as the ledger records it (dict of plain values)."
        return {
            'name': self.name,
            'company': self.company.id if self.company else None,
            'trigger': self.trigger,
            'match': self.match,
            'active': self.active,
            'sequence': self.sequence,
            'conditions': [c.spec() for c in self.conditions],
            'actions': [{
                    'type': a.type,
                    'approval_level': a.approval_level,
                    'classification': a.classification,
                    'group': a.group.id if a.group else None,
                    'users': sorted(u.id for u in a.users),
                    'channels': sorted(c.id for c in a.channels),
                    } for a in self.actions],
            }

    def check_actions(self):
        "Raise RuleValidationError for an action the trigger cannot run."
        for action in self.actions:
            if self.trigger not in schema.ACTION_SUBJECTS[action.type]:
                raise RuleValidationError(gettext(
                        'zt_rules.msg_action_trigger',
                        rule=self.rec_name, action=action.rec_name))
            action.check_parameters()


class Condition(sequence_ordered(), ModelSQL, ModelView):
    "Inventory Rule Condition"
    __name__ = 'zt.rule.condition'
    __string__ = "Inventory Rule Condition"
    rule = fields.Many2One(
        'zt.rule', "Rule", required=True, ondelete='CASCADE')
    kind = fields.Selection([
            ('field', "Field"),
            ('window', "Moves in a Window"),
            ], "Kind", required=True,
        help="Compare a field of the record, or an aggregate of the done "
        "stock moves within a sliding window before it.")
    field = fields.Selection([(None, '')] + FIELDS, "Field", sort=False,
        states={
            'required': Eval('kind') == 'field',
            'invisible': Eval('kind') != 'field',
            })
    aggregate = fields.Selection([
            (None, ''),
            ('count', "Number of Moves"),
            ('sum', "Sum of Quantities"),
            ], "Aggregate",
        states={
            'required': Eval('kind') == 'window',
            'invisible': Eval('kind') != 'window',
            })
    group = fields.Selection([
            (None, ''),
            ('product', "Same Product"),
            ('location', "Same Location"),
            ('user', "Same User"),
            ], "Of",
        states={
            'required': Eval('kind') == 'window',
            'invisible': Eval('kind') != 'window',
            })
    direction = fields.Selection([
            (None, ''),
            ('in', "In"),
            ('out', "Out"),
            ('both', "In and Out"),
            ], "Direction",
        states={
            'required': Eval('kind') == 'window',
            'invisible': Eval('kind') != 'window',
            },
        help="Relative to the warehouse: into its storage, out of it, "
        "or both (moves within the storage are not counted).")
    window = fields.TimeDelta("Window",
        states={
            'required': Eval('kind') == 'window',
            'invisible': Eval('kind') != 'window',
            },
        help="The length of the sliding window that ends at the record's "
        "time (the move's effective time, or now).")
    operator = fields.Selection(OPERATORS, "Operator", required=True)
    value = fields.Char("Value", required=True,
        help="A number, a text, true/false, or for 'in' a comma-separated "
        "list.")

    @classmethod
    def default_kind(cls):
        return 'field'

    @classmethod
    def default_direction(cls):
        return 'both'

    @classmethod
    def default_aggregate(cls):
        return 'count'

    def get_rec_name(self, name):
        try:
            return evaluate.describe(self.spec())
        except Exception:
            return '%s %s %s' % (
                self.field or self.aggregate or '', self.operator or '',
                self.value or '')

    def spec(self):
        "Return the condition as a dict for evaluate.validate."
        if self.kind == 'window':
            window = self.window
            return {
                'kind': 'window',
                'aggregate': self.aggregate,
                'group': self.group,
                'direction': self.direction,
                'window': (int(window.total_seconds())
                    if isinstance(window, dt.timedelta) else window),
                'operator': self.operator,
                'value': self.value,
                }
        return {
            'kind': self.kind,
            'field': self.field,
            'operator': self.operator,
            'value': self.value,
            }

    @classmethod
    def validate(cls, conditions):
        super().validate(conditions)
        Pool().get('zt.rule').validate(list({c.rule for c in conditions}))

    @classmethod
    def on_modification(cls, mode, conditions, field_names=None):
        super().on_modification(mode, conditions, field_names=field_names)
        if mode != 'delete':
            Pool().get('zt.rule').record_changes(
                list({c.rule for c in conditions}), 'write')

    @classmethod
    def on_delete(cls, conditions):
        """After the deletion: the rules that lost conditions must still be
        valid (an active rule needs one) and their change is recorded."""
        callbacks = super().on_delete(conditions)
        Rule = Pool().get('zt.rule')
        rule_ids = list({c.rule.id for c in conditions})

        def check():
            rules = Rule.search([('id', 'in', rule_ids)])
            Rule.validate(rules)
            Rule.record_changes(rules, 'write')
        return callbacks + [check]

    @classmethod
    def on_write(cls, conditions, values):
        "A condition moved to another rule: the rule it left is checked."
        callbacks = super().on_write(conditions, values)
        if 'rule' in values:
            Rule = Pool().get('zt.rule')
            old = list({c.rule.id for c in conditions})

            def check():
                rules = Rule.browse(old)
                Rule.validate(rules)
                Rule.record_changes(rules, 'write')
            callbacks.append(check)
        return callbacks


class Action(sequence_ordered(), ModelSQL, ModelView):
    "Inventory Rule Action"
    __name__ = 'zt.rule.action'
    __string__ = "Inventory Rule Action"
    rule = fields.Many2One(
        'zt.rule', "Rule", required=True, ondelete='CASCADE')
    type = fields.Selection([
            ('approval', "Add an Approval Step"),
            ('purchase_request', "Create a Purchase Request"),
            ('flag', "Flag as Abnormal"),
            ('classify', "Classify Products"),
            ('notify', "Notify"),
            ('report', "Send a Report"),
            ], "Type", required=True, sort=False)
    approval_level = fields.Selection(
        [(None, '')] + APPROVAL_LEVELS, "Approval By",
        states={
            'required': Eval('type') == 'approval',
            'invisible': Eval('type') != 'approval',
            })
    classification = fields.Selection(CLASSIFICATIONS, "Classification",
        states={
            'required': Eval('type') == 'classify',
            'invisible': Eval('type') != 'classify',
            })
    group = fields.Many2One('res.group', "Group",
        states={
            'invisible': ~Eval('type').in_(['flag', 'notify', 'report']),
            },
        help="Who sees the alert and receives the notification.")
    users = fields.Many2Many(
        'zt.rule.action-res.user', 'action', 'user', "Users",
        states={
            'invisible': ~Eval('type').in_(['flag', 'notify', 'report']),
            })
    channels = fields.Many2Many(
        'zt.rule.action-zt.notification.channel', 'action', 'channel',
        "Channels",
        states={
            'invisible': ~Eval('type').in_(['notify', 'report']),
            },
        help="Where notifications go besides the client: e-mail to the "
        "group's and users' addresses, DingTalk, WeCom, webhooks.")

    def get_rec_name(self, name):
        label = dict(self.fields_get(['type'])['type']['selection'])
        return label.get(self.type, self.type or '')

    def check_parameters(self):
        "Raise RuleValidationError for a notification without recipients."
        if self.type in {'notify', 'report'} and not (
                self.group or self.users or self.channels):
            raise RuleValidationError(gettext(
                    'zt_rules.msg_action_recipients',
                    rule=self.rule.rec_name, action=self.rec_name))

    @classmethod
    def validate(cls, actions):
        super().validate(actions)
        Pool().get('zt.rule').validate(list({a.rule for a in actions}))

    @classmethod
    def on_modification(cls, mode, actions, field_names=None):
        super().on_modification(mode, actions, field_names=field_names)
        if mode != 'delete':
            Pool().get('zt.rule').record_changes(
                list({a.rule for a in actions}), 'write')

    @classmethod
    def on_delete(cls, actions):
        callbacks = super().on_delete(actions)
        Rule = Pool().get('zt.rule')
        rule_ids = list({a.rule.id for a in actions})
        return callbacks + [lambda: Rule.record_changes(
                Rule.browse(Rule.search([('id', 'in', rule_ids)])),
                'write')]


class ActionUser(ModelSQL):
    "Inventory Rule Action - User"
    __name__ = 'zt.rule.action-res.user'
    __string__ = "Inventory Rule Action - User"
    action = fields.Many2One(
        'zt.rule.action', "Action", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')


class ActionChannel(ModelSQL):
    "Inventory Rule Action - Channel"
    __name__ = 'zt.rule.action-zt.notification.channel'
    __string__ = "Inventory Rule Action - Channel"
    action = fields.Many2One(
        'zt.rule.action', "Action", required=True, ondelete='CASCADE')
    channel = fields.Many2One(
        'zt.notification.channel', "Channel", required=True,
        ondelete='CASCADE')
