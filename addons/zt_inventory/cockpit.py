# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Shared context of the inventory cockpit reports.

Every cockpit report (turnover, flow, age, safety stock) reads its filters
from the Transaction context filled by this context model, as Tryton's
``stock.reporting.*.context`` do.  Dates are local dates of the company
(``ir.date.today()`` uses the company time zone).
"""
import datetime as dt

from dateutil.relativedelta import relativedelta
from sql import Cast
from sql.functions import Function, Round

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import StateAction, Wizard

from . import kpi

PERIODS = [
    ('day', "Day"),
    ('week', "Week"),
    ('month', "Month"),
    ]


class CockpitContext(ModelView):
    "Inventory Cockpit Context"
    __name__ = 'zt.cockpit.context'
    __string__ = "Cockpit Filters"

    company = fields.Many2One('company.company', "Company", required=True)
    warehouse = fields.Many2One(
        'stock.location', "Warehouse",
        domain=[('type', '=', 'warehouse')],
        help="Leave empty for all the warehouses of the company.")
    category = fields.Many2One(
        'product.category', "Category",
        help="Only products of this category or of its children.")
    from_date = fields.Date(
        "From Date", required=True,
        domain=[('from_date', '<=', Eval('to_date'))])
    to_date = fields.Date(
        "To Date", required=True,
        domain=[('to_date', '>=', Eval('from_date'))])
    period = fields.Selection(PERIODS, "Period", required=True)
    as_of = fields.Date(
        "As of", required=True,
        help="Local date (company time zone) of the stock picture.")
    consumption_days = fields.Integer(
        "Consumption Window", required=True,
        domain=[('consumption_days', '>', 0)],
        help="Number of days over which the average daily consumption "
        "is computed.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_warehouse(cls):
        return Transaction().context.get('warehouse')

    @classmethod
    def default_category(cls):
        return Transaction().context.get('category')

    @classmethod
    def default_from_date(cls):
        context = Transaction().context
        if context.get('from_date'):
            return context['from_date']
        return _today() - relativedelta(day=1, months=6)

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date') or _today()

    @classmethod
    def default_period(cls):
        return Transaction().context.get('period') or 'month'

    @classmethod
    def default_as_of(cls):
        return Transaction().context.get('as_of') or _today()

    @classmethod
    def default_consumption_days(cls):
        return Transaction().context.get('consumption_days') or 30


def _today():
    "Return today's date in the company time zone."
    return Pool().get('ir.date').today()


# Longest date range of a report (days): the reports build one SQL row per
# day of the range.
MAX_RANGE_DAYS = 3660
# The dates a report may ask for: the reports compute days before and after
# them, which the calendar must hold.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def context_filters():
    """Return the cockpit filters of the Transaction context.

    Returns a dict with keys company (id or None), warehouse (id or None),
    category (id or None), from_date, to_date, as_of (local dates, the
    company's time zone; missing dates default as the context model does),
    period ('day', 'week' or 'month') and consumption_days (int > 0).
    Raises UserError for an unknown period, a start after the end or a
    range longer than MAX_RANGE_DAYS (the context travels from the client
    as it likes: nothing is trusted).
    """
    context = Transaction().context
    # the ids first: ir.date.today() reads the context's company
    for name in ['company', 'warehouse', 'category']:
        value = context.get(name)
        if value is not None and (isinstance(value, bool)
                or not isinstance(value, int)):
            raise UserError(gettext('zt_inventory.msg_cockpit_id',
                    name=name, value=value))
    today = None

    def get_date(name, default):
        nonlocal today
        value = context.get(name)
        if value is None:
            if today is None:
                today = _today()
            value = default(today)
        if isinstance(value, dt.datetime):
            value = value.date()
        return value

    to_date = get_date('to_date', lambda t: t)
    filters = {
        'company': context.get('company'),
        'warehouse': context.get('warehouse'),
        'category': context.get('category'),
        'from_date': get_date(
            'from_date', lambda t: t - relativedelta(day=1, months=6)),
        'to_date': to_date,
        'as_of': get_date('as_of', lambda t: t),
        'period': context.get('period') or 'month',
        'consumption_days': (30 if context.get('consumption_days') is None
            else context['consumption_days']),
        }
    check_filters(filters)
    return filters


def check_filters(filters):
    "Raise UserError when the cockpit ``filters`` cannot make a report."
    if filters['period'] not in kpi.PERIODS:
        raise UserError(gettext('zt_inventory.msg_cockpit_period',
                period=filters['period'], periods=', '.join(kpi.PERIODS)))
    for name in ['from_date', 'to_date', 'as_of']:
        if not isinstance(filters[name], dt.date):
            raise UserError(gettext('zt_inventory.msg_cockpit_date',
                    name=name))
        if not FIRST_DATE <= filters[name] <= LAST_DATE:
            raise UserError(gettext('zt_inventory.msg_cockpit_date_range',
                    name=name, date=filters[name], first=FIRST_DATE,
                    last=LAST_DATE))
    days = filters['consumption_days']
    if (isinstance(days, bool) or not isinstance(days, int)
            or not 1 <= days <= MAX_RANGE_DAYS):
        raise UserError(gettext('zt_inventory.msg_cockpit_consumption_days',
                days=days, maximum=MAX_RANGE_DAYS))
    if filters['warehouse'] is not None:
        Location = Pool().get('stock.location')
        warehouses = Location.search([
                ('id', '=', filters['warehouse']),
                ('type', '=', 'warehouse'),
                ])
        if not warehouses:
            raise UserError(gettext('zt_inventory.msg_cockpit_warehouse',
                    warehouse=filters['warehouse']))
    if filters['from_date'] > filters['to_date']:
        raise UserError(gettext('zt_inventory.msg_cockpit_dates',
                from_date=filters['from_date'], to_date=filters['to_date']))
    days = (filters['to_date'] - filters['from_date']).days + 1
    if days > MAX_RANGE_DAYS:
        raise UserError(gettext('zt_inventory.msg_cockpit_range',
                days=days, maximum=MAX_RANGE_DAYS))


def period_bounds(from_date, to_date, period):
    """Split [from_date, to_date] (local dates) into periods.

    Returns a list of (start, end) dates, end inclusive, clipped to the
    range: 'day' one per day, 'week' ISO weeks (Monday to Sunday), 'month'
    calendar months.  Raises ValueError for an unknown period.
    """
    if period not in dict(PERIODS):
        raise ValueError(period)
    bounds = []
    day = from_date
    while day <= to_date:
        if period == 'day':
            end = day
        elif period == 'week':
            end = day + dt.timedelta(days=6 - day.weekday())
        else:
            end = day + relativedelta(day=31)
        end = min(end, to_date)
        bounds.append((day, end))
        day = end + dt.timedelta(days=1)
    return bounds


def inside(location, warehouse):
    """SQL condition: ``location`` (stock_location table) is in the scope.

    ``warehouse`` is a stock.location of type warehouse (its nested-set
    left/right bound the scope) or None for every storage location of
    the company's warehouses."""
    if warehouse:
        return ((location.left >= warehouse.left)
            & (location.right <= warehouse.right))
    return location.type == 'storage'


def category_products(category):
    """SQL sub-query of the product ids of ``category`` (id) or of its
    children, None when ``category`` is None."""
    if not category:
        return None
    pool = Pool()
    Category = pool.get('product.category')
    Product = pool.get('product.product')
    TemplateCategory = pool.get('product.template-product.category')
    product = Product.__table__()
    link = TemplateCategory.__table__()
    children = Category.search(
        [('parent', 'child_of', [category])], query=True)
    return product.join(link,
        condition=link.template == product.template).select(
        product.id, where=link.category.in_(children))


def closed_period(company, date):
    """Return the latest closed stock.period of ``company`` (id) dated at
    most ``date`` (local date), or None.

    Its stock.period.cache holds, per location and product, the quantity
    (default UoM) of the done moves dated up to the period's date: a
    report adds the cache to the moves dated after it instead of reading
    the whole history, as Tryton's ``products_by_location`` does.  Tryton
    forbids changing a move of a closed period, so both give the same
    figures (tests/test_cockpit_period.py)."""
    Period = Pool().get('stock.period')
    with without_check_access():
        periods = Period.search([
                ('company', '=', company if company is not None else -1),
                ('state', '=', 'closed'),
                ('date', '<=', date),
                ], order=[('date', 'DESC'), ('id', 'DESC')], limit=1)
    return periods[0] if periods else None


def period_stock(period, columns, where, group_by):
    """Return the SQL of the stock.period.cache rows of ``period`` joined
    to their location: ``columns(cache, location)`` and ``where(cache,
    location)`` build the select, ``group_by(cache, location)`` its
    grouping (python-sql)."""
    pool = Pool()
    Cache = pool.get('stock.period.cache')
    Location = pool.get('stock.location')
    cache = Cache.__table__()
    location = Location.__table__()
    return cache.join(location, condition=cache.location == location.id
        ).select(*columns(cache, location),
        where=(cache.period == period.id) & where(cache, location),
        group_by=group_by(cache, location))


def product_tables():
    """Return fresh (product.product, product.template) tables, to join a
    report's product to its default unit of measure in the SQL: a unit
    computed per row costs a query per row (doc/cockpit.rst,
    Benchmark)."""
    pool = Pool()
    return (pool.get('product.product').__table__(),
        pool.get('product.template').__table__())


def company_currency(records):
    """Return {record id: currency id} of the context's company for the
    report rows ``records`` (each row is of that company)."""
    Company = Pool().get('company.company')
    company = context_filters()['company']
    currency = Company(company).currency.id if company else None
    return {r.id: currency for r in records}


def money(expression):
    "SQL ``expression`` as a NUMERIC rounded to 4 digits (both backends)."
    return Round(Cast(expression, 'NUMERIC'), 4)


def day_diff(end, start):
    "SQL number of days from ``start`` to ``end`` (dates)."
    if backend.name == 'sqlite':
        return _JulianDay(end) - _JulianDay(start)
    return end - start


class _JulianDay(Function):
    __slots__ = ()
    _function = 'JULIANDAY'


class CockpitOpenMoves(Wizard):
    """Open the stock moves behind the selected cockpit rows.

    Each row model provides ``moves_domain()``: a stock.move domain (list)
    of the done moves its figures come from."""
    __name__ = 'zt.cockpit.open_moves'
    start_state = 'open_'
    open_ = StateAction('zt_inventory.act_cockpit_move')

    def do_open_(self, action):
        domain = ['OR'] + [r.moves_domain() for r in self.records]
        action['pyson_domain'] = PYSONEncoder().encode(domain)
        return action, {}
