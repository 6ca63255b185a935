# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of the condition language of rules."""
import unittest
from decimal import Decimal

from trytond.modules.zt_rules import evaluate
from trytond.modules.zt_rules.evaluate import (
    ERROR_CODES, ConditionError, describe, validate, window_key,
    window_keys)

SCHEMA = {
    'amount': 'number',
    'abc_class': 'text',
    'emergency': 'boolean',
    }
DAY = 24 * 60 * 60


def field(name, operator, value):
    return {'kind': 'field', 'field': name, 'operator': operator,
        'value': value}


def window(operator='>', value='3', aggregate='count', group='product',
        direction='both', seconds=DAY):
    return {'kind': 'window', 'aggregate': aggregate, 'group': group,
        'direction': direction, 'window': seconds, 'operator': operator,
        'value': value}


def check(condition, fact, windows=None):
    "Return the result of the single condition on fact"
    conditions = validate([condition], 'all', SCHEMA)
    facts = {}
    if condition['kind'] == 'field':
        facts[condition['field']] = fact
    result = evaluate.evaluate(conditions, 'all', facts, windows or {})
    return result.matched


class ValidateTestCase(unittest.TestCase):
    "Conditions are parsed once"

    def test_number(self):
        "Numbers become Decimal, stripped"
        [condition] = validate([field('amount', '>', ' 5000.50 ')], 'all',
            SCHEMA)
        self.assertEqual(condition['value'], Decimal('5000.50'))
        self.assertEqual(condition['type'], 'number')
        self.assertEqual(condition['field'], 'amount')

    def test_text(self):
        "Text stays text, stripped, case kept"
        [condition] = validate([field('abc_class', '=', ' a ')], 'any',
            SCHEMA)
        self.assertEqual(condition['value'], 'a')

    def test_boolean(self):
        "true/false/1/0 in any case"
        for text, value in [('true', True), ('TRUE', True), ('1', True),
                ('False', False), ('0', False), (' false ', False)]:
            with self.subTest(text=text):
                [condition] = validate([field('emergency', '=', text)],
                    'all', SCHEMA)
                self.assertIs(condition['value'], value)

    def test_list(self):
        "Lists are comma-separated, items stripped"
        [text, number] = validate([
                field('abc_class', 'in', 'A, B ,C'),
                field('amount', 'not in', '1,2.5')], 'all', SCHEMA)
        self.assertEqual(text['value'], ('A', 'B', 'C'))
        self.assertEqual(number['value'], (Decimal(1), Decimal('2.5')))

    def test_window(self):
        "Windows are numbers; seconds as int or digits"
        [condition] = validate([window(seconds=str(DAY))], 'all', SCHEMA)
        self.assertEqual(condition['window'], DAY)
        self.assertEqual(condition['value'], Decimal(3))
        self.assertEqual(condition['type'], 'number')
        [condition] = validate([window(seconds=400 * DAY)], 'all', SCHEMA)
        self.assertEqual(condition['window'], 400 * DAY)

    def test_input_unchanged(self):
        "The conditions as typed are not modified"
        conditions = [field('amount', '>', '5000')]
        validate(conditions, 'all', SCHEMA)
        self.assertEqual(conditions, [field('amount', '>', '5000')])

    def test_bad_schema(self):
        "An unknown type in the schema is a bug of the caller"
        with self.assertRaises(ValueError):
            validate([field('x', '=', '1')], 'all', {'x': 'date'})


