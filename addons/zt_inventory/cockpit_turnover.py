# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Inventory turnover per product and period, and per category and period.

Turnover = cost of goods issued / average inventory value (APICS
dictionary, "inventory turnover"; the textbook "cost of goods sold /
average inventory").  The average quantity is Tryton's
(stock.reporting.inventory.turnover): the sum over the period's days of
max(end-of-day quantity, 0) plus, on days with moves, min(input, output),
divided by the number of days; it is valued at the product's cost price.
With a constant cost our turnover equals Tryton's turnover x days, since
Tryton's divides the output quantity PER DAY.  See doc/cockpit.rst.
"""
import datetime as dt

from sql import Cast, Literal, Union, Values, Window
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce, Greatest, Least, NullIf
from sql.functions import NthValue, RowNumber

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import StateAction, Wizard

from .cockpit import (
    category_products, closed_period, company_currency, context_filters,
    day_diff, inside, money, period_bounds, period_stock, product_tables)


def periods_table(filters):
    """SQL VALUES of the periods of the context: columns start, end (last
    day, inclusive), next (the day after end) and days (int)."""
    rows = [(s, e, e + dt.timedelta(days=1), (e - s).days + 1)
        for s, e in period_bounds(
            filters['from_date'], filters['to_date'], filters['period'])]
    return Values(rows)


class _CockpitMixin:
    __slots__ = ()

    company = fields.Many2One('company.company', "Company")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    period_start = fields.Date("Period Start")
    period_end = fields.Date("Period End")

    @classmethod
    def get_currency(cls, records, name):
        "The context company's currency: every row is of that company."
        return company_currency(records)

    @classmethod
    def _warehouse(cls, filters):
        Location = Pool().get('stock.location')
        if filters['warehouse']:
            return Location(filters['warehouse'])

    def _moves_scope(self):
        """stock.move domain of the done moves of the row's company and
        period, crossing the warehouse boundary of the context."""
        domain = [
            ('company', '=', self.company.id if self.company else -1),
            ('state', '=', 'done'),
            ('effective_date', '>=', self.period_start),
            ('effective_date', '<=', self.period_end),
            ]
        warehouse = Transaction().context.get('warehouse')
        if warehouse:
            domain.append(['OR',
                    ('from_location', 'child_of', [warehouse], 'parent'),
                    ('to_location', 'child_of', [warehouse], 'parent'),
                    ])
        return domain


class Turnover(_CockpitMixin, ModelSQL, ModelView):
    "Inventory Cockpit Turnover"
    __name__ = 'zt.cockpit.turnover'
    __string__ = "Inventory Turnover per Product"

    product = fields.Many2One('product.product', "Product")
    unit = fields.Many2One('product.uom', "Unit")
    output_quantity = fields.Float(
        "Issued Quantity", digits=(None, 3),
        help="Quantity issued to outside the warehouses, in the product's "
        "default unit.")
    cost_of_goods_issued = fields.Numeric(
        "Cost of Goods Issued", digits=(None, 4),
        help="Issued quantity x the move's cost price (or the product's), "
        "in the company currency.")
    average_quantity = fields.Float(
        "Average Quantity", digits=(None, 3),
        help="Tryton's daily average of the quantity on hand.")
    average_value = fields.Numeric(
        "Average Inventory Value", digits=(None, 4),
        help="Average quantity x the product's cost price.")
    turnover = fields.Float(
        "Turnover", digits=(None, 3),
        help="Cost of goods issued / average inventory value.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('period_start', 'DESC'), ('turnover', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        "Per product and period; filters from the cockpit context."
        return cls.product_query(context_filters())

    @classmethod
    def product_query(cls, filters):
        """SQL of the turnover rows of ``filters`` (see
        cockpit.context_filters): product, period_start, period_end,
        output_quantity, cost_of_goods_issued, average_quantity,
        average_value, turnover."""
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        CostPrice = pool.get('product.cost_price')
        move = Move.__table__()
        from_loc = Location.__table__()
        to_loc = Location.__table__()
        cost = CostPrice.__table__()
        company = filters['company'] or -1
        from_date, to_date = filters['from_date'], filters['to_date']
        warehouse = cls._warehouse(filters)

        in_c = inside(to_loc, warehouse) & ~inside(from_loc, warehouse)
        out_c = inside(from_loc, warehouse) & ~inside(to_loc, warehouse)
        # COGS: out of the company's warehouses, not to another warehouse
        cogs_c = out_c & (to_loc.type != 'storage')
        current = move.effective_date >= from_date
        day = Greatest(move.effective_date, from_date)
        unit_cost = Coalesce(move.cost_price, cost.cost_price, 0)
        where = ((move.company == company)
            & (move.state == 'done')
            & (move.effective_date <= to_date)
            & (in_c | out_c))
        products = category_products(filters['category'])
        if products is not None:
            where &= move.product.in_(products)
        # the opening stock: a closed period's cache and the moves after it
        period = closed_period(company, from_date - dt.timedelta(days=1))
        if period:
            where &= move.effective_date > period.date
        daily = (move
            .join(from_loc, condition=move.from_location == from_loc.id)
            .join(to_loc, condition=move.to_location == to_loc.id)
            .join(cost, 'LEFT', condition=(cost.product == move.product)
                & (cost.company == company))
            .select(
                move.product.as_('product'),
                day.as_('day'),
                Sum(move.internal_quantity * Case((out_c, -1), else_=1),
                    filter_=~current).as_('start'),
                Sum(move.internal_quantity,
                    filter_=in_c & current).as_('input'),
                Sum(move.internal_quantity,
                    filter_=out_c & current).as_('output'),
                Sum(move.internal_quantity,
                    filter_=cogs_c & current).as_('issued'),
                Sum(move.internal_quantity * unit_cost,
                    filter_=cogs_c & current).as_('cogs'),
                where=where,
                group_by=[move.product, day.as_('day')]))
        if period:
            daily = cls._with_period(daily, period, warehouse, filters)

        quantity = Sum(
            Coalesce(daily.start, 0) + Coalesce(daily.input, 0)
            - Coalesce(daily.output, 0),
            window=Window([daily.product], order_by=[daily.day.asc]))
        days = daily.select(
            daily.product, daily.day, daily.input, daily.output,
            daily.issued, daily.cogs,
            quantity.as_('quantity'),
            NthValue(daily.day, 2, window=Window([daily.product],
                    order_by=[daily.day.asc],
                    frame='ROWS', start=0, end=1)).as_('next_day'))

        period = periods_table(filters)
        p_start, p_end, p_next, p_days = (
            period.column1, period.column2, period.column3, period.column4)
        in_period = (days.day >= p_start) & (days.day <= p_end)
        covered = day_diff(
            Least(Coalesce(days.next_day, p_next), p_next),
            Greatest(days.day, p_start))
        average = (
            (Sum(Greatest(days.quantity, 0) * covered)
                + Sum(Least(Greatest(days.input, 0),
                        Greatest(days.output, 0)),
                    filter_=in_period))
            / p_days)
        grouped = days.join(period, condition=(days.day <= p_end)
            & (Coalesce(days.next_day, p_next) > p_start)
            ).select(
            days.product.as_('product'),
            p_start.as_('period_start'),
            p_end.as_('period_end'),
            Coalesce(Sum(days.issued, filter_=in_period), 0).as_(
                'output_quantity'),
            Coalesce(Sum(days.cogs, filter_=in_period), 0).as_('cogs'),
            average.as_('average_quantity'),
            group_by=[days.product, p_start, p_end, p_days])

        cost2 = CostPrice.__table__()
        average_value = grouped.average_quantity * Coalesce(
            cost2.cost_price, 0)
        product, template = product_tables()
        return (grouped
            .join(cost2, 'LEFT', condition=(cost2.product == grouped.product)
                & (cost2.company == company))
            .join(product, condition=grouped.product == product.id)
            .join(template, condition=product.template == template.id)
            .select(
            RowNumber(window=Window([], order_by=[
                        grouped.product, grouped.period_start])).as_('id'),
            Literal(company).as_('company'),
            grouped.product.as_('product'),
            template.default_uom.as_('unit'),
            grouped.period_start.as_('period_start'),
            grouped.period_end.as_('period_end'),
            Cast(grouped.output_quantity, 'FLOAT').as_('output_quantity'),
            money(grouped.cogs).as_('cost_of_goods_issued'),
            Cast(grouped.average_quantity, 'FLOAT').as_('average_quantity'),
            money(average_value).as_('average_value'),
            Cast(grouped.cogs / NullIf(average_value, 0), 'FLOAT').as_(
                'turnover'),
            where=(grouped.average_quantity != 0)
            | (grouped.output_quantity != 0)))

    @classmethod
    def _with_period(cls, daily, period, warehouse, filters):
        """Return ``daily`` (per product and day: start, input, output,
        issued, cogs) with the stock of ``period``'s cache in the scope
        added to the opening ``start`` of the first day."""
        from_date = filters['from_date']

        def where(cache, location):
            where = inside(location, warehouse)
            products = category_products(filters['category'])
            if products is not None:
                where &= cache.product.in_(products)
            return where
        opening = period_stock(period,
            lambda cache, location: [
                cache.product.as_('product'),
                Literal(from_date).as_('day'),
                Sum(cache.internal_quantity).as_('start'),
                Literal(None).as_('input'),
                Literal(None).as_('output'),
                Literal(None).as_('issued'),
                Literal(None).as_('cogs'),
                ],
            where, lambda cache, location: [cache.product])
        rows = Union(daily, opening, all_=True)
        return rows.select(
            rows.product.as_('product'),
            rows.day.as_('day'),
            Sum(rows.start).as_('start'),
            Sum(rows.input).as_('input'),
            Sum(rows.output).as_('output'),
            Sum(rows.issued).as_('issued'),
            Sum(rows.cogs).as_('cogs'),
            group_by=[rows.product, rows.day])

    def moves_domain(self):
        "stock.move domain of the row's moves (product, period, scope)."
        return self._moves_scope() + [
            ('product', '=', self.product.id if self.product else -1)]


class TurnoverCategory(_CockpitMixin, ModelSQL, ModelView):
    "Inventory Cockpit Turnover per Category"
    __name__ = 'zt.cockpit.turnover.category'
    __string__ = "Inventory Turnover per Category"

    category = fields.Many2One('product.category', "Category")
    cost_of_goods_issued = fields.Numeric(
        "Cost of Goods Issued", digits=(None, 4))
    average_value = fields.Numeric("Average Inventory Value", digits=(None, 4))
    turnover = fields.Float(
        "Turnover", digits=(None, 3),
        help="Sum of the products' cost of goods issued / sum of their "
        "average inventory values.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('period_start', 'DESC'), ('turnover', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        "Per category (direct membership) and period of the context."
        pool = Pool()
        Product = pool.get('product.product')
        TemplateCategory = pool.get('product.template-product.category')
        Turnover = pool.get('zt.cockpit.turnover')
        filters = context_filters()
        rows = Turnover.product_query(filters)
        product = Product.__table__()
        link = TemplateCategory.__table__()
        where = Literal(True)
        if filters['category']:
            Category = pool.get('product.category')
            where = link.category.in_(Category.search(
                    [('parent', 'child_of', [filters['category']])],
                    query=True))
        cogs = Sum(rows.cost_of_goods_issued)
        value = Sum(rows.average_value)
        return (rows
            .join(product, condition=rows.product == product.id)
            .join(link, condition=link.template == product.template)
            .select(
                RowNumber(window=Window([], order_by=[
                            link.category, rows.period_start])).as_('id'),
                Literal(filters['company'] or -1).as_('company'),
                link.category.as_('category'),
                rows.period_start.as_('period_start'),
                rows.period_end.as_('period_end'),
                money(cogs).as_('cost_of_goods_issued'),
                money(value).as_('average_value'),
                Cast(cogs / NullIf(value, 0), 'FLOAT').as_('turnover'),
                where=where,
                group_by=[link.category, rows.period_start,
                    rows.period_end]))

    def moves_domain(self):
        "stock.move domain of the row's moves (category, period, scope)."
        return self._moves_scope() + [
            ('product.template.categories', '=',
                self.category.id if self.category else -1)]



class TurnoverCategoryOpenProducts(Wizard):
    "Open the product turnover rows of the selected category rows."
    __name__ = 'zt.cockpit.turnover.category.open_products'
    start_state = 'open_'
    open_ = StateAction('zt_inventory.act_cockpit_turnover')

    def do_open_(self, action):
        domain = ['OR'] + [[
                ('product.template.categories', '=', r.category.id),
                ('period_start', '=', r.period_start),
                ] for r in self.records if r.category]
        action['pyson_domain'] = PYSONEncoder().encode(domain)
        return action, {}
