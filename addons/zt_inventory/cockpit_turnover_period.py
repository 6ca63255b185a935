# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Turnover of the whole scope (company, or the context's warehouse and
category) per period: the trend line of the cockpit.

A chart over the category rows would add their turnovers up (the client
sums the y values of one x); the ratio of the sums is the scope's
turnover."""
from sql import Cast, Literal, Window
from sql.aggregate import Sum
from sql.conditionals import NullIf
from sql.functions import RowNumber

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool

from .cockpit import context_filters, money
from .cockpit_turnover import _CockpitMixin


class TurnoverPeriod(_CockpitMixin, ModelSQL, ModelView):
    "Inventory Cockpit Turnover per Period"
    __name__ = 'zt.cockpit.turnover.period'
    __string__ = "Inventory Turnover per Period"

    cost_of_goods_issued = fields.Numeric(
        "Cost of Goods Issued", digits=(None, 4),
        help="Sum of the products' cost of goods issued, in the company "
        "currency.")
    average_value = fields.Numeric("Average Inventory Value",
        digits=(None, 4),
        help="Sum of the products' average inventory values, in the "
        "company currency.")
    turnover = fields.Float(
        "Turnover", digits=(None, 3),
        help="Cost of goods issued / average inventory value of the "
        "period (doc/cockpit.rst, Formulas).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('period_start', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        """One row per period of the context: the sums of the product rows
        of zt.cockpit.turnover (same filters) and their ratio."""
        Turnover = Pool().get('zt.cockpit.turnover')
        filters = context_filters()
        rows = Turnover.product_query(filters)
        cogs = Sum(rows.cost_of_goods_issued)
        value = Sum(rows.average_value)
        return rows.select(
            RowNumber(window=Window([], order_by=[rows.period_start])
                ).as_('id'),
            Literal(filters['company'] or -1).as_('company'),
            rows.period_start.as_('period_start'),
            rows.period_end.as_('period_end'),
            money(cogs).as_('cost_of_goods_issued'),
            money(value).as_('average_value'),
            Cast(cogs / NullIf(value, 0), 'FLOAT').as_('turnover'),
            group_by=[rows.period_start, rows.period_end])

    def moves_domain(self):
        "stock.move domain of the period's moves in the context's scope."
        return self._moves_scope()
