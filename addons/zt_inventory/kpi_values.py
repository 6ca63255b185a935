# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Checks and conversions of the plain cockpit functions (kpi.py,
kpi_age.py): bad input raises ValueError naming the argument."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ['ZERO', '_decimal', '_date', '_zone', '_days']

ZERO = Decimal(0)


def _decimal(value, name):
    "Return ``value`` (int, float or Decimal) as a finite Decimal."
    if isinstance(value, bool) or not isinstance(
            value, (int, float, Decimal)):
        raise ValueError('%s must be a number, not %r' % (name, value))
    if isinstance(value, float):
        value = Decimal(repr(value))
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError('%s must be finite, not %r' % (name, value))
    return value


def _date(value, name):
    "Return ``value`` if it is a date (and not a datetime)."
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError('%s must be a date, not %r' % (name, value))
    return value


def _zone(timezone):
    "Return the ZoneInfo of the IANA name ``timezone``."
    if not isinstance(timezone, str) or not timezone:
        raise ValueError('timezone must be an IANA name, not %r'
            % (timezone,))
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exception:
        raise ValueError('unknown time zone %r' % timezone) from exception


def _days(value, name, minimum=1):
    "Return ``value`` if it is an int >= ``minimum``."
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError('%s must be a whole number of days, not %r'
            % (name, value))
    if value < minimum:
        raise ValueError('%s must be at least %s days, not %s'
            % (name, minimum, value))
    return value
