# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cockpit's flows (zt_inventory) count the abnormal moves of each row:
the moves an alert of the rule engine names and has not closed."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Flow(metaclass=PoolMeta):
    __name__ = 'zt.cockpit.flow'
    abnormal_moves = fields.Function(fields.Integer("Abnormal Moves",
            help="Done moves of the row flagged by an alert of a rule "
            "that is not closed (see the moves' Abnormal column)."),
        'get_abnormal_moves')

    @classmethod
    def get_abnormal_moves(cls, flows, name):
        """Return {flow id: number of its moves flagged abnormal}: a count
        over the row's drill-down domain and the flagged moves, so the row
        counts exactly what its drill-down shows marked.  The flagged
        moves are read once; only a row whose period holds one of them
        costs a query (a report of 1,000 rows with no open alert costs
        one)."""
        Move = Pool().get('stock.move')
        flagged = Move.search([('zt_abnormal', '=', True)])
        dates = sorted({m.effective_date for m in flagged
                if m.effective_date})
        result = {}
        for flow in flows:
            count = 0
            if any(flow.period_start <= d <= flow.period_end
                    for d in dates):
                count = Move.search_count(flow.moves_domain()
                    + [('id', 'in', [m.id for m in flagged])])
            result[flow.id] = count
        return result
