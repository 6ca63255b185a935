# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Issuing approved requests: scan, stock moves, account move, refusals."""
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory.exceptions import (
    ActorError, ApprovalRequiredError, ProductionInputsNotIssuedError,
    ProductionIssuedError,
    RequestStateError, ScanError, SegregationOfDutiesError,
    StockUnavailableError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .tools import GTIN_B, DBTestCase, World, acting, gtin, savepoint


class IssueRequestTestCase(DBTestCase):
    "Test issuing material issue requests"

    def assertNothingIssued(self, world, *requests):
        pool = Pool()
        Request = pool.get('zt.issue.request')
        self.assertEqual(world.done_moves(), [])
        for request in Request.browse(requests):
            self.assertEqual(request.scans, ())
            self.assertIsNone(request.issued_by)
            self.assertNotIn('issued', [h.action for h in request.history])

    @with_transaction()
    def test_issue_moves_stock_and_account_move(self):
        "Issuing does the production's input moves and posts the valuation"
        w = World.build(accounting=True)
        request = w.approved_request([(w.mat_b, 3)])
        self.assertEqual(w.stock(w.mat_b), 200)
        request, = w.issue([request])
        self.assertEqual(request.state, 'done')
        self.assertEqual(
            (request.issued_by, request.issued_by_user),
            (w.keeper_employee, w.keeper))
        self.assertEqual(w.stock(w.mat_b), 197)
        move, = w.done_moves(request)
        self.assertEqual(
            (move.from_location, move.to_location, move.production_input,
                move.origin, move.quantity),
            (w.storage, w.production_location, w.production,
                request.lines[0], 3))
        # the rest of the planned input stays planned
        rest = [m for m in w.production.inputs
            if m.product == w.mat_b and m.state != 'done']
        self.assertEqual([m.quantity for m in rest], [97])
        account_move, = move.account_moves
        self.assertEqual(account_move.state, 'posted')
        self.assertEqual(
            sorted((line.account, line.debit, line.credit)
                for line in account_move.lines),
            sorted([(w.account_stock, Decimal(0), Decimal(30)),
                    (w.account_stock_out, Decimal(30), Decimal(0))]))
        scan, = request.scans
        self.assertEqual(
            (scan.user, scan.badge), (w.keeper, w.requester_employee))
        self.assertEqual(
            [h.action for h in request.history][-2:], ['scanned', 'issued'])

    @with_transaction()
    def test_issue_twice_already_done(self):
        "C4 sequentially: the second issue answers already done"
        w = World.build()
        request = w.approved_request([(w.mat_b, 1)])
        w.issue([request])
        with self.assertRaises(RequestStateError) as cm:
            w.issue([request], w.keeper2)
        self.assertIn('already done', cm.exception.message)
        self.assertEqual(len(w.done_moves()), 1)
        self.assertEqual(w.stock(w.mat_b), 199)

    @with_transaction()
    def test_c3_batch_refused(self):
        "C3: P1 approved and P2 waiting issued together: refused, naming P2"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        w = World.build()
        p1 = w.approved_request([(w.mat_b, 2)])
        p2 = w.submit(w.create_request([(w.mat_c, 1)]))
        text = w.scans([p1, p2])
        with self.assertRaises(ApprovalRequiredError) as cm:
            w.issue([p1, p2], text=text)
        self.assertIn(p2.number, cm.exception.message)
        self.assertNotIn(p1.number, cm.exception.message)
        self.assertNothingIssued(w, p1, p2)
        self.assertEqual(
            [r.state for r in Request.browse([p1, p2])],
            ['approved', 'waiting'])
        self.assertEqual(w.stock(w.mat_b), 200)
        # P1 alone issues normally
        p1, = w.issue([p1])
        self.assertEqual(p1.state, 'done')
        self.assertEqual(w.stock(w.mat_b), 198)

    @with_transaction()
    def test_c3_lowest_level_done_refused(self):
        "C3: Request.do([P2]) called by code is refused, naming P2"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        w = World.build()
        p1 = w.approved_request([(w.mat_b, 2)])
        p2 = w.submit(w.create_request([(w.mat_c, 1)]))
        for requests in [[p2], [p1, p2]]:
            with self.subTest(requests=requests), \
                    self.assertRaises(ApprovalRequiredError) as cm:
                Request.do(requests)
            self.assertIn(p2.number, cm.exception.message)
        self.assertEqual(Request(p2.id).state, 'waiting')
        # P1 by code neither: root has no employee (and scanned nothing)
        with self.assertRaises(ActorError):
            Request.do([p1])
        self.assertNothingIssued(w, p1, p2)

    @with_transaction()
    def test_scan_refusals(self):
        "Wrong badge, quantity, check digit or unknown code: nothing stored"
        w = World.build()
        request = w.approved_request([(w.mat_b, 2)])
        badge = w.requester_employee.badge_code
        cases = {
            'badge': w.scans([request], badge=w.manager_employee.badge_code),
            'no badge': '%s\r\n%s\r\n' % (GTIN_B, GTIN_B),
            'quantity': '%s\r\n%s\r\n' % (GTIN_B, badge),
            'too many': '3*%s\r\n%s\r\n' % (GTIN_B, badge),
            'check digit': '%s\r\n%s\r\n%s\r\n' % (
                GTIN_B, GTIN_B[:-1] + '2', badge),
            'unknown': '2*%s\r\n%s\r\n%s\r\n' % (
                GTIN_B, gtin('400638133394'), badge),
            'empty': '\r\n\t',
            }
        for case, text in cases.items():
            with self.subTest(case=case), self.assertRaises(ScanError):
                w.issue([request], text=text)
        self.assertNothingIssued(w, request)
        self.assertEqual(request.state, 'approved')
        # C10: CR, LF, CRLF and TAB each end one scan
        request, = w.issue([request], text='%s\r%s\t%s\n' % (
                GTIN_B, GTIN_B, badge))
        self.assertEqual(request.state, 'done')
        self.assertEqual(w.stock(w.mat_b), 198)

    @with_transaction()
    def test_keeper_segregation(self):
        "The keeper may be neither the requester nor an approver"
        w = World.build()
        w.requester_employee.supervisor = w.lead_employee
        w.requester_employee.save()
        approved_by_lead = w.decide(
            w.submit(w.create_request([(w.mat_b, 1)])), w.lead)
        self.assertEqual(approved_by_lead.state, 'approved')
        requested_by_lead = w.decide(
            w.submit(w.create_request([(w.mat_b, 1)], w.lead), w.lead),
            w.manager)
        self.assertEqual(requested_by_lead.state, 'approved')
        for request in [approved_by_lead, requested_by_lead]:
            with self.subTest(request=request.number), \
                    self.assertRaises(SegregationOfDutiesError):
                w.issue([request], w.lead)
        self.assertNothingIssued(w, approved_by_lead, requested_by_lead)

    @with_transaction()
    def test_not_enough_stock(self):
        "Not enough stock: refused, no negative stock, nothing done"
        pool = Pool()
        Move = pool.get('stock.move')
        w = World.build()
        lost, = pool.get('stock.location').search(
            [('type', '=', 'lost_found')], limit=1)
        Move.do(Move.create([{
                        'product': w.mat_a.id, 'unit': w.unit.id,
                        'quantity': 15, 'from_location': w.storage.id,
                        'to_location': lost.id,
                        'effective_date': w.today,
                        }]))
        self.assertEqual(w.stock(w.mat_a), 5)
        request = w.approved_request([(w.mat_a, 10)], finance=True)
        inputs = sorted((m.product.id, m.quantity, m.state)
            for m in w.production.inputs)
        with self.assertRaises(StockUnavailableError):
            w.issue([request])
        self.assertEqual(w.stock(w.mat_a), 5)
        self.assertNothingIssued(w, request)
        self.assertEqual(
            sorted((m.product.id, m.quantity, m.state)
                for m in pool.get('production')(w.production.id).inputs),
            inputs)
        self.assertEqual(
            pool.get('zt.issue.request')(request.id).state, 'approved')

    @with_transaction()
    def test_production_with_issued_inputs(self):
        "A production with issued inputs may not be cancelled or reset"
        pool = Pool()
        Production = pool.get('production')
        w = World.build()
        w.issue([w.approved_request([(w.mat_b, 1)])])
        for method in [Production.cancel, Production.draft]:
            with self.subTest(method=method.__name__), \
                    self.assertRaises(ProductionIssuedError):
                method([w.production])
        self.assertEqual(Production(w.production.id).state, 'waiting')
        # without issued inputs it still can
        other = w.create_production()
        Production.cancel([other])
        self.assertEqual(other.state, 'cancelled')

    @with_transaction()
    def test_production_runs_only_on_issued_inputs(self):
        "Running a production cannot consume inputs that were not issued"
        pool = Pool()
        Production = pool.get('production')
        Move = pool.get('stock.move')
        w = World.build()
        stock = w.stock(w.mat_b)
        Production.assign_try([w.production])
        with self.assertRaises(ProductionInputsNotIssuedError), savepoint():
            Production.run([w.production])
        self.assertEqual(w.stock(w.mat_b), stock)
        self.assertEqual(w.done_moves(), [])
        # once every input is issued or cancelled, it runs
        Move.cancel([m for m in Production(w.production.id).inputs
                if m.state != 'done'])
        Production.run([w.production])
        self.assertEqual(Production(w.production.id).state, 'running')

    @with_transaction()
    def test_keeper_cannot_write_move_costs(self):
        "A keeper may not write the unit price or cost of a stock move"
        Move = Pool().get('stock.move')
        w = World.build()
        move = w.production.inputs[0]
        for field in ['unit_price', 'cost_price']:
            with self.subTest(field=field), acting(w.keeper), \
                    self.assertRaises(AccessError), savepoint():
                Move.write([move], {field: Decimal(0)})
