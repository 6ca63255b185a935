# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of the ORM-free segregation-of-duties rules."""
import unittest

from trytond.modules.zt_inventory.sod_rules import (
    APPROVE_FINANCE, APPROVE_MANAGER, COUNT, CONFIRM_COUNT, DUTIES, ISSUE,
    REQUEST, Actor, Rule, check_duties, conflicts, holders, other_duty,
    same_person)

# The chain of an issue request, as shipped in sod.xml.
CHAIN = [
    Rule(1, "requester/manager", REQUEST, APPROVE_MANAGER, False),
    Rule(2, "requester/finance", REQUEST, APPROVE_FINANCE, False),
    Rule(3, "manager/finance", APPROVE_MANAGER, APPROVE_FINANCE, True),
    Rule(4, "requester/issue", REQUEST, ISSUE, True),
    Rule(5, "manager/issue", APPROVE_MANAGER, ISSUE, True),
    Rule(6, "finance/issue", APPROVE_FINANCE, ISSUE, True),
    ]
STAFF = Actor(10, 100)
BOSS = Actor(11, 101)
CFO = Actor(12, 102)
KEEPER = Actor(13, 103)


def found(duty, actor, performed, rules=CHAIN):
    "The (rule id, other duty) of each conflict, in order."
    return [(c.rule.id, c.other) for c in conflicts(
            rules, duty, actor, performed, order=DUTIES)]


class SamePersonTestCase(unittest.TestCase):
    "Two actors are one person when they share a user or an employee"

    def test_same_user_or_employee(self):
        self.assertTrue(same_person(Actor(1, 2), Actor(1, 3)))
        self.assertTrue(same_person(Actor(1, 2), Actor(4, 2)))
        self.assertTrue(same_person(Actor(1, None), Actor(1, 5)))
        self.assertFalse(same_person(Actor(1, 2), Actor(3, 4)))

    def test_none_never_matches(self):
        "Root (user 0) is someone; an unknown user or employee is nobody"
        self.assertTrue(same_person(Actor(0, None), Actor(0, None)))
        self.assertFalse(same_person(Actor(None, None), Actor(None, None)))
        self.assertFalse(same_person(Actor(None, 2), Actor(1, None)))


class CheckDutiesTestCase(unittest.TestCase):
    "A rule names two different known duties"

    def test_valid(self):
        check_duties(REQUEST, ISSUE, DUTIES)
        check_duties('a', 'b')

    def test_same_duty(self):
        with self.assertRaises(ValueError):
            check_duties(ISSUE, ISSUE, DUTIES)

    def test_unknown_duty(self):
        with self.assertRaises(ValueError):
            check_duties(ISSUE, 'sale.confirm', DUTIES)

    def test_other_duty(self):
        rule = CHAIN[0]
        self.assertEqual(other_duty(rule, REQUEST), APPROVE_MANAGER)
        self.assertEqual(other_duty(rule, APPROVE_MANAGER), REQUEST)
        self.assertIsNone(other_duty(rule, ISSUE))


