# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The condition language of rules, without the ORM.

A rule has conditions and a match mode, 'all' or 'any'.  A condition is a
dict of strings as a manager typed them in the client, of two kinds:

- ``{'kind': 'field', 'field': 'amount', 'operator': '>', 'value': '5000'}``
  compares a fact of the event (a field of the trigger's schema);
- ``{'kind': 'window', 'aggregate': 'count', 'group': 'product',
  'direction': 'both', 'window': 86400, 'operator': '>', 'value': '3'}``
  compares an aggregate of the movement journal over a sliding window of
  ``window`` seconds (see :mod:`window`): the count of movements or the sum
  of their quantities (in the product's default unit) with the same
  product, location or user as the event.

:func:`validate` parses them once into normalised conditions;
:func:`evaluate` applies normalised conditions to the facts of an event and
to the aggregates the caller computed for each :func:`window_key`."""
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

OPERATORS = ('=', '!=', '<', '<=', '>', '>=', 'in', 'not in')
# Operators that compare an order: meaningful for numbers only.
ORDERED = ('<', '<=', '>', '>=')
# Operators true when no value of a fact matches.
NEGATIVE = ('!=', 'not in')
LISTS = ('in', 'not in')
TYPES = ('number', 'text', 'boolean')
KINDS = ('field', 'window')
MATCHES = ('all', 'any')
AGGREGATES = ('count', 'sum')
GROUPS = ('product', 'location', 'user')
DIRECTIONS = ('in', 'out', 'both')
# A year of history and some margin: longer windows would scan the whole
# journal at every movement.
MAX_WINDOW = 400 * 24 * 60 * 60
BOOLEANS = {'true': True, '1': True, 'false': False, '0': False}

# Stable identifiers of the errors, with an English text: the ORM layer
# maps them to translated messages naming the part.
ERROR_CODES = {
    'bad_kind': "is not 'field' or 'window'",
    'unknown_field': "is not offered by the trigger",
    'unknown_operator': "is not an operator",
    'operator_type': "does not apply to this type",
    'bad_value': "is not a string",
    'empty_value': "is empty",
    'bad_number': "is not a number",
    'bad_boolean': "is not true, false, 1 or 0",
    'empty_list': "is an empty list or has an empty item",
    'bad_aggregate': "is not 'count' or 'sum'",
    'bad_group': "is not 'product', 'location' or 'user'",
    'bad_direction': "is not 'in', 'out' or 'both'",
    'bad_window': "is not a whole number of seconds from 1 to 400 days",
    'no_conditions': "is empty: a rule needs a condition",
    'bad_match': "is not 'all' or 'any'",
    }


class ConditionError(ValueError):
    """A rule or one of its conditions is invalid.

    ``code`` is a key of :data:`ERROR_CODES`, ``index`` the 0-based index
    of the condition (None for the rule itself), ``part`` the name of the
    bad part ('kind', 'field', 'operator', 'value', 'window', 'aggregate',
    'group', 'direction', 'conditions' or 'match') and ``value`` the
    offending value.  The text counts conditions from 1."""

    def __init__(self, code, index=None, part=None, value=None):
        assert code in ERROR_CODES, code
        self.code = code
        self.index = index
        self.part = part
        self.value = value
        where = 'rule' if index is None else 'condition %s' % (index + 1)
        super().__init__('%s, %s %r %s' % (
                where, part, value, ERROR_CODES[code]))


class Result(NamedTuple):
    "The outcome of a rule: whether it matched, and one figure a condition."
    matched: bool
    figures: list


def validate(conditions, match, schema):
    """Return the normalised ``conditions`` (list of dict as typed) of a
    rule matching ``match`` ('all' or 'any') for a trigger offering
    ``schema`` (dict field name -> 'number', 'text' or 'boolean').

    A normalised condition is a new dict with the same keys, a ``type`` and
    its ``value`` parsed: Decimal for numbers and windows, str (stripped)
    for text, bool for booleans, a tuple of these for 'in' and 'not in'
    (comma-separated, items stripped); ``window`` is int seconds.  Raises
    :class:`ConditionError` for the first bad part, in the order of the
    conditions."""
    if match not in MATCHES:
        raise ConditionError('bad_match', part='match', value=match)
    if not conditions:
        raise ConditionError(
            'no_conditions', part='conditions', value=conditions)
    return [_condition(i, c, schema) for i, c in enumerate(conditions)]


def _condition(index, condition, schema):
    kind = condition.get('kind') if isinstance(condition, dict) else None
    if kind not in KINDS:
        raise ConditionError('bad_kind', index, 'kind', kind)
    result = dict(condition)
    if kind == 'field':
        name = condition.get('field')
        if name not in schema:
            raise ConditionError('unknown_field', index, 'field', name)
        type_ = schema[name]
        if type_ not in TYPES:
            raise ValueError('type of field %r unknown: %r' % (name, type_))
    else:
        type_ = 'number'
        for part, allowed in [
                ('aggregate', AGGREGATES),
                ('group', GROUPS),
                ('direction', DIRECTIONS)]:
            if condition.get(part) not in allowed:
                raise ConditionError(
                    'bad_' + part, index, part, condition.get(part))
        result['window'] = _window(index, condition.get('window'))
    operator = condition.get('operator')
    if operator not in OPERATORS:
        raise ConditionError('unknown_operator', index, 'operator', operator)
    if operator in ORDERED and type_ != 'number':
        raise ConditionError('operator_type', index, 'operator', operator)
    result['type'] = type_
    result['value'] = _value(index, condition.get('value'), type_, operator)
    return result


def _window(index, value):
    seconds = None
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    elif (isinstance(value, str) and value.strip().isascii()
            and value.strip().isdigit()):
        seconds = int(value.strip())
    if seconds is None or not 0 < seconds <= MAX_WINDOW:
        raise ConditionError('bad_window', index, 'window', value)
    return seconds


def _value(index, value, type_, operator):
    if not isinstance(value, str):
        raise ConditionError('bad_value', index, 'value', value)
    if operator in LISTS:
        items = [i.strip() for i in value.split(',')]
        if not value.strip() or not all(items):
            raise ConditionError('empty_list', index, 'value', value)
        return tuple(_parse(index, i, type_) for i in items)
    if not value.strip():
        raise ConditionError('empty_value', index, 'value', value)
    return _parse(index, value.strip(), type_)


def _parse(index, text, type_):
    if type_ == 'number':
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ConditionError('bad_number', index, 'value', text)
        return number
    elif type_ == 'boolean':
        if text.lower() not in BOOLEANS:
            raise ConditionError('bad_boolean', index, 'value', text)
        return BOOLEANS[text.lower()]
    return text


def window_key(condition):
    """Return the key ``(aggregate, group, direction, window)`` (str, str,
    str, int seconds) under which the caller gives the aggregate of the
    normalised window ``condition`` to :func:`evaluate`.  Raises
    ``ValueError`` for a field condition."""
    if condition.get('kind') != 'window':
        raise ValueError('not a window condition: %r' % (condition,))
    return (condition['aggregate'], condition['group'],
        condition['direction'], condition['window'])


def window_keys(conditions):
    """Return the distinct :func:`window_key` of the normalised
    ``conditions`` (list of tuples, in order of first use): each to
    compute once."""
    keys = []
    for condition in conditions:
        if condition['kind'] == 'window':
            key = window_key(condition)
            if key not in keys:
                keys.append(key)
    return keys


def evaluate(conditions, match, facts, windows):
    """Apply the normalised ``conditions`` (from :func:`validate`) with
    ``match`` ('all' or 'any') to an event; return a :class:`Result`.

    ``facts`` maps each field name to its value: Decimal, int or float for
    numbers (amounts in company currency, quantities in the product's
    default unit; compared as Decimal, floats through ``str``), str for
    text, bool for booleans, None when unknown, or a list, tuple or set of
    such values (e.g. the ABC classes of a request's lines).  ``windows``
    maps each :func:`window_key` to its aggregate (Decimal).

    A list fact matches a positive operator ('=', '<', '<=', '>', '>=',
    'in') when ANY of its values matches; it matches '!=' or 'not in' when
    NONE of its values equals or is in the value.  None (alone or in a
    list) matches no value: an empty list or None never matches a positive
    operator and always matches a negative one.

    All conditions are evaluated, without short-circuit.  ``figures`` has
    one dict per condition, in order: 'index', 'kind', 'description' (see
    :func:`describe`), 'field' or 'aggregate', 'group', 'direction' and
    'window' (seconds), 'operator', 'expected' (str), 'actual' (str for
    numbers, list for lists, bool, str or None) and 'result' (bool).

    Raises ``KeyError`` for a field missing from ``facts`` or a window
    missing from ``windows`` and ``TypeError`` for a fact of the wrong type
    (bugs of the caller)."""
    if match not in MATCHES:
        raise ValueError('match unknown: %r' % (match,))
    figures = []
    for index, condition in enumerate(conditions):
        figure = {'index': index, 'kind': condition['kind'],
            'description': describe(condition)}
        if condition['kind'] == 'field':
            figure['field'] = condition['field']
            fact = facts[condition['field']]
        else:
            figure.update((k, condition[k])
                for k in ('aggregate', 'group', 'direction', 'window'))
            fact = windows[window_key(condition)]
        values = _fact(fact, condition['type'])
        figure.update({
                'operator': condition['operator'],
                'expected': _text(condition['value']),
                'actual': _json(fact),
                'result': _compare(
                    values, condition['operator'], condition['value']),
                })
        figures.append(figure)
    results = [f['result'] for f in figures]
    matched = all(results) if match == 'all' else any(results)
    return Result(matched, figures)


def _fact(fact, type_):
    "Return the values of fact as a list, None removed"
    if not isinstance(fact, (list, tuple, set, frozenset)):
        fact = [fact]
    return [_coerce(v, type_) for v in fact if v is not None]


def _sort_key(value):
    return (value is None, str(value))


def _coerce(value, type_):
    if type_ == 'number':
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = Decimal(str(value))
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError('not a finite number: %r' % (value,))
    elif type_ == 'boolean' and not isinstance(value, bool):
        raise TypeError('not a boolean: %r' % (value,))
    elif type_ == 'text' and not isinstance(value, str):
        raise TypeError('not a text: %r' % (value,))
    return value


def _compare(values, operator, expected):
    if operator == '!=':
        return not any(v == expected for v in values)
    elif operator == 'not in':
        return not any(v in expected for v in values)
    test = {
        '=': lambda v: v == expected,
        '<': lambda v: v < expected,
        '<=': lambda v: v <= expected,
        '>': lambda v: v > expected,
        '>=': lambda v: v >= expected,
        'in': lambda v: v in expected,
        }[operator]
    return any(test(v) for v in values)


def _json(fact):
    if isinstance(fact, (set, frozenset)):
        fact = sorted(fact, key=_sort_key)
    if isinstance(fact, (list, tuple)):
        return [_json(v) for v in fact]
    elif fact is None or isinstance(fact, (bool, str)):
        return fact
    return str(fact)


def _text(value):
    "Return value (parsed or as typed) as the manager would type it"
    if isinstance(value, tuple):
        return ', '.join(_text(v) for v in value)
    elif isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value).strip()


def _duration(seconds):
    seconds = int(seconds)
    for size, unit in [(86400, 'days'), (3600, 'h'), (60, 'min')]:
        if seconds % size == 0 and (size != 86400 or seconds > 86400):
            return '%s %s' % (seconds // size, unit)
    return '%s s' % seconds


def describe(condition):
    """Return a short English text of ``condition`` (dict, as typed or
    normalised), e.g. "amount > 5000" or "count of moves of the same
    product, in and out, within 24 h > 3".  Windows read in days above one
    day, else in h, min or s."""
    operator = condition.get('operator')
    value = _text(condition.get('value'))
    if condition.get('kind') != 'window':
        return '%s %s %s' % (condition.get('field'), operator, value)
    aggregate = {'count': 'count of moves',
        'sum': 'sum of quantities of moves'}.get(
        condition.get('aggregate'), condition.get('aggregate'))
    direction = {'both': 'in and out'}.get(
        condition.get('direction'), condition.get('direction'))
    return '%s of the same %s, %s, within %s %s %s' % (
        aggregate, condition.get('group'), direction,
        _duration(condition.get('window')), operator, value)