class ErrorTestCase(unittest.TestCase):
    "Each error names its code, condition and part"

    def assertError(self, conditions, code, index, part, value,
            match='all'):
        with self.assertRaises(ConditionError) as context:
            validate(conditions, match, SCHEMA)
        error = context.exception
        self.assertIn(code, ERROR_CODES)
        self.assertEqual(
            (error.code, error.index, error.part, error.value),
            (code, index, part, value))
        self.assertIsInstance(error, ValueError)
        self.assertIn(ERROR_CODES[code], str(error))
        return error

    def test_codes(self):
        "The codes are a stable API"
        self.assertEqual(set(ERROR_CODES), {
                'bad_kind', 'unknown_field', 'unknown_operator',
                'operator_type', 'bad_value', 'empty_value', 'bad_number',
                'bad_boolean', 'empty_list', 'bad_aggregate', 'bad_group',
                'bad_direction', 'bad_window', 'no_conditions',
                'bad_match'})

    def test_rule(self):
        self.assertError([], 'no_conditions', None, 'conditions', [])
        self.assertError(None, 'no_conditions', None, 'conditions', None)
        self.assertError([field('amount', '>', '1')], 'bad_match', None,
            'match', 'some', match='some')
        self.assertError([field('amount', '>', '1')], 'bad_match', None,
            'match', None, match=None)

    def test_kind(self):
        self.assertError([{'kind': 'sql'}], 'bad_kind', 0, 'kind', 'sql')
        self.assertError([field('amount', '>', '1'), 'amount > 1'],
            'bad_kind', 1, 'kind', None)

    def test_field(self):
        error = self.assertError(
            [field('amount', '>', '1'), field('price', '>', '1')],
            'unknown_field', 1, 'field', 'price')
        self.assertTrue(str(error).startswith('condition 2, field'))
        self.assertError([{'kind': 'field', 'operator': '='}],
            'unknown_field', 0, 'field', None)

    def test_operator(self):
        for operator in ['==', 'like', 'IN', None]:
            with self.subTest(operator=operator):
                self.assertError([field('amount', operator, '1')],
                    'unknown_operator', 0, 'operator', operator)
        self.assertError([window(operator='~')],
            'unknown_operator', 0, 'operator', '~')

    def test_operator_type(self):
        "Orders apply to numbers only"
        for name in ['abc_class', 'emergency']:
            for operator in ['<', '<=', '>', '>=']:
                with self.subTest(name=name, operator=operator):
                    self.assertError([field(name, operator, '1')],
                        'operator_type', 0, 'operator', operator)

    def test_value(self):
        self.assertError([field('abc_class', '=', None)],
            'bad_value', 0, 'value', None)
        self.assertError([field('amount', '=', 5)],
            'bad_value', 0, 'value', 5)
        self.assertError([field('abc_class', '=', '  ')],
            'empty_value', 0, 'value', '  ')
        self.assertError([field('amount', '=', '')],
            'empty_value', 0, 'value', '')

    def test_number(self):
        for text in ['5 000', '5,000', 'abc', 'NaN', 'Infinity', '1.2.3']:
            with self.subTest(text=text):
                self.assertError([field('amount', '=', text)],
                    'bad_number', 0, 'value', text)
        self.assertError([field('amount', 'in', '1, x')],
            'bad_number', 0, 'value', 'x')
        self.assertError([window(value='three')],
            'bad_number', 0, 'value', 'three')

    def test_boolean(self):
        for text in ['yes', 't', '2']:
            with self.subTest(text=text):
                self.assertError([field('emergency', '=', text)],
                    'bad_boolean', 0, 'value', text)

    def test_list(self):
        for text in [',', 'A,,B', 'A, ', ' ', '']:
            with self.subTest(text=text):
                self.assertError([field('abc_class', 'in', text)],
                    'empty_list', 0, 'value', text)
        self.assertError([field('amount', 'not in', '1,')],
            'empty_list', 0, 'value', '1,')

    def test_window(self):
        for seconds in [0, -1, 400 * DAY + 1, 1.5, '1.5', '', None, True, '²',
                '-5', 'day']:
            with self.subTest(seconds=seconds):
                self.assertError([window(seconds=seconds)],
                    'bad_window', 0, 'window', seconds)

    def test_window_parts(self):
        self.assertError([window(aggregate='avg')],
            'bad_aggregate', 0, 'aggregate', 'avg')
        self.assertError([window(group='lot')],
            'bad_group', 0, 'group', 'lot')
        self.assertError([window(direction='internal')],
            'bad_direction', 0, 'direction', 'internal')

    def test_first_error(self):
        "The first bad condition is reported"
        self.assertError([field('amount', '>', '1'), window(group='x'),
                field('nope', '=', '1')], 'bad_group', 1, 'group', 'x')


