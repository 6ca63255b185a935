# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The movement journal of the rules: each done stock move gets its
effective time (window.effective_time) and who did it, indexed for windows
bounded in time, and queues the event of the rules that follow it."""
from collections import defaultdict

from sql import Null

from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from trytond.modules.zt_inventory.trace import utc_now

from . import window


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'
    zt_effective_time = fields.DateTime("Effective Time", readonly=True,
        help="In UTC: when the move took effect (see the rules' "
        "documentation); set when the move is done.")
    zt_done_by = fields.Many2One('res.user', "Done by", readonly=True)
    zt_abnormal = fields.Function(fields.Boolean("Abnormal",
            help="Flagged by an open alert of a rule."),
        'get_zt_abnormal', searcher='search_zt_abnormal')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # Partial on a column, not on state = 'done': a parameter in the
        # predicate would keep generic plans off these indexes.
        cls._sql_indexes.update({
                Index(t, (t.product, Index.Range()),
                    (t.zt_effective_time, Index.Range()),
                    where=t.zt_effective_time != Null),
                Index(t, (t.to_location, Index.Range()),
                    (t.zt_effective_time, Index.Range()),
                    where=t.zt_effective_time != Null),
                Index(t, (t.from_location, Index.Range()),
                    (t.zt_effective_time, Index.Range()),
                    where=t.zt_effective_time != Null),
                Index(t, (t.zt_done_by, Index.Range()),
                    (t.zt_effective_time, Index.Range()),
                    where=t.zt_effective_time != Null),
                })

    @classmethod
    def copy(cls, moves, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('zt_effective_time', None)
        default.setdefault('zt_done_by', None)
        return super().copy(moves, default=default)

    @classmethod
    def on_write(cls, moves, values):
        callbacks = super().on_write(moves, values)
        if values.get('state') == 'done':
            ids = [m.id for m in moves if m.state != 'done']
            if ids:
                callbacks.append(lambda: cls.journal_done(ids))
        return callbacks

    @classmethod
    def journal_done(cls, ids):
        """Set the effective time (UTC, see window.effective_time) and the
        user of the moves ``ids`` that are done now, with one SQL update
        per distinct value, and queue their 'stock_move.done' events."""
        pool = Pool()
        Event = pool.get('zt.rule.event')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        now = utc_now()
        user = transaction.user
        groups = defaultdict(list)
        done = [m for m in cls.browse(ids) if m.state == 'done']
        for move in done:
            timezone = move.company.timezone if move.company else None
            time = window.effective_time(
                move.effective_date, now, timezone)
            groups[time.replace(tzinfo=None)].append(move.id)
        for time, move_ids in groups.items():
            for sub_ids in grouped_slice(move_ids):
                cursor.execute(*table.update(
                        [table.zt_effective_time, table.zt_done_by],
                        [time, user],
                        where=reduce_ids(table.id, sub_ids)
                        & (table.zt_effective_time == Null)))
        Event.queue('stock_move.done', done)

    @classmethod
    def get_zt_abnormal(cls, moves, name):
        "Flagged by an alert that is not closed (one query per batch)."
        AlertRecord = Pool().get('zt.alert.record')
        flagged = set()
        for sub_moves in grouped_slice(moves):
            with without_check_access():
                records = AlertRecord.search([
                        ('record', 'in', [str(m) for m in sub_moves]),
                        ('alert.state', '!=', 'closed'),
                        ])
            flagged.update(r.record.id for r in records)
        return {m.id: m.id in flagged for m in moves}

    @classmethod
    def search_zt_abnormal(cls, name, clause):
        pool = Pool()
        AlertRecord = pool.get('zt.alert.record')
        with without_check_access():
            records = AlertRecord.search([
                    ('record', 'like', 'stock.move,%'),
                    ('alert.state', '!=', 'closed'),
                    ])
        ids = [r.record.id for r in records if r.record]
        _, operator, value = clause
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', ids)]
