# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""ABC classification of products, without the ORM.

Source: ABC (Pareto) analysis of annual consumption value, as in the APICS
Dictionary and in Silver, Pyke & Peterson, "Inventory Management and
Production Planning and Scheduling"."""
from decimal import Decimal
from fractions import Fraction

DEFAULT_SHARES = (80, 15, 5)


def _number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError('%s must be a Decimal or an int: %r' % (name, value))
    if not Decimal(value).is_finite() or value < 0:
        raise ValueError(
            '%s must be finite and not negative: %r' % (name, value))
    return Fraction(value)


def abc_classes(values, shares=DEFAULT_SHARES):
    """Return the class 'A', 'B' or 'C' of each key of ``values`` (mapping
    key -> consumption value, Decimal or int in company currency, >= 0) as
    a dict.

    Items are sorted by value, descending, ties by ``str(key)``; the share
    of the total of the items BEFORE an item decides its class: under
    ``shares[0]`` % it is A, else under ``shares[0] + shares[1]`` % it is
    B, else C.  So the first item is A however large, and an item with
    exactly 80 % before it is B.  Items of value 0, and all items when the
    total is 0, are C.  ``shares`` are 3 numbers (Decimal or int, >= 0)
    summing to 100.  Raises ``ValueError`` for bad shares or a negative
    value."""
    shares = tuple(shares)
    if len(shares) != 3:
        raise ValueError('shares must be 3 numbers: %r' % (shares,))
    a, b, _ = (_number(s, 'share') for s in shares)
    if sum(shares) != 100:
        raise ValueError('shares must sum to 100: %r' % (shares,))
    numbers = {k: _number(v, 'value of %r' % (k,)) for k, v in values.items()}
    total = sum(numbers.values())
    classes, before = {}, Fraction(0)
    for key in sorted(numbers, key=lambda k: (-numbers[k], str(k))):
        share = before * 100 / total if total else None
        if not numbers[key]:
            classes[key] = 'C'
        elif share < a:
            classes[key] = 'A'
        elif share < a + b:
            classes[key] = 'B'
        else:
            classes[key] = 'C'
        before += numbers[key]
    return classes