class OperatorTestCase(unittest.TestCase):
    "Each operator on each type"

    def test_numbers(self):
        for operator, results in [
                ('=', (False, True, False)),
                ('!=', (True, False, True)),
                ('<', (True, False, False)),
                ('<=', (True, True, False)),
                ('>', (False, False, True)),
                ('>=', (False, True, True)),
                ]:
            for fact, result in zip(
                    [Decimal('9.99'), Decimal('10.00'), 11], results):
                with self.subTest(operator=operator, fact=fact):
                    self.assertIs(
                        check(field('amount', operator, '10'), fact),
                        result)

    def test_number_types(self):
        "int, float and Decimal facts compare as Decimal"
        self.assertTrue(check(field('amount', '=', '0.1'), 0.1))
        self.assertTrue(check(field('amount', '=', '3'), 3))
        self.assertTrue(check(field('amount', '=', '3'), Decimal('3.000')))
        self.assertFalse(check(field('amount', '>', '0.1'), 0.1))

    def test_number_lists(self):
        self.assertTrue(check(field('amount', 'in', '1, 2.5'), 2.5))
        self.assertFalse(check(field('amount', 'in', '1, 2.5'), 2))
        self.assertTrue(check(field('amount', 'not in', '1, 2.5'), 2))
        self.assertFalse(check(field('amount', 'not in', '1, 2.5'), 1))

    def test_text(self):
        "Exact and case-sensitive"
        self.assertTrue(check(field('abc_class', '=', 'A'), 'A'))
        self.assertFalse(check(field('abc_class', '=', 'A'), 'a'))
        self.assertFalse(check(field('abc_class', '=', 'A'), 'A '))
        self.assertTrue(check(field('abc_class', '!=', 'A'), 'a'))
        self.assertFalse(check(field('abc_class', '!=', 'A'), 'A'))
        self.assertTrue(check(field('abc_class', 'in', 'A,B'), 'B'))
        self.assertFalse(check(field('abc_class', 'in', 'A,B'), 'C'))
        self.assertFalse(check(field('abc_class', 'in', 'A,B'), 'A,B'))
        self.assertTrue(check(field('abc_class', 'not in', 'A,B'), 'C'))
        self.assertFalse(check(field('abc_class', 'not in', 'A,B'), 'A'))

    def test_boolean(self):
        self.assertTrue(check(field('emergency', '=', 'true'), True))
        self.assertFalse(check(field('emergency', '=', 'true'), False))
        self.assertTrue(check(field('emergency', '=', '0'), False))
        self.assertTrue(check(field('emergency', '!=', 'true'), False))
        self.assertFalse(check(field('emergency', '!=', 'false'), False))
        self.assertTrue(check(field('emergency', 'in', 'true'), True))
        self.assertTrue(check(field('emergency', 'not in', 'true'), False))

    def test_none(self):
        "None never matches a positive operator, always a negative one"
        for operator, value, result in [
                ('=', '1', False), ('<', '1', False), ('<=', '1', False),
                ('>', '1', False), ('>=', '1', False), ('in', '1', False),
                ('!=', '1', True), ('not in', '1', True)]:
            with self.subTest(operator=operator):
                self.assertIs(
                    check(field('amount', operator, value), None), result)
        self.assertFalse(check(field('abc_class', '=', 'A'), None))
        self.assertTrue(check(field('abc_class', '!=', 'A'), None))
        self.assertFalse(check(field('emergency', '=', 'false'), None))
        self.assertTrue(check(field('emergency', '!=', 'false'), None))

    def test_wrong_fact_type(self):
        "A fact of the wrong type is a bug of the caller"
        for name, fact in [('amount', '5'), ('amount', True),
                ('amount', float('nan')), ('abc_class', 1),
                ('emergency', 1), ('abc_class', ['A', 1])]:
            with self.subTest(name=name, fact=fact):
                with self.assertRaises(TypeError):
                    check(field(name, '=', '1'), fact)

    def test_missing_fact(self):
        conditions = validate([field('amount', '>', '1')], 'all', SCHEMA)
        with self.assertRaises(KeyError):
            evaluate.evaluate(conditions, 'all', {}, {})


