# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Alerts: what a rule found (its records and the figures that matched),
seen by the rule's group and users, acknowledged and closed by them; every
step is a ledger entry."""
import json

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from trytond.modules.zt_inventory.refusal import recorded
from trytond.modules.zt_inventory.trace import utc_now

from .exceptions import AlertActorError

RECORD_MODELS = [
    ('stock.move', "Stock Move"),
    ('zt.issue.request', "Material Issue Request"),
    ('stock.inventory', "Inventory"),
    ('product.product', "Product"),
    ('purchase.request', "Purchase Request"),
    ]


def company_of(rule, subject):
    "Return the company id of an alert of ``rule`` on ``subject``."
    company = getattr(subject.record, 'company', None)
    if rule.company:
        return rule.company.id
    if company and getattr(company, '__name__', '') == 'company.company':
        return company.id
    return Transaction().context.get('company')


class Alert(Workflow, ModelSQL, ModelView):
    "Inventory Alert"
    __name__ = 'zt.alert'
    __string__ = "Inventory Alert"
    _rec_name = 'summary'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    rule = fields.Many2One(
        'zt.rule', "Rule", required=True, readonly=True, ondelete='RESTRICT')
    rule_name = fields.Function(fields.Char("Rule"), 'get_rule_name',
        searcher='search_rule_name')
    key = fields.Char("Key", readonly=True,
        help="What the alert is about: a later match of the rule on the "
        "same thing joins this alert while it is open.")
    date = fields.DateTime("Date", readonly=True, help="In UTC.")
    summary = fields.Char("Summary", readonly=True)
    figures = fields.Text("Figures", readonly=True,
        help="JSON: the conditions with the values that matched.")
    records = fields.One2Many(
        'zt.alert.record', 'alert', "Records", readonly=True)
    group = fields.Many2One('res.group', "Group", readonly=True)
    users = fields.Many2Many(
        'zt.alert-res.user', 'alert', 'user', "Users", readonly=True)
    state = fields.Selection([
            ('open', "Open"),
            ('acknowledged', "Acknowledged"),
            ('closed', "Closed"),
            ], "State", required=True, readonly=True, sort=False)
    acknowledged_by = fields.Many2One(
        'res.user', "Acknowledged by", readonly=True)
    acknowledged_at = fields.DateTime(
        "Acknowledged at", readonly=True, help="In UTC.")
    closed_by = fields.Many2One('res.user', "Closed by", readonly=True)
    closed_at = fields.DateTime("Closed at", readonly=True, help="In UTC.")
    notifications = fields.One2Many(
        'zt.notification', 'alert', "Notifications", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('open', 'acknowledged'),
            ('open', 'closed'),
            ('acknowledged', 'closed'),
            }
        cls._buttons.update({
                'acknowledge': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') == 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def get_rule_name(cls, alerts, name):
        """The rule's name for whoever sees the alert: the groups it
        notifies need not read the rules themselves (least privilege)."""
        with without_check_access():
            return {a.id: cls(a.id).rule.rec_name for a in alerts}

    @classmethod
    def search_rule_name(cls, name, clause):
        return [('rule.rec_name',) + tuple(clause[1:])]

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('acknowledged')
    def acknowledge(cls, alerts):
        "Record who acknowledged the alerts and when (UTC)."
        cls._act(alerts, 'acknowledged', {
                'acknowledged_by': Transaction().user,
                'acknowledged_at': utc_now(),
                })

    @classmethod
    @recorded
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, alerts):
        "Record who closed the alerts and when (UTC)."
        cls._act(alerts, 'closed', {
                'closed_by': Transaction().user,
                'closed_at': utc_now(),
                })

    @classmethod
    def _act(cls, alerts, state, values):
        cls.check_actor(alerts)
        cls.write(alerts, values)
        cls.record_events(alerts, state)

    @classmethod
    def check_actor(cls, alerts):
        """Raise AlertActorError unless the user is one the alert is
        addressed to (its users, or a member of its group): overseeing
        roles read every alert but act only on theirs.  Root (cron) may."""
        pool = Pool()
        User = pool.get('res.user')
        user = Transaction().user
        if not user:
            return
        groups = set(User.get_groups())
        for alert in alerts:
            if (user not in {u.id for u in alert.users}
                    and not (alert.group and alert.group.id in groups)):
                raise AlertActorError(gettext(
                        'zt_rules.msg_alert_actor', alert=alert.rec_name))

    @classmethod
    def record_events(cls, alerts, action):
        "Append a ledger entry 'zt.alert.<action>' per alert."
        Entry = Pool().get('zt.ledger.entry')
        Entry.append([{
                    'company': a.company,
                    'warehouse': None,
                    'event': 'zt.alert.%s' % action,
                    'record': a,
                    'payload': {
                        'rule': a.rule.id,
                        'rule_name': a.rule.name,
                        'key': a.key,
                        'summary': a.summary,
                        'figures': json.loads(a.figures or 'null'),
                        'records': sorted(str(r.record) for r in a.records
                            if r.record),
                        },
                    } for a in alerts])

    @classmethod
    def raise_(cls, rule, subject, figures, records, group, users,
            summary=None):
        """Return (alert, created) for ``subject`` (facts.Subject) matched
        by ``rule`` with ``figures`` (list of dicts): the open alert of the
        rule with the subject's key, with the new ones of ``records``
        (instances) added and its figures updated (unchanged when none is
        new), or a new alert when there is none (or the subject has no
        key).
        ``group``, ``users``: who sees it.  Runs without access checks: the
        engine acts for the rule, whoever triggered it."""
        pool = Pool()
        AlertRecord = pool.get('zt.alert.record')
        figures_text = json.dumps(figures, sort_keys=True, default=str)
        alert = None
        if subject.key:
            alerts = cls.search([
                    ('rule', '=', rule.id),
                    ('key', '=', subject.key),
                    ('state', '!=', 'closed'),
                    ], limit=1)
            if alerts:
                alert, = alerts
        created = alert is None
        known = set() if created else {str(r.record) for r in alert.records}
        new = [r for r in records if str(r) not in known]
        if not created and not new:
            return alert, False
        if created:
            alert, = cls.create([{
                        'company': company_of(rule, subject),
                        'rule': rule.id,
                        'key': subject.key,
                        'date': utc_now(),
                        'summary': summary or '%s: %s' % (
                            rule.name, subject.record.rec_name),
                        'figures': figures_text,
                        'group': group.id if group else None,
                        'users': [('add', [u.id for u in users])],
                        }])
        else:
            cls.write([alert], {'figures': figures_text})
        AlertRecord.create([{
                    'alert': alert.id,
                    'record': str(r),
                    } for r in dict.fromkeys(new)])
        alert = cls(alert.id)
        cls.record_events([alert], 'created' if created else 'extended')
        return alert, created


class AlertRecord(ModelSQL, ModelView):
    "Inventory Alert Record"
    __name__ = 'zt.alert.record'
    __string__ = "Inventory Alert Record"
    alert = fields.Many2One(
        'zt.alert', "Alert", required=True, ondelete='CASCADE',
        readonly=True)
    record = fields.Reference("Record", 'get_record_models', required=True,
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('alert')

    @classmethod
    def get_record_models(cls):
        """The models of RECORD_MODELS the user may read: the client drops a
        reference field when one of its models is not readable, which would
        hide every record of an alert from most groups."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Model = pool.get('ir.model')
        names = Model.get_names()
        return [(None, '')] + [(m, names.get(m, s)) for m, s in RECORD_MODELS
            if ModelAccess.check(m, 'read', raise_exception=False)]


class AlertUser(ModelSQL):
    "Inventory Alert - User"
    __name__ = 'zt.alert-res.user'
    __string__ = "Inventory Alert - User"
    alert = fields.Many2One(
        'zt.alert', "Alert", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
