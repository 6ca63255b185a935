# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The inventory cockpit's figures as plain functions (no ORM import).

The SQL report models of the cockpit must give the same figures as these
functions; their tests compare both.  Conventions of every function:

- quantities are Decimal in the product's default unit of measure, amounts
  are Decimal in the company currency (int, float and Decimal are accepted
  as input; a float goes through its shortest ``repr``);
- datetimes are naive UTC (as Tryton stores them), dates are local dates in
  the company's time zone (an IANA name such as ``Asia/Shanghai``);
- bad input raises ``ValueError`` with a message naming the argument.

``doc/cockpit.rst`` gives the formulas, their sources and the policies.
"""
import datetime as dt
import math

from .kpi_age import (  # noqa: F401 (the age figures, part of this API)
    AGE_BUCKETS, DEAD_STOCK_DAYS, DEAD_STOCK_POLICY, OLDEST_BUCKET,
    UNKNOWN_ORIGIN_POLICY, age_bucket, age_buckets, age_days, fifo_layers,
    has_unknown_origin, is_dead_stock, warehouse_share)
from .kpi_values import ZERO, _date, _days, _decimal, _zone  # noqa: F401

__all__ = ['PERIODS', 'AGE_BUCKETS', 'OLDEST_BUCKET', 'DEAD_STOCK_DAYS',
    'DEAD_STOCK_POLICY', 'UNKNOWN_ORIGIN_POLICY',
    'local_date', 'local_day_bounds_utc', 'period_start',
    'average_inventory', 'average_inventory_value', 'cost_of_goods_issued',
    'turnover', 'tryton_turnover',
    'age_days', 'age_bucket', 'fifo_layers', 'has_unknown_origin',
    'age_buckets', 'warehouse_share', 'is_dead_stock',
    'average_daily_consumption', 'stock_out_date', 'shortage',
    'urgency_key']

PERIODS = ('day', 'week', 'month')

# Dates and periods --------------------------------------------------------

def local_date(utc_datetime, timezone):
    """Return the local date (date) in ``timezone`` of ``utc_datetime``.

    ``utc_datetime`` is a naive UTC datetime (an aware one is converted);
    ``timezone`` an IANA name.  Case C7: 2025-04-11 16:30 UTC is
    2025-04-12 00:30 in Asia/Shanghai, so its local date is 2025-04-12.
    Raises ValueError for a non-datetime or an unknown zone.
    """
    if not isinstance(utc_datetime, dt.datetime):
        raise ValueError('utc_datetime must be a datetime, not %r'
            % (utc_datetime,))
    zone = _zone(timezone)
    if utc_datetime.tzinfo is None:
        utc_datetime = utc_datetime.replace(tzinfo=dt.timezone.utc)
    return utc_datetime.astimezone(zone).date()


def local_day_bounds_utc(day, timezone):
    """Return (start, end) naive UTC datetimes of the local ``day``.

    ``day`` is a date in ``timezone`` (IANA name); ``end`` is exclusive
    (the start of the next local day), so a report "as of ``day``" selects
    ``date < end``.  Days of a daylight saving change last 23 or 25 hours.
    Raises ValueError for a non-date or an unknown zone.
    """
    day = _date(day, 'day')
    zone = _zone(timezone)

    def utc(date):
        local = dt.datetime.combine(date, dt.time.min, tzinfo=zone)
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return utc(day), utc(day + dt.timedelta(days=1))


def period_start(day, period):
    """Return the first date of the ``period`` containing ``day``.

    ``period`` is 'day' (the day itself), 'week' (ISO week: the Monday) or
    'month' (the 1st).  Raises ValueError for a non-date or another period.
    """
    day = _date(day, 'day')
    if period == 'day':
        return day
    elif period == 'week':
        return day - dt.timedelta(days=day.weekday())
    elif period == 'month':
        return day.replace(day=1)
    raise ValueError('period must be one of %s, not %r'
        % (', '.join(PERIODS), period))


# Turnover -----------------------------------------------------------------

def average_inventory(days):
    """Return the daily average inventory (Decimal) as Tryton computes it.

    ``days`` is an iterable with one (end_quantity, input, output) per day
    of the period, days without moves included: the quantity on hand at
    the end of the day, the quantity that entered and the quantity that
    left the warehouse that day.  Source: trytond 8.0
    ``stock.reporting.inventory.turnover`` (``InventoryTurnover.table_query``
    in ``stock/stock_reporting.py``)::

        (sum(max(end, 0)) + sum(min(max(input, 0), max(output, 0)))) / days

    The second sum counts stock that came in and went out on the same day
    and so is never seen at a day's end.  Tryton rounds the result to 3
    digits; this function does not.  The same formula on values is
    ``average_inventory_value``.  Raises ValueError when ``days`` is empty
    or holds a non-number.
    """
    total, count = ZERO, 0
    for count, row in enumerate(days, 1):
        try:
            end, input_, output = row
        except (TypeError, ValueError) as exception:
            raise ValueError('day %s must be (end_quantity, input, output), '
                'not %r' % (count, row)) from exception
        end = _decimal(end, 'end_quantity')
        input_ = _decimal(input_, 'input')
        output = _decimal(output, 'output')
        total += max(end, ZERO) + min(max(input_, ZERO), max(output, ZERO))
    if not count:
        raise ValueError('days must hold at least one day')
    return total / count


def average_inventory_value(days):
    """Return the daily average inventory value (Decimal, company currency).

    ``days`` is an iterable of (end_quantity, input, output, unit_cost) per
    day; each quantity is valued at that day's ``unit_cost`` (cost price in
    the company currency per default unit) and ``average_inventory`` is
    applied to the values.  With a constant cost it equals
    ``average_inventory`` x cost.  Raises ValueError for an empty period, a
    non-number or a negative cost.
    """
    def values():
        for number, row in enumerate(days, 1):
            try:
                end, input_, output, cost = row
            except (TypeError, ValueError) as exception:
                raise ValueError('day %s must be (end_quantity, input, '
                    'output, unit_cost), not %r' % (number, row)
                    ) from exception
            cost = _decimal(cost, 'unit_cost')
            if cost < 0:
                raise ValueError('unit_cost must not be negative, not %s'
                    % cost)
            yield (_decimal(end, 'end_quantity') * cost,
                _decimal(input_, 'input') * cost,
                _decimal(output, 'output') * cost)
    return average_inventory(values())


def cost_of_goods_issued(moves):
    """Return the cost of goods issued (Decimal, company currency).

    ``moves`` is an iterable of (quantity, unit_cost): the done moves of the
    period leaving the warehouse's storage for outside the company's
    warehouses (customer, production, lost and found, issue to
    consumption), quantity in the default unit and cost price per default
    unit.  Raises ValueError for a non-number.
    """
    return sum((_decimal(quantity, 'quantity') * _decimal(cost, 'unit_cost')
            for quantity, cost in moves), ZERO)


def turnover(cost_of_goods_issued, average_inventory_value):
    """Return the inventory turnover of a period (Decimal) or None.

    Turnover = cost of goods issued in the period / average inventory value
    over the period's days (APICS Dictionary, "inventory turnover": the
    cost of sales divided by the average inventory level), for the period
    given, not annualised.  Both are amounts in the company currency.
    None when the average is 0 (nothing was in stock: no meaningful
    turnover).  Tryton's own figure is the output quantity PER DAY /
    average quantity, so with a constant cost
    ours = Tryton's x number of days (see ``tryton_turnover``).  Raises
    ValueError for a non-number or a negative average.
    """
    cogs = _decimal(cost_of_goods_issued, 'cost_of_goods_issued')
    average = _decimal(average_inventory_value, 'average_inventory_value')
    if average < 0:
        raise ValueError('average_inventory_value must not be negative, '
            'not %s' % average)
    if not average:
        return None
    return cogs / average


def tryton_turnover(days):
    """Return Tryton's turnover figure (Decimal) for the same ``days``.

    ``days`` as for ``average_inventory``.  Tryton 8.0
    (``stock.reporting.inventory.turnover``) divides the output quantity
    per day (sum of outputs / number of days) by the average quantity; None
    when the average is 0.  Unrounded (Tryton rounds to 3 digits).
    """
    days = list(days)
    average = average_inventory(days)
    if not average:
        return None
    output = sum((_decimal(row[2], 'output') for row in days), ZERO)
    return output / len(days) / average


# Safety stock -------------------------------------------------------------

def average_daily_consumption(consumed_quantity, window_days):
    """Return the average consumption per day (Decimal, default unit/day).

    ``consumed_quantity`` is the quantity taken out of the company's stock
    during the last ``window_days`` days (int > 0).  Raises ValueError for a
    negative quantity or a window that is not a positive int.
    """
    consumed = _decimal(consumed_quantity, 'consumed_quantity')
    window_days = _days(window_days, 'window_days')
    if consumed < 0:
        raise ValueError('consumed_quantity must not be negative, not %s'
            % consumed)
    return consumed / window_days


def stock_out_date(on_hand, daily_consumption, today):
    """Return the projected stock-out date (local date) or None.

    The stock-out date is the first day whose projected end-of-day stock is
    <= 0, consumption at ``daily_consumption`` per day starting tomorrow
    (``on_hand`` is the quantity now): ``today`` + ceil(on_hand / daily).
    With 10 on hand and 3 a day, 7, 4 and 1 are left after days 1, 2 and 3:
    day 4 is the first day that cannot be served, today + ceil(10 / 3) =
    today + 4; with 9 on hand day 3 ends at 0: today + 3.  ``today`` when
    ``on_hand`` <= 0 (already out); None when consumption <= 0 or when the
    date would be beyond the calendar (no stock-out foreseeable).  Raises
    ValueError for a non-date or a non-number.
    """
    today = _date(today, 'today')
    on_hand = _decimal(on_hand, 'on_hand')
    daily = _decimal(daily_consumption, 'daily_consumption')
    if on_hand <= 0:
        return today
    if daily <= 0:
        return None
    days = math.ceil(on_hand / daily)
    if days > (dt.date.max - today).days:
        return None
    return today + dt.timedelta(days=days)


def shortage(on_hand, minimal):
    """Return max(``minimal`` - ``on_hand``, 0) (Decimal, default unit).

    ``minimal`` is the order point's minimal quantity.  Raises ValueError
    for a non-number.
    """
    return max(_decimal(minimal, 'minimal') - _decimal(on_hand, 'on_hand'),
        ZERO)


def urgency_key(stock_out, shortage):
    """Return the sort key of a safety stock alert (most urgent first).

    ``stock_out`` is the projected stock-out date or None, ``shortage`` the
    quantity below the minimal (Decimal): sorts by stock-out date ascending
    (None last), then shortage descending.  Raises ValueError for a
    non-date or a non-number.
    """
    if stock_out is not None:
        stock_out = _date(stock_out, 'stock_out')
    return (stock_out is None, stock_out or dt.date.min,
        -_decimal(shortage, 'shortage'))
