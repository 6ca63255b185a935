# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The indexes of stock_move the cockpit's reports read through.

Measured on PostgreSQL with 1,000,000 moves (doc/cockpit.rst, Benchmark):
Tryton's own indexes on stock_move lead with the company, none with the
date or the product of done moves, so every report scanned the table."""
from trytond.model import Index
from trytond.pool import PoolMeta


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        done = t.state == 'done'
        cls._sql_indexes.update({
                # flows and the consumption window: done moves of a period
                Index(t, (t.effective_date, Index.Range()),
                    include=[t.company, t.product, t.from_location,
                        t.to_location, t.internal_quantity, t.cost_price],
                    where=done),
                # FIFO layers (read in the order of their window: newest
                # first, no sort), last movement, stock per product
                Index(t, (t.product, Index.Range()),
                    (t.effective_date, Index.Range(order='DESC')),
                    (t.id, Index.Range(order='DESC')),
                    include=[t.company, t.from_location, t.to_location,
                        t.internal_quantity],
                    where=done),
                })
