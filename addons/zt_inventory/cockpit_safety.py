# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Safety stock alerts of the cockpit: order points below their minimum.

One row per ``stock.order_point`` with a minimal quantity whose location
(a warehouse, or a storage location for internal order points) holds less
than that minimum as of the context date.  The figures are those of
:func:`kpi.shortage`, :func:`kpi.average_daily_consumption` and
:func:`kpi.stock_out_date` (the reference of the tests), computed in SQL.
"""
import datetime as dt

from sql import Cast, Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Ceil

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool

from .cockpit import (
    MAX_RANGE_DAYS, closed_period, context_filters, product_tables)
from .cockpit_age import filter_categories, product_filter


class Safety(ModelSQL, ModelView):
    "Safety Stock Alert"
    __name__ = 'zt.cockpit.safety'
    __string__ = "Safety Stock Alert"
    company = fields.Many2One('company.company', "Company")
    order_point = fields.Many2One('stock.order_point', "Order Point")
    product = fields.Many2One('product.product', "Product")
    location = fields.Many2One('stock.location', "Location")
    unit = fields.Many2One('product.uom', "Unit")
    quantity = fields.Float("Quantity", digits=(16, 4),
        help="On hand at the end of the context date, in the product's "
        "default unit of measure.")
    min_quantity = fields.Float("Minimal Quantity", digits=(16, 4))
    shortage = fields.Float("Shortage", digits=(16, 4),
        help="Minimal quantity - quantity on hand.")
    consumed_quantity = fields.Float("Consumed Quantity", digits=(16, 4),
        help="Quantity that left the company's stock from the location "
        "during the consumption window ending at the context date.")
    daily_consumption = fields.Float("Daily Consumption", digits=(16, 4),
        help="Consumed quantity / days of the consumption window.")
    days_left = fields.Integer("Days Left",
        help="ceil(quantity / daily consumption); 0 when nothing is on "
        "hand, empty when nothing is consumed.")
    stock_out_date = fields.Function(fields.Date("Stock-out Date",
            help="Context date + days left: the first day that cannot be "
            "served."),
        'get_stock_out_date')
    moves = fields.Function(
        fields.Many2Many('stock.move', None, None, "Consumption Moves",
            help="The moves out of the company's stock during the window."),
        'get_moves')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # kpi.urgency_key: stock-out date ascending (None last), shortage
        cls._order = [
            ('stock_out_date', 'ASC NULLS LAST'),
            ('shortage', 'DESC'),
            ('id', 'ASC'),
            ]

    @staticmethod
    def order_stock_out_date(tables):
        table, _ = tables[None]
        return [table.days_left]

    @classmethod
    def get_stock_out_date(cls, rows, name):
        """Return {row id: the context's as_of + days_left (local date) or
        None}; the context is read once for the rows."""
        as_of = context_filters()['as_of']
        return {r.id: as_of + dt.timedelta(days=r.days_left)
            if r.days_left is not None else None for r in rows}

    @classmethod
    def table_query(cls):
        """Return the SQL of the order points of the context's company
        (warehouse, category) whose on-hand quantity as of ``as_of`` (done
        moves up to that local date, default UoM) is below their minimal
        quantity; consumption = done moves from the location out of the
        company's stock (to a non-storage location) in the
        ``consumption_days`` days ending at ``as_of``.  Raises UserError
        when ``consumption_days`` is not an int > 0."""
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        OrderPoint = pool.get('stock.order_point')
        Product = pool.get('product.product')
        filters = context_filters()
        company, as_of = filters['company'], filters['as_of']
        window = check_window(filters['consumption_days'])
        start = as_of - dt.timedelta(days=window - 1)

        order_point = OrderPoint.__table__()
        location = Location.__table__()
        move = Move.__table__()
        from_location = Location.__table__()
        to_location = Location.__table__()
        product = Product.__table__()

        where = ((order_point.company == company)
            & (order_point.min_quantity != Null)
            & product_filter(product, filter_categories(filters['category'])))
        if filters['warehouse']:
            warehouse = Location(filters['warehouse'])
            where &= ((location.left >= warehouse.left)
                & (location.right <= warehouse.right))
        inside_to = ((to_location.left >= location.left)
            & (to_location.right <= location.right))
        inside_from = ((from_location.left >= location.left)
            & (from_location.right <= location.right))
        consumed = (inside_from & (to_location.type != 'storage')
            & (move.effective_date >= start))
        # the quantity on hand: the latest closed period's cache and the
        # moves after it; the moves of the window in any case
        period = closed_period(company, as_of)
        counted = Literal(True)
        first = None
        if period:
            counted = move.effective_date > period.date
            first = min(period.date, start - dt.timedelta(days=1))
        stock = (order_point
            .join(location, condition=order_point.location == location.id)
            .join(product, condition=order_point.product == product.id)
            .join(move, 'LEFT', condition=(move.product == order_point.product)
                & (move.company == order_point.company)
                & (move.state == 'done') & (move.effective_date <= as_of)
                & ((move.effective_date > first) if first else Literal(True)))
            .join(from_location, 'LEFT',
                condition=move.from_location == from_location.id)
            .join(to_location, 'LEFT',
                condition=move.to_location == to_location.id)
            .select(
                order_point.id.as_('id'),
                order_point.product.as_('product'),
                order_point.location.as_('location'),
                order_point.min_quantity.as_('min_quantity'),
                Sum(Case((counted & inside_to & ~inside_from,
                            move.internal_quantity),
                        (counted & inside_from & ~inside_to,
                            -move.internal_quantity),
                        else_=0)).as_('quantity'),
                Sum(Case((consumed, move.internal_quantity), else_=0)
                    ).as_('consumed'),
                where=where,
                group_by=[order_point.id, order_point.product,
                    order_point.location, order_point.min_quantity]))
        if period:
            stock = with_period_stock(stock, period)
        # kpi.stock_out_date: ceil(on_hand / (consumed / window)) days
        days_left = Case(
            (stock.quantity <= 0, 0),
            (stock.consumed <= 0, Null),
            else_=Cast(Ceil(stock.quantity * window / stock.consumed),
                'INTEGER'))
        product, template = product_tables()
        return (stock
            .join(product, condition=stock.product == product.id)
            .join(template, condition=product.template == template.id)
            .select(
            stock.id.as_('id'),
            Literal(company).as_('company'),
            stock.id.as_('order_point'),
            stock.product.as_('product'),
            template.default_uom.as_('unit'),
            stock.location.as_('location'),
            stock.quantity.as_('quantity'),
            stock.min_quantity.as_('min_quantity'),
            (stock.min_quantity - stock.quantity).as_('shortage'),
            stock.consumed.as_('consumed_quantity'),
            (stock.consumed / window).as_('daily_consumption'),
            days_left.as_('days_left'),
            where=stock.quantity < stock.min_quantity))

    def get_moves(self, name):
        """Return the ids of the done moves out of the company's stock from
        the row's location during the consumption window."""
        Move = Pool().get('stock.move')
        filters = context_filters()
        as_of = filters['as_of']
        start = as_of - dt.timedelta(days=filters['consumption_days'] - 1)
        return [m.id for m in Move.search([
                    ('company', '=', self.company.id),
                    ('product', '=', self.product.id),
                    ('state', '=', 'done'),
                    ('from_location', 'child_of', [self.location.id],
                        'parent'),
                    ('to_location.type', '!=', 'storage'),
                    ('effective_date', '>=', start),
                    ('effective_date', '<=', as_of),
                    ], order=[('effective_date', 'DESC'), ('id', 'DESC')])]


