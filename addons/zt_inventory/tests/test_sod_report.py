# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Segregation-of-duties rules as data: validation and access of
zt.sod.rule, the conflict report zt.sod.conflict and ``ztinv
sod-report``."""
import io
import os
import tempfile

from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory import sod_report
from trytond.modules.zt_inventory.exceptions import SoDRuleError
from trytond.pool import Pool
from trytond.tests.test_tryton import CONTEXT, DB_NAME, USER, with_transaction
from trytond.transaction import Transaction

from .test_sod import COUNT_CONFIRM, MANAGER_ISSUE, ONE_APPROVER
from .tools import DBTestCase, World, acting, savepoint


class SoDReportTestCase(DBTestCase):
    "Test segregation-of-duties rules and the conflict report"

    def rule(self, name):
        Rule = Pool().get('zt.sod.rule')
        rule, = Rule.search([('name', '=', name)])
        return rule

    @with_transaction()
    def test_rule_validation(self):
        "A rule needs two different duties: clear error, nothing saved"
        Rule = Pool().get('zt.sod.rule')
        count = Rule.search_count([])
        with self.assertRaises(SoDRuleError) as cm, savepoint():
            Rule.create([{'name': "Twice", 'first_duty': 'inventory.count',
                        'second_duty': 'inventory.count'}])
        self.assertIn("Twice", cm.exception.message)
        self.assertEqual(Rule.search_count([]), count)

    @with_transaction()
    def test_rule_access(self):
        "Security officer writes rules, auditor reads, keeper neither"
        pool = Pool()
        Rule = pool.get('zt.sod.rule')
        w = World.build()
        officer = w.create_user('officer',
            ['zt_inventory.group_security_officer'])
        auditor = w.create_user('auditor2', ['zt_inventory.group_auditor'])
        rule = self.rule(COUNT_CONFIRM)
        with acting(officer):
            Rule.write([Rule(rule.id)], {'emergency_override': False})
        with acting(auditor):
            self.assertEqual(len(Rule.search([])), 11)
            with self.assertRaises(AccessError):
                Rule.write([Rule(rule.id)], {'active': False})
        with acting(w.keeper):
            with self.assertRaises(AccessError):
                Rule.search([])
        self.assertFalse(Rule(rule.id).emergency_override)

    @with_transaction()
    def test_conflict_report(self):
        """The report lists a user holding keeper and manager groups with
        the approve/issue rule; read by the auditor, not by a keeper"""
        pool = Pool()
        Conflict = pool.get('zt.sod.conflict')
        w = World.build()
        both = w.create_user('km', [
                'zt_inventory.group_warehouse_keeper',
                'zt_inventory.group_department_manager'])
        auditor = w.create_user('auditor2', ['zt_inventory.group_auditor'])
        with acting(auditor):
            row, = Conflict.search([
                    ('user', '=', both.id),
                    ('rule.name', '=', MANAGER_ISSUE),
                    ])
            self.assertEqual((row.first_duty, row.second_duty),
                ('issue_request.approve_manager', 'issue_request.issue'))
            self.assertIn("Department Manager", row.first_groups)
            self.assertIn("Warehouse Keeper", row.second_groups)
            self.assertNotIn(MANAGER_ISSUE, [r.rule.name for r in
                    Conflict.search([('user', '=', w.keeper.id)])])
            self.assertIn(ONE_APPROVER, [r.rule.name for r in
                    Conflict.search([('user', '=', w.boss.id)])])
        with acting(w.keeper), self.assertRaises(AccessError):
            Conflict.search([])


class SoDReportCommandTestCase(DBTestCase):
    "Test ztinv sod-report on a committed database"

    def test_command(self):
        "One line per conflict, a summary, exit 1; root reads everything"
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            w = World.build()
            w.create_user('km', [
                    'zt_inventory.group_warehouse_keeper',
                    'zt_inventory.group_department_manager'])
            t.commit()
        with tempfile.NamedTemporaryFile('w', suffix='.conf',
                delete=False) as conf:
            conf.write('[database]\n')
        self.addCleanup(os.unlink, conf.name)
        out = io.StringIO()
        self.assertEqual(sod_report.main(conf.name, DB_NAME, out=out), 1)
        lines = out.getvalue().splitlines()
        self.assertIn('km\t%s\t' % MANAGER_ISSUE, '\n'.join(lines))
        self.assertTrue(lines[-1].startswith('sod-report: '))
        self.assertEqual(int(lines[-1].split()[1]), len(lines) - 1)
