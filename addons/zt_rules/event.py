# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Pending events of the rules: one row per record an event happened to,
written in the event's transaction (so none is lost and none is seen
before its commit), processed by the queue after the commit, by the cron
and by ``ztinv rules``, each exactly once."""
from collections import defaultdict

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from trytond.modules.zt_inventory.trace import utc_now

from . import schema

EVENT_MODELS = {
    'issue_request.submitted': 'zt.issue.request',
    'issue_request.approved': 'zt.issue.request',
    'stock_move.done': 'stock.move',
    'inventory.done': 'stock.inventory',
    }


class Event(ModelSQL, ModelView):
    "Inventory Rule Event"
    __name__ = 'zt.rule.event'
    __string__ = "Inventory Rule Event"
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    trigger = fields.Selection([
            ('issue_request.submitted', "Issue Request Submitted"),
            ('issue_request.approved', "Issue Request Approved"),
            ('stock_move.done', "Stock Move Done"),
            ('inventory.done', "Count Posted"),
            ], "Trigger", required=True, readonly=True)
    record = fields.Reference("Record", [
            ('zt.issue.request', "Material Issue Request"),
            ('stock.move', "Stock Move"),
            ('stock.inventory', "Inventory"),
            ], required=True, readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True,
        help="In UTC: when the event happened.")
    state = fields.Selection([
            ('pending', "Pending"),
            ('done', "Done"),
            ], "State", required=True, readonly=True)
    processed_at = fields.DateTime("Processed at", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.id, Index.Range()), where=t.state == 'pending'))
        cls._order = [('id', 'ASC')]

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def followed(cls, trigger):
        """Tell whether an active rule with an action to run later follows
        ``trigger`` (approval steps are decided when they are needed)."""
        Action = Pool().get('zt.rule.action')
        with without_check_access():
            return bool(Action.search([
                        ('rule.trigger', '=', trigger),
                        ('rule.active', '=', True),
                        ('type', '!=', 'approval'),
                        ], limit=1))

    @classmethod
    def queue(cls, trigger, records):
        """Record a pending ``trigger`` event (see schema.EVENT_TRIGGERS)
        for each of ``records`` when a rule follows it, and ask the queue to
        process it after the commit."""
        assert trigger in schema.EVENT_TRIGGERS, trigger
        if not records or not cls.followed(trigger):
            return []
        now = utc_now()
        with without_check_access():
            events = cls.create([{
                        'company': r.company.id,
                        'trigger': trigger,
                        'record': str(r),
                        'date': now,
                        } for r in records])
        cls.__queue__.process(events)
        return events

    @classmethod
    def claim(cls, events):
        """Mark ``events`` done if still pending and return those this
        caller claimed: a conditional UPDATE (one per slice with RETURNING,
        else one per event), so two workers never process one event both."""
        transaction = Transaction()
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        now = utc_now()
        claimed = set()
        if transaction.database.has_returning():
            for sub_events in grouped_slice(events):
                cursor.execute(*table.update(
                        [table.state, table.processed_at], ['done', now],
                        where=reduce_ids(table.id, [e.id for e in sub_events])
                        & (table.state == 'pending'),
                        returning=[table.id]))
                claimed.update(r[0] for r in cursor)
        else:
            for event in events:
                cursor.execute(*table.update(
                        [table.state, table.processed_at], ['done', now],
                        where=(table.id == event.id)
                        & (table.state == 'pending')))
                if cursor.rowcount == 1:
                    claimed.add(event.id)
        transaction.cache.clear()
        return [e for e in events if e.id in claimed]

    @classmethod
    def process(cls, events=None, rule=None):
        """Evaluate the rules that follow each pending event of ``events``
        (every pending event when None) on its record and run their
        actions; ``rule``: only this rule (the events are still consumed).
        Returns the number of events processed."""
        pool = Pool()
        Rule = pool.get('zt.rule')
        if events is None:
            events = cls.search([('state', '=', 'pending')])
        else:
            events = [e for e in cls.browse(events) if e.state == 'pending']
        events = cls.claim(events)
        batches = defaultdict(list)
        for event in events:
            if event.record:
                batches[event.company, event.trigger].append(event.record)
        with without_check_access():
            for (company, trigger), records in batches.items():
                rules = Rule.search([
                        ('company', 'in', [company.id, None]),
                        ('trigger', '=', trigger),
                        ])
                if rule:
                    rules = [r for r in rules if r == rule]
                with Transaction().set_context(company=company.id):
                    for rule_ in rules:
                        rule_.apply_records(records)
        return len(events)

    @classmethod
    def process_pending(cls):
        "Cron: process every pending event."
        cls.process()

    @classmethod
    def purge(cls, ids):
        "Delete the done events ``ids`` (housekeeping)."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(ids):
            cursor.execute(*table.delete(
                    where=reduce_ids(table.id, sub_ids)
                    & (table.state == 'done')))
