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
        """Return {flow id: number of its moves flagged abnormal}: one count
        per row, over stock.move's ``zt_abnormal`` searcher, so the row
        counts exactly what its drill-down shows marked."""
        Move = Pool().get('stock.move')
        return {f.id: Move.search_count(
                f.moves_domain() + [('zt_abnormal', '=', True)])
            for f in flows}
