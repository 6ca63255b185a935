# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Traceability helpers: timestamps and JSON details of history lines."""
import datetime as dt
import json


def utc_now():
    "Return the current time, naive UTC, to the second (Tryton's convention)."
    return dt.datetime.now(dt.timezone.utc).replace(
        tzinfo=None, microsecond=0)


def json_default(value):
    "Encode Tryton values for the history details."
    if hasattr(value, 'id'):
        return value.id
    return str(value)


def dumps(details):
    return json.dumps(details, default=json_default, sort_keys=True,
        ensure_ascii=False)