class ListFactTestCase(unittest.TestCase):
    "A list fact: any value for positive operators, none for negative"

    def test_positive(self):
        classes = ['C', 'A', 'B']
        self.assertTrue(check(field('abc_class', '=', 'A'), classes))
        self.assertFalse(check(field('abc_class', '=', 'D'), classes))
        self.assertTrue(check(field('abc_class', 'in', 'A,D'), classes))
        self.assertFalse(check(field('abc_class', 'in', 'D,E'), classes))
        amounts = (Decimal(1), Decimal(20))
        self.assertTrue(check(field('amount', '>', '10'), amounts))
        self.assertTrue(check(field('amount', '<', '10'), amounts))
        self.assertFalse(check(field('amount', '>=', '21'), amounts))
        self.assertTrue(check(field('amount', '<=', '1'), amounts))
        self.assertFalse(check(field('amount', '<', '1'), amounts))

    def test_negative(self):
        "Not (any value equals / is in)"
        classes = {'C', 'A'}
        self.assertFalse(check(field('abc_class', '!=', 'A'), classes))
        self.assertTrue(check(field('abc_class', '!=', 'B'), classes))
        self.assertFalse(check(field('abc_class', 'not in', 'A,B'),
                classes))
        self.assertTrue(check(field('abc_class', 'not in', 'B,D'),
                classes))

    def test_empty(self):
        for empty in [[], (), set(), [None]]:
            for operator, result in [('=', False), ('in', False),
                    ('>', False), ('!=', True), ('not in', True)]:
                with self.subTest(empty=empty, operator=operator):
                    self.assertIs(check(
                            field('amount', operator, '1'), empty), result)

    def test_none_in_list(self):
        "None values of a list are ignored"
        self.assertTrue(check(field('abc_class', '=', 'A'), [None, 'A']))
        self.assertFalse(check(field('abc_class', '!=', 'A'), [None, 'A']))
        self.assertTrue(check(field('abc_class', '!=', 'A'), [None, 'B']))


class MatchTestCase(unittest.TestCase):
    "All or any, and the seed example"

    def setUp(self):
        self.conditions = validate([
                field('amount', '>', '5000'),
                field('abc_class', '=', 'A'),
                ], 'any', SCHEMA)

    def run_rule(self, match, amount, classes):
        return evaluate.evaluate(self.conditions, match,
            {'amount': amount, 'abc_class': classes}, {})

    def test_any(self):
        "amount > 5000 or a line of class A"
        self.assertFalse(
            self.run_rule('any', Decimal('5000'), ['B', 'C']).matched)
        self.assertTrue(
            self.run_rule('any', Decimal('5000.01'), ['B']).matched)
        self.assertTrue(
            self.run_rule('any', Decimal('12.50'), ['C', 'A']).matched)
        self.assertFalse(self.run_rule('any', None, []).matched)

    def test_all(self):
        self.assertFalse(
            self.run_rule('all', Decimal('5000.01'), ['B']).matched)
        self.assertFalse(
            self.run_rule('all', Decimal('12.50'), ['A']).matched)
        self.assertTrue(
            self.run_rule('all', Decimal('5000.01'), ['A']).matched)

    def test_bad_match(self):
        with self.assertRaises(ValueError):
            self.run_rule('most', Decimal(1), [])

    def test_figures(self):
        "One figure a condition, all evaluated"
        result = self.run_rule('any', Decimal('5000.01'), ['C', 'A'])
        self.assertEqual(result.figures, [{
                    'index': 0,
                    'kind': 'field',
                    'description': 'amount > 5000',
                    'field': 'amount',
                    'operator': '>',
                    'expected': '5000',
                    'actual': '5000.01',
                    'result': True,
                    }, {
                    'index': 1,
                    'kind': 'field',
                    'description': 'abc_class = A',
                    'field': 'abc_class',
                    'operator': '=',
                    'expected': 'A',
                    'actual': ['C', 'A'],
                    'result': True,
                    }])

    def test_figures_no_short_circuit(self):
        "A first false condition under 'all' still leaves every figure"
        result = self.run_rule('all', 3, None)
        self.assertEqual([f['result'] for f in result.figures],
            [False, False])
        self.assertEqual([f['actual'] for f in result.figures], ['3', None])

    def test_figures_json(self):
        "Sets are sorted, numbers as str, booleans kept"
        conditions = validate([
                field('abc_class', 'in', 'A, B'),
                field('amount', '=', '0.1'),
                field('emergency', '=', 'TRUE'),
                ], 'all', SCHEMA)
        result = evaluate.evaluate(conditions, 'all', {
                'abc_class': {'C', 'B'}, 'amount': [0.1, Decimal(2)],
                'emergency': True}, {})
        self.assertTrue(result.matched)
        self.assertEqual([(f['expected'], f['actual'])
                for f in result.figures], [
                ('A, B', ['B', 'C']),
                ('0.1', ['0.1', '2']),
                ('true', True)])


