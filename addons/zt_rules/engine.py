# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The rule engine: evaluate a rule on its subjects (facts.py) with the
windows of the movement journal (journal.py) and run its actions."""
import json
import logging

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from trytond.modules.zt_inventory.trace import utc_now

from . import evaluate, facts, journal, schema

logger = logging.getLogger(__name__)


def _plain(value):
    return json.loads(json.dumps(value, default=str))


class Rule(metaclass=PoolMeta):
    __name__ = 'zt.rule'
    alerts = fields.One2Many('zt.alert', 'rule', "Alerts", readonly=True)

    def subjects(self, records):
        "Return the facts.Subject of each of ``records`` for the trigger."
        builder = {
            'issue_request': facts.issue_request,
            'stock_move': facts.stock_move,
            'inventory': facts.inventory,
            }[self.subject]
        subjects = [builder(r) for r in records]
        if self.subject == 'stock_move':
            keys = evaluate.window_keys(self.specs())
            subjects = [s._replace(key=self.move_key(s, keys))
                for s in subjects]
        return subjects

    def move_key(self, subject, keys):
        """Return the alert key of a stock move subject: the anchor of the
        rule's first window of ``keys`` (evaluate.window_keys; 'product:12@3':
        moves of product 12 in warehouse 3), so that later moves join the
        open alert; the move itself without a window."""
        if keys and subject.warehouse:
            group = keys[0][1]
            return '%s:%s@%s' % (group, subject.anchors.get(group),
                subject.warehouse.id)
        return str(subject.record)

    def matches(self, subjects, specs=None):
        """Return [(subject, evaluate.Result, window moves)] for each of
        ``subjects`` that the rule's conditions match; window moves: the
        ids of the stock moves inside the rule's windows (what a flag marks
        abnormal)."""
        specs = specs if specs is not None else self.specs()
        keys = evaluate.window_keys(specs)
        by_product = {}
        if self.subject == 'product':
            for subject in subjects:
                warehouse = subject.warehouse
                for key in keys:
                    if (key, warehouse.id) not in by_product:
                        by_product[key, warehouse.id] = (
                            journal.aggregate_by_product(
                                key, warehouse, subject.end))
        found = []
        for subject in subjects:
            windows, moves = {}, set()
            for key in keys:
                if self.subject == 'product':
                    windows[key] = by_product[key, subject.warehouse.id].get(
                        subject.anchors['product'], evaluate.Decimal(0))
                else:
                    anchor = subject.anchors.get(key[1])
                    windows[key] = journal.aggregate(
                        key, subject.warehouse, anchor, subject.end)
            result = evaluate.evaluate(specs, self.match, subject.facts,
                windows)
            if not result.matched:
                continue
            if self.subject == 'stock_move':
                for key in keys:
                    moves.update(journal.moves_in_window(key,
                            subject.warehouse,
                            subject.anchors.get(key[1]), subject.end))
            found.append((subject, result, sorted(moves)))
        return found

    def apply_records(self, records):
        "Evaluate the rule on ``records`` (its trigger's model) and act."
        return self.apply(self.subjects(records))

    def apply(self, subjects, now=None):
        """Evaluate the rule on ``subjects`` and run its actions (all but
        approval steps, which the request decides when it needs them).
        Returns the matches (see :meth:`matches`)."""
        actions = [a for a in self.actions if a.type != 'approval']
        if not actions:
            return []
        try:
            found = self.matches(subjects)
        except evaluate.ConditionError:
            # Invalid since saved (a condition deleted): skipped, the other
            # rules still run.
            logger.warning("rule %s is invalid and was skipped", self.id)
            return []
        with without_check_access():
            if any(a.type in {'flag', 'notify', 'purchase_request'}
                    for a in actions):
                self._raise_alerts(actions, found)
            for action in actions:
                if action.type in {'classify', 'report'}:
                    getattr(self, '_act_%s' % action.type)(
                        action, found, now)
        return found

    def _raise_alerts(self, actions, found):
        """For each match: create the purchase request (purchase_request
        action), open or extend the alert of the subject (with the moves of
        the windows when the rule flags) and notify each new alert
        (notify actions); an open alert of the same subject is not notified
        again."""
        pool = Pool()
        Alert = pool.get('zt.alert')
        Move = pool.get('stock.move')
        Notification = pool.get('zt.notification')
        types = {a.type for a in actions}
        seen = [a for a in actions if a.group or a.users]
        group = seen[0].group if seen else None
        users = {u for a in actions for u in a.users}
        for subject, result, moves in found:
            records = [subject.record]
            if 'purchase_request' in types:
                request = self._purchase_request(subject)
                if request:
                    records.append(request)
            if 'flag' in types and moves:
                # the moves of the windows, the subject among them when it
                # counts (an internal move that triggered it does not)
                records = Move.browse(moves) + records[1:]
            alert, created = Alert.raise_(self, subject,
                _plain(result.figures), records, group, users)
            if not created:
                continue
            for action in actions:
                if action.type == 'notify':
                    Notification.queue(alert, self, alert.summary,
                        self.notification_body(subject, result),
                        action.group, action.users, action.channels)

    def notification_body(self, subject, result):
        "Return the text of a notification of ``subject``'s match."
        lines = [self.name, subject.record.rec_name, '']
        lines += ['- %s: %s' % (f['description'], f['actual'])
            for f in result.figures]
        return '\n'.join(lines)

    def _purchase_request(self, subject):
        """Create and return the purchase request (Tryton's, from the order
        point) for the product short in the warehouse of ``subject``,
        unless one is open (draft or purchased) for both: then None."""
        pool = Pool()
        Request = pool.get('purchase.request')
        OrderPoint = pool.get('stock.order_point')
        Date = pool.get('ir.date')
        product, warehouse = subject.record, subject.warehouse
        product_company = Transaction().context.get('company')
        if Request.search([
                    ('product', '=', product.id),
                    ('warehouse', '=', warehouse.id),
                    ('state', 'in', ['draft', 'purchased']),
                    ], limit=1):
            return None
        points = OrderPoint.search([
                ('product', '=', product.id),
                ('location', '=', warehouse.id),
                ('type', '=', 'purchase'),
                ('company', '=', product_company),
                ], limit=1)
        point = points[0] if points else None
        request = Request.compute_request(product, warehouse.id,
            Date.today(), float(subject.facts['forecast_quantity']),
            Pool().get('company.company')(product_company), point)
        if request.computed_quantity <= 0:
            return None
        request.save()
        return request

    def _act_classify(self, action, found, now):
        """Set the action's classification on the matched products and
        clear it from the products this rule classified before that no
        longer match (a product matches in any warehouse)."""
        Template = Pool().get('product.template')
        matched = {s.record.template for s, _, _ in found}
        before = set(Template.search([('zt_classified_by', '=', self.id)]))
        stale = before - matched
        if stale:
            Template.write(list(stale), {
                    'zt_classification': None,
                    'zt_classified_by': None,
                    'zt_classified_at': None,
                    })
        new = [t for t in matched if t not in before
            or t.zt_classification != action.classification]
        if new:
            Template.write(new, {
                    'zt_classification': action.classification,
                    'zt_classified_by': self.id,
                    'zt_classified_at': utc_now(),
                    })

    def _act_report(self, action, found, now):
        """Send one report of the run: an alert listing every matched
        record with its figures, and its notification (a table)."""
        pool = Pool()
        Alert = pool.get('zt.alert')
        Notification = pool.get('zt.notification')
        if not found:
            return
        today = (now or utc_now()).date().isoformat()
        report = facts.Subject(self, 'report:%s' % today, {}, None, {},
            now)
        rows = [{
                'record': s.record.rec_name,
                'warehouse': s.facts.get('warehouse'),
                'figures': {f['description']: f['actual']
                    for f in r.figures},
                } for s, r, _ in found]
        alert, created = Alert.raise_(self, report, _plain(rows),
            [s.record for s, _, _ in found], action.group, action.users,
            summary='%s: %s' % (self.name, today))
        if created:
            lines = ['%s (%s)' % (self.name, today), '']
            for row in rows:
                lines.append('- %s @ %s: %s' % (row['record'],
                        row['warehouse'], '; '.join('%s = %s' % item
                            for item in row['figures'].items())))
            Notification.queue(alert, self, '%s: %s' % (self.name, today),
                '\n'.join(lines), action.group, action.users,
                action.channels)

    @classmethod
    def run_schedule(cls, trigger, rules=None, now=None):
        """Evaluate the active rules of the schedule ``trigger`` ('hourly'
        or 'daily'; or ``rules``) on every product of every warehouse of
        their company, run their actions and set their last run.  Returns
        {rule: number of matches}."""
        assert trigger in schema.SCHEDULE_TRIGGERS or rules is not None
        now = now or utc_now()
        if rules is None:
            rules = cls.search([('trigger', '=', trigger)])
        counts = {}
        Company = Pool().get('company.company')
        with without_check_access():
            for rule in rules:
                counts[rule] = 0
                companies = ([rule.company] if rule.company
                    else Company.search([]))
                for company in companies:
                    with Transaction().set_context(company=company.id):
                        subjects = facts.products(company, now=now)
                        counts[rule] += len(rule.apply(subjects, now=now))
                cls.write([rule], {'last_run': now})
        return counts

    @classmethod
    def run_hourly(cls):
        "Cron: the hourly rules."
        cls.run_schedule('hourly')

    @classmethod
    def run_daily(cls):
        "Cron: the daily rules."
        cls.run_schedule('daily')

    @classmethod
    def approval_levels(cls, request):
        """Return [(rule, level, evaluate.Result)] of the active rules
        'issue_request.submitted' with an approval step that match
        ``request`` now, in the rules' order."""
        with without_check_access():
            rules = cls.search([
                    ('company', 'in', [request.company.id, None]),
                    ('trigger', '=', 'issue_request.submitted'),
                    ('actions.type', '=', 'approval'),
                    ])
            if not rules:
                return []
            subject = facts.issue_request(request)
            found = []
            for rule in rules:
                try:
                    result = evaluate.evaluate(rule.specs(), rule.match,
                        subject.facts, {})
                except evaluate.ConditionError:
                    # A rule left invalid (e.g. without conditions) still
                    # asks for its step: fail closed.
                    logger.warning("rule %s is invalid: its approval step "
                        "is required", rule.id)
                    result = evaluate.Result(True, [])
                if result.matched:
                    for action in rule.actions:
                        if action.type == 'approval':
                            found.append(
                                (rule, action.approval_level, result))
            return found

