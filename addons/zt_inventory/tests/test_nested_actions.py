# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of the ORM-free parsing of nested One2Many actions."""
import unittest

from trytond.modules.zt_inventory.nested_actions import (
    field_names, parse_actions)


class Record:
    "A stand-in for a Tryton record: int() gives its id."

    def __init__(self, id_):
        self.id = id_

    def __int__(self):
        return self.id


class ParseActionsTestCase(unittest.TestCase):
    "Test parse_actions"

    def parse(self, actions):
        return list(parse_actions(actions))

    def test_create(self):
        "One create per dict, without ids"
        self.assertEqual(
            self.parse([('create', [{'a': 1}, {'b': 2}])]),
            [('create', [], {'a': 1}), ('create', [], {'b': 2})])

    def test_write_pairs(self):
        "One write per pair of ids and values; an odd last one ignored"
        self.assertEqual(
            self.parse([('write', [1, 2], {'a': 1}, [3], {'b': 2}, [4])]),
            [('write', [1, 2], {'a': 1}), ('write', [3], {'b': 2})])

    def test_ids_only(self):
        "add, remove and delete carry ids, as int (records too)"
        self.assertEqual(
            self.parse([('add', [1, Record(2)]), ('remove', (3,)),
                    ('delete', [4])]),
            [('add', [1, 2], {}), ('remove', [3], {}),
                ('delete', [4], {})])

    def test_copy(self):
        "copy with and without a default"
        self.assertEqual(
            self.parse([('copy', [5]), ('copy', [6], {'x.y': 1})]),
            [('copy', [5], {}), ('copy', [6], {'x.y': 1})])

    def test_lists_from_json(self):
        "Actions arrive as lists over JSON-RPC"
        self.assertEqual(
            self.parse([['write', [7], {'a': 1}], ['create', [{'b': 2}]]]),
            [('write', [7], {'a': 1}), ('create', [], {'b': 2})])

    def test_skipped(self):
        "No value, not a list, unknown or empty actions: nothing"
        for value in [None, 0, 'create', {'create': []}]:
            self.assertEqual(self.parse(value), [])
        self.assertEqual(
            self.parse([('set', [1]), (), 'write', ('create',),
                    ('add', None)]),
            [('add', [], {})])

    def test_field_names(self):
        "The fields a copy default sets: the first part of a dotted key"
        self.assertEqual(
            field_names({'moves.origin': None, 'number': 'x', 'moves': []}),
            ['moves', 'number'])
