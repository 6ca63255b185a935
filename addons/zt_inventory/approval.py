# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain approval rules (no ORM import).

The issue-request workflow binds these functions to Tryton records; keeping
them here lets them be tested alone and bound to another ERP.  Segregation
of duties is in sod_rules.py.
"""
from decimal import Decimal

__all__ = ['MANAGER', 'FINANCE', 'PRODUCTION', 'required_levels', 'next_level']

MANAGER = 'manager'
FINANCE = 'finance'
# Added by rules (zt_rules), e.g. for requests beyond the bill of materials.
PRODUCTION = 'production'
LEVELS = (MANAGER, PRODUCTION, FINANCE)


def required_levels(value, classes, amount_limit, finance_classes):
    """Return the approval levels (tuple of str, in order) a request needs.

    ``value``: the request's value (Decimal, company currency);
    ``classes``: the material classes of its lines (iterable of 'A'/'B'/'C'
    or None); ``amount_limit``: the value above which the finance director
    approves too (Decimal, company currency; None disables);
    ``finance_classes``: classes that always need the finance director
    (iterable of str).

    Source: mission step 3, "amount > 5,000 or class-A material -> add a
    finance-director approval step" (the figures live in the configuration).
    The limit is strict: a value equal to the limit needs the manager only.
    """
    levels = [MANAGER]
    over_amount = (amount_limit is not None
        and Decimal(value) > Decimal(amount_limit))
    finance_classes = set(finance_classes or ())
    if over_amount or any(c in finance_classes for c in classes):
        levels.append(FINANCE)
    return tuple(levels)


def next_level(required, approved):
    """Return the first level of ``required`` (sequence of str) not in
    ``approved`` (collection of str), or None when all are approved."""
    for level in required:
        if level not in approved:
            return level
    return None

