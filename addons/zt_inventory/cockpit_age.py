# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Inventory age report of the cockpit: FIFO layers in SQL.

What is on hand is, first in first out, the newest receipts: a receipt
layer keeps ``max(0, min(quantity, on_hand - newer))`` where ``newer`` is
the quantity received after it (window sum, newest first).  Receipts are
the done moves entering the company's stock (from a supplier, production,
lost and found or customer location into a storage location); internal
transfers and cancelled moves are never receipts (C11).  The figures are
those of :func:`kpi.fifo_layers`, :func:`kpi.age_buckets` and
:func:`kpi.warehouse_share` (the reference of the tests).
"""
import datetime as dt

from sql import Cast, Literal, Null, Union, Window, With
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case, Coalesce, Greatest, Least

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import kpi
from .cockpit import (
    closed_period, company_currency, context_filters, period_stock,
    product_tables)

# Location types a receipt comes from (stock entering the company).
RECEIPT_TYPES = ['supplier', 'production', 'lost_found', 'customer']
BUCKETS = [(key, key) for key, _, _ in kpi.AGE_BUCKETS]


def bucket_bounds(as_of):
    """Return [(key, index, oldest date, newest date or None)] of
    :data:`kpi.AGE_BUCKETS` as of ``as_of`` (local date): a receipt of
    date ``d`` is in the bucket when oldest <= d <= newest (None: no
    bound), so the SQL compares indexed dates instead of date
    differences (portable between SQLite and PostgreSQL)."""
    bounds = []
    for index, (key, first, last) in enumerate(kpi.AGE_BUCKETS):
        oldest = as_of - dt.timedelta(days=last) if last is not None else None
        bounds.append((key, index, oldest, as_of - dt.timedelta(days=first)))
    return bounds


def product_filter(product_table, categories):
    """Return the python-sql condition on ``product_table`` (a
    product.product table) keeping the products of ``categories`` (list of
    product.category ids, None for no filter)."""
    if categories is None:
        return Literal(True)
    TemplateCategory = Pool().get('product.template-product.category')
    template_category = TemplateCategory.__table__()
    return product_table.template.in_(template_category.select(
            template_category.template,
            where=template_category.category.in_(categories)))


def products_of_categories(categories):
    """Return the SQL sub-query of the ids of the products of
    ``categories`` (list of product.category ids)."""
    product = Pool().get('product.product').__table__()
    return product.select(product.id,
        where=product_filter(product, categories))


def filter_categories(category):
    """Return the ids of ``category`` (id or None) and its children, or
    None when there is no category filter."""
    if not category:
        return None
    Category = Pool().get('product.category')
    return [c.id for c in Category.search([
                ('parent', 'child_of', [category]),
                ])]


class _AgeMixin:
    __slots__ = ()
    company = fields.Many2One('company.company', "Company")
    bucket = fields.Selection(BUCKETS, "Age Bucket", sort=False,
        help="Days since the receipt (local dates): 0-30, 31-90, 91-180, "
        "more than 180 days.")
    quantity = fields.Float("Quantity", digits=(16, 4),
        help="In the product's default unit of measure.")
    value = fields.Numeric("Value", digits=(16, 4),
        help="Quantity x cost price, in the company currency.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    oldest_date = fields.Date("Oldest Receipt",
        help="Date of the oldest receipt layer still on hand.")
    unknown_origin = fields.Boolean("Unknown Origin",
        help="Part of the quantity on hand exceeds the known receipts: "
        "it is reported in the oldest bucket.")

    @classmethod
    def get_currency(cls, records, name):
        "The context company's currency: every row is of that company."
        return company_currency(records)


class Age(_AgeMixin, ModelSQL, ModelView):
    "Inventory Age per Product"
    __name__ = 'zt.cockpit.age'
    __string__ = "Inventory Age per Product"
    product = fields.Many2One('product.product', "Product")
    unit = fields.Many2One('product.uom', "Unit")
    last_movement = fields.Date("Last Movement",
        help="Date of the last done move taking the product out of the "
        "company's stock.")
    dead_stock = fields.Boolean("Dead Stock", help=kpi.DEAD_STOCK_POLICY)
    dead_stock_policy = fields.Function(
        fields.Text("Dead Stock Policy"), 'get_dead_stock_policy')
    moves = fields.Function(
        fields.Many2Many('stock.move', None, None, "Receipts",
            help="The receipts whose layers are on hand in this bucket."),
        'get_moves')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('product', 'ASC'), ('bucket', 'ASC'), ('id', 'ASC')]

    def get_dead_stock_policy(self, name):
        return kpi.DEAD_STOCK_POLICY

    @classmethod
    def read(cls, ids, fields_names):
        """Read the rows ``ids``: a product's rows depend on its own moves
        only, so the SQL is asked for the products of ``ids`` (``id //
        4``) only.  Tryton's ``search_read`` runs a table query twice
        (search, then read of the ids): the read no longer computes the
        layers of every product (doc/cockpit.rst, Benchmark)."""
        products = sorted({int(i) // len(kpi.AGE_BUCKETS) for i in ids})
        with Transaction().set_context({READ_PRODUCTS: products}):
            return super().read(ids, fields_names)

    @classmethod
    def table_query(cls):
        """Return the SQL of one row per product and age bucket with stock
        on hand, as of the context's ``as_of`` (local date), for the
        company (and the warehouse share, and the category) of the
        context: quantity in the default UoM, value = quantity x cost
        price in the company currency, ``id = product x 4 + bucket
        index``."""
        filters = context_filters()
        layers = layers_query(filters)
        as_of = filters['as_of']
        # a NULL date (unknown origin) falls into the oldest bucket
        bucket_index = Case(
            *[(layers.date >= oldest, index)
                for _, index, oldest, _ in bucket_bounds(as_of)[:-1]],
            else_=len(kpi.AGE_BUCKETS) - 1)
        # PostgreSQL cannot match a parametrised CASE of the GROUP BY with
        # that of the SELECT: name the bucket in a subquery first
        bucketed = layers.select(
            layers.product.as_('product'),
            bucket_index.as_('bucket_index'),
            layers.quantity.as_('quantity'),
            layers.cost_price.as_('cost_price'),
            layers.date.as_('date'),
            layers.last_movement.as_('last_movement'),
            where=layers.quantity > 0)
        rows = bucketed.select(
            bucketed.product.as_('product'),
            bucketed.bucket_index.as_('bucket_index'),
            Sum(bucketed.quantity).as_('quantity'),
            Sum(bucketed.quantity * bucketed.cost_price).as_('value'),
            Min(bucketed.date).as_('oldest_date'),
            Max(Case((bucketed.date == Null, 1), else_=0)).as_('unknown'),
            Max(bucketed.last_movement).as_('last_movement'),
            group_by=[bucketed.product, bucketed.bucket_index])
        product_window = Window([rows.product])
        dead = dead_stock_condition(rows.last_movement,
            Min(rows.oldest_date, window=product_window),
            Max(rows.unknown, window=product_window) == 1, as_of)
        product, template = product_tables()
        return (rows
            .join(product, condition=rows.product == product.id)
            .join(template, condition=product.template == template.id)
            .select(
            (rows.product * len(kpi.AGE_BUCKETS) + rows.bucket_index
                ).as_('id'),
            Literal(filters['company']).as_('company'),
            rows.product.as_('product'),
            template.default_uom.as_('unit'),
            Case(*[(rows.bucket_index == i, k)
                    for k, i, _, _ in bucket_bounds(as_of)],
                else_=Null).as_('bucket'),
            rows.quantity.as_('quantity'),
            Cast(rows.value, cls.value.sql_type().base).as_('value'),
            rows.bucket_index.as_('bucket_index'),
            rows.oldest_date.as_('oldest_date'),
            (rows.unknown == 1).as_('unknown_origin'),
            rows.last_movement.as_('last_movement'),
            dead.as_('dead_stock')))

    def get_moves(self, name):
        """Return the ids of the done receipts of the row's product whose
        FIFO layer is (partly) on hand in the row's bucket, as of the
        context date, newest first: the receipts the row's quantity comes
        from, not every receipt dated in the bucket."""
        filters = context_filters()
        for key, _, oldest, newest in bucket_bounds(filters['as_of']):
            if key == self.bucket:
                break
        layers = layers_query(filters)
        where = ((layers.product == self.product.id)
            & (layers.quantity > 0) & (layers.move != Null)
            & (layers.date <= newest))
        if oldest:
            where &= layers.date >= oldest
        cursor = Transaction().connection.cursor()
        cursor.execute(*layers.select(layers.move, where=where,
                order_by=[layers.date.desc, layers.move.desc]))
        return [move for move, in cursor]


def dead_stock_condition(last_movement, received, unknown, as_of):
    """Return the SQL condition of :func:`kpi.is_dead_stock` as of
    ``as_of``: the last movement out of the company's stock is more than
    :data:`kpi.DEAD_STOCK_DAYS` days old or, never moved, the oldest layer
    on hand (``received``) is, or part of the stock has an unknown
    origin (``unknown``, a condition)."""
    limit = as_of - dt.timedelta(days=kpi.DEAD_STOCK_DAYS)
    return Case(
        (last_movement != Null, last_movement < limit),
        (unknown, Literal(True)),
        else_=received < limit)


def layers_query(filters):
    """Return the SQL of the FIFO layers on hand as of ``filters['as_of']``.

    Columns: product, move (the receipt, NULL for the quantity above the
    known receipts), date (receipt date, NULL likewise), quantity (default
    UoM, scaled to the warehouse's share when a warehouse is filtered),
    cost_price (company currency) and last_movement (date of the product's
    last done move out of the company's stock).  The stock on hand comes
    from the latest closed period's cache and the moves after it (see
    :func:`cockpit.closed_period`); the receipts and the stock are common
    table expressions, each read once."""
    pool = Pool()
    Move = pool.get('stock.move')
    CostPrice = pool.get('product.cost_price')
    move = Move.__table__()
    cost = CostPrice.__table__()

    company, as_of = filters['company'], filters['as_of']
    categories = filter_categories(filters['category'])

    # the receipts straight from the index by product and date, newest
    # first (cockpit_index.py): locations as lists of ids, no join, so
    # that the window needs no sort
    receipts_where = ((move.company == company) & (move.state == 'done')
        & (move.effective_date <= as_of)
        & move.from_location.in_(location_ids(RECEIPT_TYPES))
        & move.to_location.in_(location_ids(['storage']))
        & read_products(move.product))
    if categories is not None:
        receipts_where &= move.product.in_(products_of_categories(categories))
    receipts = With(query=move.select(
            move.id.as_('id'),
            move.product.as_('product'),
            move.effective_date.as_('date'),
            move.internal_quantity.as_('quantity'),
            Sum(move.internal_quantity, window=Window([move.product],
                    order_by=[move.effective_date.desc, move.id.desc],
                    frame='ROWS', start=None, end=0)).as_('newer'),
            Sum(move.internal_quantity, window=Window([move.product])
                ).as_('received'),
            where=receipts_where))
    stock = With(query=stock_query(filters, categories))

    if filters['warehouse']:
        share = stock.wh_on_hand / stock.on_hand
    else:
        share = Literal(1)
    cost_join = ((cost.product == stock.product)
        & (cost.company == company))
    layer_quantity = Greatest(Least(
            receipts.quantity,
            stock.on_hand - (receipts.newer - receipts.quantity)), 0)
    layers = (stock
        .join(receipts, condition=receipts.product == stock.product)
        .join(cost, 'LEFT', condition=cost_join)
        .select(
            stock.product.as_('product'),
            receipts.id.as_('move'),
            receipts.date.as_('date'),
            (layer_quantity * share).as_('quantity'),
            Coalesce(cost.cost_price, 0).as_('cost_price'),
            stock.last_movement.as_('last_movement')))
    # the quantity on hand above every known receipt: date unknown
    totals = receipts.select(
        receipts.product.as_('product'),
        Max(receipts.received).as_('received'),
        group_by=[receipts.product])
    cost2 = CostPrice.__table__()
    remainder = (stock
        .join(totals, 'LEFT', condition=totals.product == stock.product)
        .join(cost2, 'LEFT', condition=(cost2.product == stock.product)
            & (cost2.company == company))
        .select(
            stock.product.as_('product'),
            Literal(None).as_('move'),
            Literal(None).as_('date'),
            ((stock.on_hand - Coalesce(totals.received, 0)) * share
                ).as_('quantity'),
            Coalesce(cost2.cost_price, 0).as_('cost_price'),
            stock.last_movement.as_('last_movement'),
            where=stock.on_hand > Coalesce(totals.received, 0)))
    # UNION ALL: two receipts of the same day, quantity and cost are two
    # layers (a plain UNION would keep one)
    query = Union(layers, remainder, all_=True)
    query.with_ = [receipts, stock]
    return query


# Context key of Age.read: the products whose rows are read.  Tryton drops
# the context keys starting with "_" that come over RPC: a client cannot
# set it.
READ_PRODUCTS = '_zt_cockpit_age_products'


def read_products(column):
    """Return the SQL condition keeping ``column`` (a product id column) to
    the products Age.read asks for, or True outside of such a read."""
    products = Transaction().context.get(READ_PRODUCTS)
    if products is None:
        return Literal(True)
    return column.in_(products or [-1])


def location_ids(types):
    """Return the ids of the stock locations of ``types`` (list of
    location types), [-1] when there is none (an SQL IN needs one)."""
    Location = Pool().get('stock.location')
    location = Location.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*location.select(location.id,
            where=location.type.in_(types)))
    return [i for i, in cursor] or [-1]


def stock_query(filters, categories):
    """Return the SQL of the products on hand in the company's storage as
    of ``filters['as_of']``: product, on_hand (storage locations of every
    warehouse), wh_on_hand (locations of the context's warehouse, 0
    without one; default UoM) and last_movement (local date of the last
    done move out of the company's stock, None if never), for the
    products with ``on_hand > 0`` of ``categories`` (ids, None: all)."""
    pool = Pool()
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    Product = pool.get('product.product')
    move = Move.__table__()
    from_location = Location.__table__()
    to_location = Location.__table__()
    product = Product.__table__()

    company, as_of = filters['company'], filters['as_of']
    moves = (move
        .join(from_location, condition=move.from_location == from_location.id)
        .join(to_location, condition=move.to_location == to_location.id)
        .join(product, condition=move.product == product.id))
    done = ((move.company == company) & (move.state == 'done')
        & (move.effective_date <= as_of)
        & product_filter(product, categories)
        & read_products(move.product))
    period = closed_period(company, as_of)
    if period:
        done &= move.effective_date > period.date
    into = (to_location.type == 'storage') & (from_location.type != 'storage')
    out = (from_location.type == 'storage') & (to_location.type != 'storage')
    if filters['warehouse']:
        warehouse = Location(filters['warehouse'])
        left, right = warehouse.left, warehouse.right
    else:
        left, right = -1, -1
    in_wh = (to_location.left >= left) & (to_location.right <= right)
    from_wh = (from_location.left >= left) & (from_location.right <= right)
    stock = moves.select(
        move.product.as_('product'),
        Sum(Case((into, move.internal_quantity),
                (out, -move.internal_quantity), else_=0)).as_('on_hand'),
        Sum(Case((in_wh & ~from_wh, move.internal_quantity),
                (from_wh & ~in_wh, -move.internal_quantity),
                else_=0)).as_('wh_on_hand'),
        # And is a list in python-sql: no != between conditions
        where=done & (into | out | (in_wh & ~from_wh) | (from_wh & ~in_wh)),
        group_by=[move.product])
    if period:
        def where(cache, location):
            where = read_products(cache.product)
            if categories is not None:
                where &= cache.product.in_(products_of_categories(categories))
            return where
        cached = period_stock(period,
            lambda cache, location: [
                cache.product.as_('product'),
                Sum(Case((location.type == 'storage',
                            cache.internal_quantity), else_=0)
                    ).as_('on_hand'),
                Sum(Case(((location.left >= left)
                            & (location.right <= right),
                            cache.internal_quantity), else_=0)
                    ).as_('wh_on_hand'),
                ],
            where, lambda cache, location: [cache.product])
        rows = Union(stock, cached, all_=True)
        stock = rows.select(
            rows.product.as_('product'),
            Sum(rows.on_hand).as_('on_hand'),
            Sum(rows.wh_on_hand).as_('wh_on_hand'),
            group_by=[rows.product])

    # the last movement: the newest done move out of storage of each
    # product on hand, read backwards on the index of done moves by
    # product and date (cockpit_index.py) instead of the whole history
    last = Move.__table__()
    last_from = Location.__table__()
    last_to = Location.__table__()
    last_movement = (last
        .join(last_from, condition=last.from_location == last_from.id)
        .join(last_to, condition=last.to_location == last_to.id)
        .select(last.effective_date,
            where=(last.product == stock.product)
            & (last.company == company) & (last.state == 'done')
            & (last.effective_date <= as_of)
            & (last_from.type == 'storage') & (last_to.type != 'storage'),
            order_by=[last.effective_date.desc], limit=1))
    return stock.select(
        stock.product.as_('product'),
        stock.on_hand.as_('on_hand'),
        stock.wh_on_hand.as_('wh_on_hand'),
        last_movement.as_('last_movement'),
        where=stock.on_hand > 0)


class AgeCategory(_AgeMixin, ModelSQL, ModelView):
    "Inventory Age per Category"
    __name__ = 'zt.cockpit.age.category'
    __string__ = "Inventory Age per Category"
    category = fields.Many2One('product.category', "Category")
    dead_stock_quantity = fields.Float("Dead Stock Quantity",
        digits=(16, 4), help=kpi.DEAD_STOCK_POLICY)
    products = fields.Function(
        fields.Many2Many('zt.cockpit.age', None, None, "Products"),
        'get_products')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('category', 'ASC'), ('bucket', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        """Return the SQL of one row per product category and age bucket:
        the sums of the :class:`Age` rows of the category's products (a
        product in two categories counts in both), ``id = category x 4 +
        bucket index``."""
        pool = Pool()
        Age = pool.get('zt.cockpit.age')
        Product = pool.get('product.product')
        TemplateCategory = pool.get('product.template-product.category')
        age = Age.table_query()
        product = Product.__table__()
        template_category = TemplateCategory.__table__()
        filters = context_filters()
        categories = filter_categories(filters['category'])
        where = Literal(True)
        if categories is not None:
            where = template_category.category.in_(categories)
        bucket = Max(age.bucket)
        return (age
            .join(product, condition=age.product == product.id)
            .join(template_category,
                condition=template_category.template == product.template)
            .select(
                (template_category.category * len(kpi.AGE_BUCKETS)
                    + age.bucket_index).as_('id'),
                Literal(filters['company']).as_('company'),
                template_category.category.as_('category'),
                bucket.as_('bucket'),
                Sum(age.quantity).as_('quantity'),
                Cast(Sum(age.value), cls.value.sql_type().base).as_('value'),
                Min(age.oldest_date).as_('oldest_date'),
                (Max(Case((age.unknown_origin, 1), else_=0)) == 1).as_(
                    'unknown_origin'),
                Sum(Case((age.dead_stock, age.quantity), else_=0)).as_(
                    'dead_stock_quantity'),
                where=where,
                group_by=[template_category.category, age.bucket_index]))

    def get_products(self, name):
        "Return the ids of the product rows of the category and bucket."
        Age = Pool().get('zt.cockpit.age')
        return [a.id for a in Age.search([
                    ('product.template.categories', '=', self.category.id),
                    ('bucket', '=', self.bucket),
                    ])]