class WindowTestCase(unittest.TestCase):
    "Windowed aggregates come from the caller"

    def test_key(self):
        [condition] = validate([window(seconds='3600')], 'all', SCHEMA)
        self.assertEqual(window_key(condition),
            ('count', 'product', 'both', 3600))
        with self.assertRaises(ValueError):
            window_key(field('amount', '>', '1'))

    def test_keys(self):
        "Each distinct window once, in order"
        conditions = validate([
                window('>', '3'),
                field('amount', '>', '1'),
                window('<', '10', aggregate='sum', direction='out'),
                window('<=', '5'),
                ], 'all', SCHEMA)
        self.assertEqual(window_keys(conditions), [
                ('count', 'product', 'both', DAY),
                ('sum', 'product', 'out', DAY)])

    def test_threshold(self):
        "count > 3: 3 does not match, 4 does"
        key = ('count', 'product', 'both', DAY)
        self.assertFalse(check(window(), None, {key: Decimal(3)}))
        self.assertTrue(check(window(), None, {key: Decimal(4)}))

    def test_operators(self):
        key = ('sum', 'location', 'in', 60)
        for operator, value, result in [
                ('=', '2.5', True), ('!=', '2.5', False),
                ('<', '3', True), ('<=', '2.5', True), ('>', '2.5', False),
                ('>=', '2.5', True), ('in', '1, 2.5', True),
                ('not in', '1, 2.5', False)]:
            condition = window(operator, value, 'sum', 'location', 'in', 60)
            with self.subTest(operator=operator):
                self.assertIs(
                    check(condition, None, {key: Decimal('2.50')}), result)

    def test_figure(self):
        conditions = validate([window()], 'all', SCHEMA)
        result = evaluate.evaluate(conditions, 'all', {},
            {('count', 'product', 'both', DAY): Decimal(4)})
        self.assertEqual(result.figures, [{
                    'index': 0,
                    'kind': 'window',
                    'description': 'count of moves of the same product, '
                    'in and out, within 24 h > 3',
                    'aggregate': 'count',
                    'group': 'product',
                    'direction': 'both',
                    'window': DAY,
                    'operator': '>',
                    'expected': '3',
                    'actual': '4',
                    'result': True,
                    }])

    def test_missing(self):
        "A missing window is a bug of the caller"
        conditions = validate([window()], 'all', SCHEMA)
        with self.assertRaises(KeyError):
            evaluate.evaluate(conditions, 'all', {},
                {('count', 'product', 'both', 3600): Decimal(4)})


class DescribeTestCase(unittest.TestCase):
    "Short English texts for alerts"

    def test_field(self):
        self.assertEqual(describe(field('amount', '>', ' 5000')),
            'amount > 5000')
        [condition] = validate([field('abc_class', 'not in', 'A ,B')],
            'all', SCHEMA)
        self.assertEqual(describe(condition), 'abc_class not in A, B')
        [condition] = validate([field('emergency', '=', '1')], 'all',
            SCHEMA)
        self.assertEqual(describe(condition), 'emergency = true')

    def test_window(self):
        self.assertEqual(describe(window()),
            'count of moves of the same product, in and out, within 24 h '
            '> 3')
        for seconds, text in [(7 * DAY, '7 days'), (2 * DAY, '2 days'),
                (3600, '1 h'), (36 * 3600, '36 h'), (90, '90 s'),
                (1800, '30 min')]:
            with self.subTest(seconds=seconds):
                self.assertEqual(describe(window(
                            '>=', '100', 'sum', 'location', 'out',
                            seconds)),
                    'sum of quantities of moves of the same location, out, '
                    'within %s >= 100' % text)
        self.assertEqual(describe(window(group='user', direction='in')),
            'count of moves of the same user, in, within 24 h > 3')
