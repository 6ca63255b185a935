# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Sliding windows over the movement journal, without the ORM.

Definitions:

- A *movement* is a stock move in state done.  It goes *in* when it comes
  from outside the warehouse's storage into it, *out* for the reverse; a
  move from storage to storage, or from outside to outside, has no
  direction and is never counted (the caller says what "storage", i.e.
  internal, means).
- The *effective time* of a movement is an aware UTC datetime: the time it
  was done (server clock, UTC) when its effective date is the date of that
  time in the company's time zone, or later; when its effective date is
  earlier (a move back-dated), 00:00 of its effective date in the
  company's time zone, converted to UTC.
- A window of length L ending at T contains the movements whose effective
  time t is such that T - L < t <= T: half-open, a movement exactly L
  before T is outside and a movement at T is inside.
- Times are absolute (UTC): a change of daylight-saving time in any time
  zone neither shortens nor lengthens a window.  For example in
  Europe/Paris the clocks go back from 03:00 to 02:00 on 2026-10-25: the
  24 h window ending at 12:00 local time (11:00 UTC) that day starts at
  13:00 local time (11:00 UTC) the day before.  It lasts 24 real hours
  although the wall clock reads 23 h between its ends; a window from
  12:00 to 12:00 local time would last 25 real hours.  On 2026-03-29 the
  clocks go forward from 02:00 to 03:00: the 24 h window ending at 12:00
  local time (10:00 UTC) starts at 11:00 local time (10:00 UTC) the day
  before, 25 h earlier on the wall clock.

Quantities are in the product's default unit."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.timezone.utc
IN, OUT, BOTH = 'in', 'out', 'both'


def _aware(value, name):
    "Return value (aware datetime) in UTC"
    if not isinstance(value, dt.datetime):
        raise TypeError('%s must be a datetime: %r' % (name, value))
    if value.utcoffset() is None:
        raise ValueError(
            '%s must be an aware datetime (UTC), not naive: %r'
            % (name, value))
    return value.astimezone(UTC)


def _length(length):
    if not isinstance(length, dt.timedelta):
        raise TypeError('length must be a timedelta: %r' % (length,))
    if length <= dt.timedelta(0):
        raise ValueError('length must be positive: %r' % (length,))
    return length


def effective_time(effective_date, done_at, timezone=None):
    """Return the effective time (aware UTC datetime) of a movement with
    ``effective_date`` (date) done at ``done_at`` (datetime, naive is UTC)
    for a company in ``timezone`` (IANA name such as 'Asia/Shanghai', None
    for UTC).  A nonexistent local midnight resolves as :mod:`zoneinfo`
    does (offset before the change).  Raises ``ValueError`` for an unknown
    time zone, ``TypeError`` for a datetime as ``effective_date``."""
    if (isinstance(effective_date, dt.datetime)
            or not isinstance(effective_date, dt.date)):
        raise TypeError('effective_date must be a date: %r'
            % (effective_date,))
    if isinstance(done_at, dt.datetime) and done_at.utcoffset() is None:
        done_at = done_at.replace(tzinfo=UTC)
    done_at = _aware(done_at, 'done_at')
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError) as exception:
        raise ValueError('unknown time zone: %r' % (timezone,)) \
            from exception
    if effective_date >= done_at.astimezone(zone).date():
        return done_at
    midnight = dt.datetime.combine(effective_date, dt.time(), tzinfo=zone)
    return midnight.astimezone(UTC)


def window_bounds(end, length):
    """Return ``(start, end)`` (aware UTC datetimes) of the window of
    ``length`` (positive timedelta) ending at ``end`` (aware datetime), for
    a query ``start < t AND t <= end``.  Raises ``ValueError`` for a naive
    ``end`` or a length not positive."""
    end = _aware(end, 'end')
    return end - _length(length), end


def in_window(t, end, length):
    """Tell whether time ``t`` (aware datetime) is in the window of
    ``length`` (positive timedelta) ending at ``end`` (aware datetime),
    comparing absolute times.  Raises ``ValueError`` as
    :func:`window_bounds` and for a naive ``t``."""
    start, end = window_bounds(end, length)
    return start < _aware(t, 't') <= end


def in_window_moves(moves, end, length):
    """Return the list of ``moves`` (iterable of tuples whose first item is
    the effective time, aware datetime; e.g. ``(time, quantity, direction,
    move id)``) in the window of ``length`` ending at ``end``, in order.
    Raises ``ValueError`` as :func:`in_window`."""
    return [m for m in moves if in_window(m[0], end, length)]


def aggregate(moves, end, length, aggregate='count', direction=BOTH):
    """Return the count (Decimal) of ``moves`` in the window of ``length``
    ending at ``end`` going in ``direction`` ('in', 'out' or 'both' for
    either), or the sum (Decimal) of their quantities for ``aggregate``
    'sum'.  ``moves`` is an iterable of tuples starting with ``(time,
    quantity, direction)``: aware datetime, Decimal, int or float
    (product's default unit) and 'in', 'out' or None (never counted).
    Raises ``ValueError`` for an unknown aggregate or direction and as
    :func:`in_window`."""
    if aggregate not in ('count', 'sum'):
        raise ValueError('unknown aggregate: %r' % (aggregate,))
    if direction not in (IN, OUT, BOTH):
        raise ValueError('unknown direction: %r' % (direction,))
    wanted = (IN, OUT) if direction == BOTH else (direction,)
    selected = [m for m in in_window_moves(moves, end, length)
        if m[2] in wanted]
    if aggregate == 'count':
        return Decimal(len(selected))
    return sum((Decimal(str(m[1])) for m in selected), Decimal(0))


def direction(from_internal, to_internal):
    """Return the direction of a move from a location that is internal
    (``from_internal``, bool) or not to one that is internal or not
    (``to_internal``): 'in', 'out' or None when both or neither are."""
    if to_internal and not from_internal:
        return IN
    elif from_internal and not to_internal:
        return OUT
    return None