def with_period_stock(stock, period):
    """Return ``stock`` (rows of order points: id, product, location,
    min_quantity, quantity, consumed) with the quantities of ``period``'s
    cache in each order point's location (and its children) added to
    ``quantity``."""
    pool = Pool()
    Cache = pool.get('stock.period.cache')
    Location = pool.get('stock.location')
    OrderPoint = pool.get('stock.order_point')
    order_point = OrderPoint.__table__()
    location = Location.__table__()
    cache = Cache.__table__()
    cache_location = Location.__table__()
    cached = (order_point
        .join(location, condition=order_point.location == location.id)
        .join(cache, condition=(cache.product == order_point.product)
            & (cache.period == period.id))
        .join(cache_location, condition=(cache.location == cache_location.id)
            & (cache_location.left >= location.left)
            & (cache_location.right <= location.right))
        .select(
            order_point.id.as_('id'),
            Sum(cache.internal_quantity).as_('quantity'),
            group_by=[order_point.id]))
    return (stock
        .join(cached, 'LEFT', condition=cached.id == stock.id)
        .select(
            stock.id.as_('id'),
            stock.product.as_('product'),
            stock.location.as_('location'),
            stock.min_quantity.as_('min_quantity'),
            Cast(stock.quantity + Coalesce(cached.quantity, 0), 'FLOAT'
                ).as_('quantity'),
            stock.consumed.as_('consumed')))


def check_window(days):
    "Return ``days`` if it is an int > 0, else raise UserError."
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise UserError(gettext(
                'zt_inventory.msg_cockpit_consumption_days', days=days,
                maximum=MAX_RANGE_DAYS))
    return days
