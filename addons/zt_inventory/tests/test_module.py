# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import json
from decimal import Decimal

from trytond.modules.zt_inventory.exceptions import (
    ActorError, BOMExceededError, SegregationOfDutiesError,
    WorkflowFieldError)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .tools import World, acting, savepoint

class ZtInventoryTestCase(ModuleTestCase):
    "Test zt_inventory module"
    module = 'zt_inventory'

    def world(self, **kwargs):
        return World.build(**kwargs)

    def assertApprovals(self, request, expected):
        "Standing approvals of ``request`` as [(level, employee)]"
        self.assertEqual(
            [(a.level, a.employee) for a in request.valid_approvals()],
            expected)

    @with_transaction()
    def test_submit_and_manager_approval(self):
        "Submit, then the requester's supervisor approves: approved"
        w = self.world()
        request = w.create_request([(w.mat_b, 3)])
        self.assertEqual(request.state, 'draft')
        self.assertTrue(request.number.startswith('IR'))
        request = w.submit(request)
        self.assertEqual(request.state, 'waiting')
        self.assertEqual(request.requested_by, w.requester_employee)
        self.assertEqual(request.requested_by_user, w.requester)
        self.assertEqual(request.requested_at.microsecond, 0)
        self.assertEqual(request.value, Decimal('30.00'))
        self.assertEqual(request.approval_levels, ('manager',))
        self.assertEqual(request.lines[0].unit_cost, Decimal(10))
        request = w.decide(request, w.manager, comment="for line 3")
        self.assertEqual(request.state, 'approved')
        approval, = request.approvals
        self.assertEqual(
            (approval.level, approval.decision, approval.employee,
                approval.user, approval.comment),
            ('manager', 'approved', w.manager_employee, w.manager,
                "for line 3"))
        self.assertEqual(
            [h.action for h in request.history], ['submitted', 'approved'])

    @with_transaction()
    def test_reject(self):
        "The manager rejects with a comment: rejected"
        w = self.world()
        request = w.submit(w.create_request([(w.mat_b, 3)]))
        request = w.decide(request, w.manager, 'reject', "not needed")
        self.assertEqual(request.state, 'rejected')
        self.assertEqual(request.approvals[0].decision, 'rejected')

    @with_transaction()
    def test_value_at_limit_manager_only(self):
        "A value equal to the limit (5,000) needs the manager only"
        w = self.world()
        request = w.submit(w.create_request([(w.mat_c, 50)]))
        self.assertEqual(request.value, Decimal('5000.00'))
        self.assertEqual(request.approval_levels, ('manager',))
        self.assertEqual(w.decide(request, w.manager).state, 'approved')

    @with_transaction()
    def test_over_limit_needs_finance(self):
        "Over 5,000 the finance director approves after the manager"
        w = self.world()
        request = w.submit(w.create_request([(w.mat_c, 60)]))
        self.assertEqual(request.approval_levels, ('manager', 'finance'))
        request = w.decide(request, w.manager)
        self.assertEqual(request.state, 'waiting')
        self.assertEqual(request.missing_level(), 'finance')
        request = w.decide(request, w.director)
        self.assertEqual(request.state, 'approved')
        self.assertApprovals(request, [
                ('manager', w.manager_employee),
                ('finance', w.director_employee)])

    @with_transaction()
    def test_class_a_needs_finance(self):
        "One unit of class A (value 2) needs the finance director too"
        w = self.world()
        request = w.submit(w.create_request([(w.mat_b, 1), (w.mat_a, 1)]))
        self.assertEqual(request.value, Decimal('12.00'))
        self.assertEqual(request.approval_levels, ('manager', 'finance'))
        with self.assertRaises(ActorError):
            # the director may not give the manager's level
            w.decide(request, w.director)
        request = w.decide(request, w.manager)
        self.assertEqual(request.state, 'waiting')
        self.assertEqual(w.decide(request, w.director).state, 'approved')

    @with_transaction()
    def test_bom_exceeded_cumulative(self):
        "The bill of materials bounds the requests of a production together"
        w = self.world()
        with self.assertRaises(BOMExceededError):
            w.submit(w.create_request([(w.mat_b, 101)]))
        w.submit(w.create_request([(w.mat_b, 60)]))
        second = w.create_request([(w.mat_b, 50)])
        with self.assertRaises(BOMExceededError) as cm:
            w.submit(second)
        self.assertIn('40', cm.exception.message)
        self.assertEqual(second.state, 'draft')
        Line = Pool().get('zt.issue.request.line')
        with acting(w.requester):
            Line.write(list(second.lines), {'quantity': 40})
        self.assertEqual(w.submit(second).state, 'waiting')

    @with_transaction()
    def test_product_not_in_bom_refused(self):
        "A product the production does not need is refused"
        w = self.world()
        with self.assertRaises(BOMExceededError):
            w.submit(w.create_request([(w.finished, 1)]))

    @with_transaction()
    def test_sod_requester_cannot_approve(self):
        "Segregation of duties: the requester may not approve any level"
        w = self.world()
        # lead holds every group; its supervisor is (wrongly) itself
        w.lead_employee.supervisor = w.lead_employee
        w.lead_employee.save()
        request = w.submit(w.create_request([(w.mat_a, 1)], w.lead), w.lead)
        with self.assertRaises(SegregationOfDutiesError):
            w.decide(request, w.lead)
        self.assertEqual(request.approvals, ())
        self.assertEqual(request.state, 'waiting')

    @with_transaction()
    def test_sod_requester_cannot_give_finance_level(self):
        "Segregation of duties: a requester in the finance group neither"
        w = self.world()
        request = w.submit(w.create_request([(w.mat_a, 1)], w.lead), w.lead)
        request = w.decide(request, w.manager)
        with self.assertRaises(SegregationOfDutiesError):
            w.decide(request, w.lead)
        self.assertEqual(w.decide(request, w.director).state, 'approved')

    @with_transaction()
    def test_sod_one_person_one_level(self):
        "Segregation of duties: one holder of both groups approves once"
        w = self.world()
        w.requester_employee.supervisor = w.boss_employee
        w.requester_employee.save()
        request = w.submit(w.create_request([(w.mat_a, 1)]))
        request = w.decide(request, w.boss)
        self.assertEqual(request.missing_level(), 'finance')
        with self.assertRaises(SegregationOfDutiesError):
            w.decide(request, w.boss)
        self.assertEqual(request.state, 'waiting')
        self.assertEqual(len(request.approvals), 1)
        self.assertEqual(w.decide(request, w.director).state, 'approved')

    @with_transaction()
    def test_only_supervisor_approves(self):
        "A manager who is not the requester's supervisor may not approve"
        w = self.world()
        request = w.submit(w.create_request([(w.mat_b, 1)]))
        with self.assertRaises(ActorError):
            w.decide(request, w.boss)
        with self.assertRaises(AccessError):
            # the wizard is limited to the approver groups
            w.decide(request, w.keeper)

    @with_transaction()
    def test_root_and_admin_refused(self):
        "Root (user 0) and admin have no employee: every step refused"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        w = self.world()
        draft = w.create_request([(w.mat_b, 1)])
        waiting = w.submit(w.create_request([(w.mat_b, 1)]))
        for user in [0, 1]:
            with Transaction().set_user(user), \
                    Transaction().set_context(company=w.company.id):
                with self.subTest(user=user), self.assertRaises(ActorError):
                    Request.wait([draft])
                with self.subTest(user=user), self.assertRaises(ActorError):
                    Request.decide_all([waiting], 'approved')
                with self.subTest(user=user), self.assertRaises(ActorError):
                    Request.cancel([draft])
        self.assertEqual(Request(draft.id).state, 'draft')
        self.assertEqual(Request(waiting.id).approvals, ())

    @with_transaction()
    def test_actor_without_employee_refused(self):
        "A user without employee is refused even in every group"
        w = self.world()
        request = w.create_request([(w.mat_b, 1)], w.nobody)
        with self.assertRaises(ActorError):
            w.submit(request, w.nobody)
        request = w.submit(w.create_request([(w.mat_b, 1)]))
        with self.assertRaises(ActorError):
            w.decide(request, w.nobody)
        self.assertEqual(request.state, 'waiting')

    @with_transaction()
    def test_c1_stale_approval(self):
        "C1: limit 1,000; (a) straight, (b) raised, (c) copied: all wait"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        Line = pool.get('zt.issue.request.line')
        w = self.world(amount_limit=1000)
        # (a) 5,000 submitted straight from draft
        a = w.submit(w.create_request([(w.mat_c, 50)]))
        self.assertEqual(a.approval_levels, ('manager', 'finance'))
        self.assertEqual(w.decide(a, w.manager).state, 'waiting')
        # (b) saved at 500, line raised to 5,000, then submitted
        b = w.create_request([(w.mat_c, 5)])
        with acting(w.requester):
            Line.write(list(b.lines), {'quantity': 50})
        b = w.submit(b)
        self.assertEqual(b.value, Decimal('5000.00'))
        self.assertEqual(w.decide(b, w.manager).state, 'waiting')
        # (b') approved at 500, then raised to 5,000: approvals reset
        w.production = w.create_production(quantity=1)
        b2 = w.approved_request([(w.mat_c, 5)])
        with acting(w.requester):
            Line.write(list(b2.lines), {'quantity': 50})
        b2 = Request(b2.id)
        self.assertEqual(b2.state, 'waiting')
        self.assertApprovals(b2, [])
        self.assertEqual(b2.missing_level(), 'manager')
        self.assertEqual(w.decide(b2, w.manager).state, 'waiting')
        # (c) an approved 5,000 request duplicated, the copy submitted
        w.production = w.create_production(quantity=1)
        c = w.approved_request([(w.mat_c, 50)], finance=True)
        with acting(w.requester):
            copy, = Request.copy([c])
        self.assertEqual(
            (copy.state, copy.approvals, copy.requested_by, copy.history),
            ('draft', (), None, ()))
        self.assertNotEqual(copy.number, c.number)
        self.assertIsNone(copy.lines[0].unit_cost)
        copy = w.submit(copy)
        self.assertEqual(w.decide(copy, w.manager).state, 'waiting')
        self.assertEqual(w.decide(copy, w.director).state, 'approved')

    @with_transaction()
    def test_c2_change_after_approval(self):
        "C2: note edit allowed and recorded; quantity raise resets approval"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        Line = pool.get('zt.issue.request.line')
        w = self.world()
        request = w.approved_request([(w.mat_b, 10)])
        with acting(w.requester):
            Request.write([request], {'note': "line 3"})
            Request.write([request], {'note': "line 3, urgent"})
        request = Request(request.id)
        self.assertEqual(request.state, 'approved')
        self.assertEqual(len(request.valid_approvals()), 1)
        changed = [json.loads(h.details) for h in request.history
            if h.action == 'changed']
        self.assertEqual(changed, [
                {'note': [None, "line 3"]},
                {'note': ["line 3", "line 3, urgent"]}])
        with acting(w.requester):
            Line.write(list(request.lines), {'quantity': 50})
        request = Request(request.id)
        self.assertEqual(request.state, 'waiting')
        self.assertApprovals(request, [])
        self.assertEqual(request.approvals[0].valid, False)
        reset, = [h for h in request.history
            if h.action == 'approvals_reset']
        line, = request.lines
        self.assertEqual(json.loads(reset.details),
            {'line %s quantity' % line.id: [10, 50]})
        self.assertEqual(reset.user, w.requester)
        self.assertEqual(w.decide(request, w.manager).state, 'approved')

    @with_transaction()
    def test_workflow_fields_refused_from_outside(self):
        "Writing state, actors or unit cost over RPC is refused"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        Line = pool.get('zt.issue.request.line')
        w = self.world()
        request = w.submit(w.create_request([(w.mat_b, 10)]))
        line, = request.lines
        for values in [{'state': 'done'}, {'state': 'approved'},
                {'requested_by': w.manager.employee.id},
                {'issued_at': dt.datetime(2026, 1, 1)},
                {'lines': [('write', [line.id], {'unit_cost': Decimal(0)})]}]:
            with self.subTest(values=values):
                with acting(w.requester), self.assertRaises(
                        WorkflowFieldError), savepoint():
                    Request.write([request], values)
        with acting(w.requester), self.assertRaises(WorkflowFieldError):
            Line.write([line], {'unit_cost': Decimal('0.01')})
        with acting(w.requester), self.assertRaises(WorkflowFieldError):
            Request.create([{
                        'company': request.company.id,
                        'production': request.production.id,
                        'from_location': request.from_location.id,
                        'state': 'approved',
                        }])
        request = Request(request.id)
        self.assertEqual(request.state, 'waiting')
        self.assertEqual(request.requested_by, w.requester.employee)
        self.assertNotEqual(request.lines[0].unit_cost, Decimal('0.01'))
        with acting(w.requester):
            copy, = Request.copy([request])
        self.assertEqual(copy.state, 'draft')
        self.assertFalse(copy.approvals)

    @with_transaction()
    def test_c2_location_change_recorded(self):
        "C2: a location change after approval resets it, old and new kept"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        Location = pool.get('stock.location')
        w = self.world()
        request = w.approved_request([(w.mat_b, 10)])
        shelf, = Location.create([{
                    'name': "Shelf", 'type': 'storage',
                    'parent': w.storage.id}])
        with acting(w.requester):
            Request.write([request], {'from_location': shelf.id})
        request = Request(request.id)
        self.assertEqual(request.state, 'waiting')
        reset, = [h for h in request.history
            if h.action == 'approvals_reset']
        self.assertEqual(json.loads(reset.details),
            {'from_location': [w.storage.id, shelf.id]})


del ModuleTestCase