class ConflictsTestCase(unittest.TestCase):
    "Nobody acts twice in one request's chain (the shipped rules)"

    def test_free_actor(self):
        performed = {REQUEST: [(STAFF, 'R1')], APPROVE_MANAGER: [
                (BOSS, 'R1')]}
        self.assertEqual(found(ISSUE, KEEPER, performed), [])
        self.assertEqual(found(APPROVE_MANAGER, BOSS, {
                    REQUEST: [(STAFF, 'R1')]}), [])

    def test_requester_approves(self):
        "The requester may not approve, at either level"
        performed = {REQUEST: [(STAFF, 'R1')]}
        self.assertEqual(found(APPROVE_MANAGER, STAFF, performed),
            [(1, REQUEST)])
        self.assertEqual(found(APPROVE_FINANCE, STAFF, performed),
            [(2, REQUEST)])

    def test_same_person_both_levels(self):
        "The manager-level approver may not approve the finance level"
        performed = {REQUEST: [(STAFF, 'R1')],
            APPROVE_MANAGER: [(BOSS, 'R1')]}
        self.assertEqual(found(APPROVE_FINANCE, BOSS, performed),
            [(3, APPROVE_MANAGER)])

    def test_approver_issues(self):
        "An approver of either level may not issue"
        performed = {REQUEST: [(STAFF, 'R1')],
            APPROVE_MANAGER: [(BOSS, 'R1')],
            APPROVE_FINANCE: [(CFO, 'R1')]}
        self.assertEqual(found(ISSUE, BOSS, performed),
            [(5, APPROVE_MANAGER)])
        self.assertEqual(found(ISSUE, CFO, performed),
            [(6, APPROVE_FINANCE)])

    def test_every_role(self):
        "One person in every role: every rule, in workflow order"
        performed = {REQUEST: [(STAFF, 'R1')],
            APPROVE_MANAGER: [(STAFF, 'R1')],
            APPROVE_FINANCE: [(STAFF, 'R1')]}
        self.assertEqual(found(ISSUE, STAFF, performed), [
                (4, REQUEST), (5, APPROVE_MANAGER), (6, APPROVE_FINANCE)])

    def test_same_person_by_user_or_employee(self):
        """Another login of the same employee, or root acting for it, is
        the same person; the same login with another employee too"""
        performed = {REQUEST: [(STAFF, 'R1')]}
        self.assertEqual(found(APPROVE_MANAGER, Actor(0, STAFF.employee),
                performed), [(1, REQUEST)])
        self.assertEqual(found(APPROVE_MANAGER, Actor(STAFF.user, 999),
                performed), [(1, REQUEST)])
        self.assertEqual(found(APPROVE_MANAGER, Actor(0, None),
                performed), [])

    def test_inactive_or_missing_rule(self):
        "Only the rules given count: a deactivated rule allows"
        performed = {REQUEST: [(STAFF, 'R1')]}
        self.assertEqual(
            found(APPROVE_MANAGER, STAFF, performed, rules=CHAIN[1:]), [])

    def test_symmetric_and_source(self):
        "A rule forbids either duty after the other; the source is kept"
        rule = Rule(7, "count/confirm", COUNT, CONFIRM_COUNT, True)
        conflict, = conflicts([rule], COUNT, KEEPER,
            {CONFIRM_COUNT: [(BOSS, 'I1'), (KEEPER, 'I2')]})
        self.assertEqual((conflict.other, conflict.performer,
                conflict.source), (CONFIRM_COUNT, KEEPER, 'I2'))
        self.assertEqual(conflicts([rule], CONFIRM_COUNT, KEEPER,
                {COUNT: [(KEEPER, 'I1')]})[0].rule, rule)


class HoldersTestCase(unittest.TestCase):
    "Users whose groups grant both duties of a rule"

    def test_holders(self):
        rules = [CHAIN[4], CHAIN[0]]
        grants = {REQUEST: {1}, APPROVE_MANAGER: {2, 5}, ISSUE: {3}}
        users = {7: [1], 8: [2, 3, 9], 9: [1, 5], 10: []}
        self.assertEqual(holders(rules, grants, users), [
                (8, CHAIN[4], (2,), (3,)),
                (9, CHAIN[0], (1,), (5,)),
                ])

    def test_everyone_and_nobody(self):
        "None grants a duty to every user; a missing duty to nobody"
        rule = Rule(1, "count/confirm", COUNT, CONFIRM_COUNT, True)
        users = {1: [4], 2: []}
        self.assertEqual(holders([rule], {COUNT: None, CONFIRM_COUNT: {4}},
                users), [(1, rule, (), (4,))])
        self.assertEqual(holders([rule], {COUNT: None}, users), [])
        self.assertEqual(holders([rule], {COUNT: None, CONFIRM_COUNT: None},
                users), [(1, rule, (), ()), (2, rule, (), ())])


if __name__ == '__main__':
    unittest.main()
