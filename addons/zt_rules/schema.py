# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What a rule may test and do, per trigger (plain data, no ORM).

A trigger names the *subject* a rule is evaluated on: an issue request, a
stock move, a count (stock.inventory) or, for scheduled rules, a product in
a warehouse.  Each subject offers *fields* (name -> type, see
evaluate.validate) and the windowed aggregates of the movement journal that
make sense for it (the groups: moves of the same product, location or
user).  Units: quantities in the product's default unit of measure,
amounts in the company's currency.
"""

__all__ = ['TRIGGERS', 'SUBJECT_FIELDS', 'WINDOW_GROUPS', 'ACTION_SUBJECTS',
    'EVENT_TRIGGERS', 'SCHEDULE_TRIGGERS', 'subject_of', 'schema_of']

# trigger -> subject
TRIGGERS = {
    'issue_request.submitted': 'issue_request',
    'issue_request.approved': 'issue_request',
    'stock_move.done': 'stock_move',
    'inventory.done': 'inventory',
    'hourly': 'product',
    'daily': 'product',
    }
EVENT_TRIGGERS = ('issue_request.submitted', 'issue_request.approved',
    'stock_move.done', 'inventory.done')
SCHEDULE_TRIGGERS = ('hourly', 'daily')

SUBJECT_FIELDS = {
    # amount: the request's value (cost price at submission x quantity);
    # abc_class, category, product: one value per line (a list: any line).
    'issue_request': {
        'amount': 'number',
        'quantity': 'number',
        'lines': 'number',
        'excess_lines': 'number',
        'abc_class': 'text',
        'category': 'text',
        'product': 'text',
        'warehouse': 'text',
        'location': 'text',
        },
    # amount: quantity x unit price (cost price without one); direction:
    # 'in', 'out' or '' relative to the warehouse's storage.
    'stock_move': {
        'amount': 'number',
        'quantity': 'number',
        'abc_class': 'text',
        'category': 'text',
        'product': 'text',
        'warehouse': 'text',
        'from_location': 'text',
        'to_location': 'text',
        'direction': 'text',
        },
    'inventory': {
        'lines': 'number',
        'difference_quantity': 'number',
        'difference_amount': 'number',
        'warehouse': 'text',
        'location': 'text',
        },
    # A product in a warehouse: quantity on hand, forecast quantity (with
    # the planned moves), safety stock (the minimal quantity of its order
    # point, none without one) and shortage = safety stock - forecast.
    'product': {
        'quantity': 'number',
        'forecast_quantity': 'number',
        'safety_stock': 'number',
        'shortage': 'number',
        'stock_value': 'number',
        'abc_class': 'text',
        'category': 'text',
        'product': 'text',
        'warehouse': 'text',
        'classification': 'text',
        },
    }

# text fields whose values are a closed list: a condition naming another
# value would never match (fail open), so it is refused when saved
CHOICES = {
    'abc_class': ('A', 'B', 'C'),
    'direction': ('in', 'out'),
    'classification': ('dead_stock', 'slow_moving'),
    }

# subject -> groups of the journal a window may aggregate over
WINDOW_GROUPS = {
    'issue_request': (),
    'stock_move': ('product', 'location', 'user'),
    'inventory': (),
    'product': ('product',),
    }

# action -> the triggers it may follow
ACTION_SUBJECTS = {
    'approval': ('issue_request.submitted',),
    'purchase_request': SCHEDULE_TRIGGERS,
    'flag': tuple(TRIGGERS),
    'classify': SCHEDULE_TRIGGERS,
    'notify': tuple(TRIGGERS),
    'report': SCHEDULE_TRIGGERS,
    }


def subject_of(trigger):
    "Return the subject (str) of ``trigger``; KeyError if unknown."
    return TRIGGERS[trigger]


def schema_of(trigger):
    """Return the fields (dict name -> type) the conditions of a rule with
    ``trigger`` may test."""
    return SUBJECT_FIELDS[subject_of(trigger)]
