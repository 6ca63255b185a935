# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Inbound and outbound flows per warehouse, category and period.

A done move is inbound for a warehouse when its destination is inside the
warehouse and its source is not; outbound the other way round (a transfer
between two warehouses is outbound for one and inbound for the other).
Cancelled, draft and assigned moves never count.  Values are quantity (the
product's default unit) x the move's cost price, or the product's cost
price, in the company currency.  A product in two categories counts in
both; a product without category has an empty category.
"""
import datetime as dt

from sql import Cast, Literal, Union, Values, Window
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce
from sql.functions import RowNumber

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool

from .cockpit import (
    category_products, context_filters, money, period_bounds)
from .cockpit_turnover import _CockpitMixin


def days_table(filters):
    """SQL VALUES mapping each day of the context range to its period:
    columns day, start, end (dates)."""
    rows = []
    for start, end in period_bounds(
            filters['from_date'], filters['to_date'], filters['period']):
        day = start
        while day <= end:
            rows.append((day, start, end))
            day += dt.timedelta(days=1)
    return Values(rows)


class Flow(_CockpitMixin, ModelSQL, ModelView):
    "Inventory Cockpit Flow"
    __name__ = 'zt.cockpit.flow'
    __string__ = "Inbound and Outbound Flow"

    warehouse = fields.Many2One('stock.location', "Warehouse")
    category = fields.Many2One('product.category', "Category")
    input_quantity = fields.Float(
        "Inbound Quantity", digits=(None, 3),
        help="In the products' default units.")
    input_value = fields.Numeric("Inbound Value", digits=(None, 4))
    output_quantity = fields.Float(
        "Outbound Quantity", digits=(None, 3),
        help="In the products' default units.")
    output_value = fields.Numeric("Outbound Value", digits=(None, 4))
    moves = fields.Integer("Moves", help="Number of done moves.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('period_start', 'DESC'), ('warehouse', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        """Per warehouse, category and period ('day', 'week' or 'month')
        of the cockpit context."""
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        Product = pool.get('product.product')
        CostPrice = pool.get('product.cost_price')
        TemplateCategory = pool.get('product.template-product.category')
        filters = context_filters()
        company = filters['company'] or -1

        def side(direction):
            move = Move.__table__()
            here = Location.__table__()
            there = Location.__table__()
            warehouse = Location.__table__()
            cost = CostPrice.__table__()
            if direction == 'in':
                here_id, there_id = move.to_location, move.from_location
            else:
                here_id, there_id = move.from_location, move.to_location
            in_warehouse = ((here.left >= warehouse.left)
                & (here.right <= warehouse.right))
            there_outside = ((there.left < warehouse.left)
                | (there.right > warehouse.right))
            where = ((move.company == company)
                & (move.state == 'done')
                & (move.effective_date >= filters['from_date'])
                & (move.effective_date <= filters['to_date'])
                & (warehouse.type == 'warehouse')
                & there_outside)
            if filters['warehouse']:
                where &= warehouse.id == filters['warehouse']
            products = category_products(filters['category'])
            if products is not None:
                where &= move.product.in_(products)
            quantity = move.internal_quantity
            value = quantity * Coalesce(move.cost_price, cost.cost_price, 0)
            zero = Literal(0)
            return (move
                .join(here, condition=here_id == here.id)
                .join(warehouse, condition=in_warehouse)
                .join(there, condition=there_id == there.id)
                .join(cost, 'LEFT', condition=(cost.product == move.product)
                    & (cost.company == company))
                .select(
                    move.id.as_('move'),
                    move.product.as_('product'),
                    move.effective_date.as_('date'),
                    warehouse.id.as_('warehouse'),
                    (quantity if direction == 'in' else zero).as_('in_qty'),
                    (value if direction == 'in' else zero).as_('in_value'),
                    (zero if direction == 'in' else quantity).as_('out_qty'),
                    (zero if direction == 'in' else value).as_('out_value'),
                    where=where))

        flows = Union(side('in'), side('out'), all_=True)
        product = Product.__table__()
        link = TemplateCategory.__table__()
        days = days_table(filters)
        d_day, d_start, d_end = days.column1, days.column2, days.column3
        query = (flows
            .join(days, condition=flows.date == d_day)
            .join(product, condition=flows.product == product.id)
            .join(link, 'LEFT', condition=link.template == product.template))
        if filters['category']:
            Category = pool.get('product.category')
            where = link.category.in_(Category.search(
                    [('parent', 'child_of', [filters['category']])],
                    query=True))
        else:
            where = Literal(True)
        group_by = [flows.warehouse, link.category, d_start, d_end]
        return query.select(
            RowNumber(window=Window([], order_by=group_by)).as_('id'),
            Literal(company).as_('company'),
            flows.warehouse.as_('warehouse'),
            link.category.as_('category'),
            d_start.as_('period_start'),
            d_end.as_('period_end'),
            Cast(Sum(flows.in_qty), 'FLOAT').as_('input_quantity'),
            money(Sum(flows.in_value)).as_('input_value'),
            Cast(Sum(flows.out_qty), 'FLOAT').as_('output_quantity'),
            money(Sum(flows.out_value)).as_('output_value'),
            Count(flows.move).as_('moves'),
            where=where,
            group_by=group_by)

    def moves_domain(self):
        "stock.move domain of the row's moves (warehouse, category, period)."
        warehouse = self.warehouse.id if self.warehouse else -1
        domain = [
            ('company', '=', self.company.id if self.company else -1),
            ('state', '=', 'done'),
            ('effective_date', '>=', self.period_start),
            ('effective_date', '<=', self.period_end),
            # crossing the warehouse's boundary, as the row's SQL counts:
            # not the moves inside it (input to storage...)
            ['OR', [
                    ('from_location', 'child_of', [warehouse], 'parent'),
                    ('to_location', 'not child_of', [warehouse], 'parent'),
                    ], [
                    ('to_location', 'child_of', [warehouse], 'parent'),
                    ('from_location', 'not child_of', [warehouse], 'parent'),
                    ]],
            ]
        if self.category:
            domain.append(
                ('product.template.categories', '=', self.category.id))
        else:
            domain.append(('product.template.categories', '=', None))
        return domain
