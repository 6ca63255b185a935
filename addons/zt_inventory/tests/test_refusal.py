# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Refused attempts and rejected scans in the ledger.

A refusal rolls its transaction back; its entry is appended in a
transaction of its own.  These tests commit, as the dispatcher does, one
transaction per call, on the class's own database."""
import json

from trytond.modules.zt_inventory import ledger_verify
from trytond.modules.zt_inventory.exceptions import (
    ScanError, SegregationOfDutiesError, WorkflowFieldError)
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.pool import Pool
from trytond.tests.test_tryton import CONTEXT, DB_NAME, USER
from trytond.transaction import Transaction, TransactionError

from .tools import DBTestCase, World, acting, run_wizard


class RefusalTestCase(DBTestCase):
    "Test that refusals are recorded in the ledger"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            w = World.build()
            cls.request = w.approved_request([(w.mat_b, 3)]).id
            lead = w.submit(w.create_request([(w.mat_b, 2)], user=w.lead),
                user=w.lead)
            cls.lead_request = lead.id
            cls.users = {n: getattr(w, n).id for n in ['lead', 'keeper',
                    'requester']}
            cls.scans = w.scans([w.approved_request([(w.mat_b, 1)])])
            t.commit()

    def call(self, login, func):
        """Run ``func()`` as ``login`` in its own transaction, committed,
        retried like the dispatcher does (e.g. to lock records)."""
        extras = {}
        while True:
            with Transaction().start(
                    DB_NAME, USER, context=CONTEXT, **extras) as t:
                User = Pool().get('res.user')
                try:
                    with acting(User(self.users[login])):
                        func()
                except TransactionError as error:
                    t.rollback()
                    error.fix(extras)
                    continue
                t.commit()
                return

    def entries(self, event, record):
        "The ledger entries ``event`` of the request ``record``."
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            Entry = Pool().get('zt.ledger.entry')
            return [(e.user.login, json.loads(e.payload)) for e in
                Entry.search([('event', '=', event),
                        ('record', '=', record)])]

    def state(self, request):
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            return Pool().get('zt.issue.request')(request).state

    def test_self_approval(self):
        "A self-approval refused by segregation of duties is recorded"
        def approve():
            Request = Pool().get('zt.issue.request')
            run_wizard('zt.issue.request.decide',
                [Request(self.lead_request)], 'approve',
                {'start': {'comment': "mine"}})
        with self.assertRaises(SegregationOfDutiesError):
            self.call('lead', approve)
        (login, payload), = self.entries(
            'zt.issue.request.refused', self.lead_request)
        self.assertEqual(login, 'lead')
        self.assertEqual(payload['error'], 'SegregationOfDutiesError')
        self.assertTrue(payload['message'])
        self.assertEqual(self.state(self.lead_request), 'waiting')

    def test_rejected_scan(self):
        "A scan that does not match is recorded as rejected, nothing issued"
        def issue():
            Request = Pool().get('zt.issue.request')
            Request.issue_scanned([Request(self.request)], self.scans)
        with self.assertRaises(ScanError):
            self.call('keeper', issue)
        (login, payload), = self.entries(
            'zt.issue.request.scan_rejected', self.request)
        self.assertEqual((login, payload['error']), ('keeper', 'ScanError'))
        self.assertEqual(self.state(self.request), 'approved')

    def test_forged_create(self):
        "A request created with a forged state: refused, recorded as id 0"
        def create():
            Request = Pool().get('zt.issue.request')
            request = Request(self.request)
            Request.create([{
                        'company': request.company.id,
                        'production': request.production.id,
                        'from_location': request.from_location.id,
                        'state': 'approved',
                        }])
        with self.assertRaises(WorkflowFieldError):
            self.call('requester', create)
        (login, payload), = [e for e in self.entries(
                'zt.issue.request.refused', 0) if e[0] == 'requester']
        self.assertEqual((login, payload['error']),
            ('requester', 'WorkflowFieldError'))

    def test_tryton_access_refusals(self):
        "Refusals of Tryton's own access checks are recorded too"
        def write_chain():
            Chain = Pool().get('zt.ledger.chain')
            Chain.write(Chain.search([]), {'head_sequence': 0})

        def write_done_move():
            Move = Pool().get('stock.move')
            move, = Move.search([('state', '=', 'done')], limit=1)
            Move.write([move], {'quantity': 1000})

        with self.assertRaises(AccessError):
            self.call('keeper', write_chain)
        with self.assertRaises(AccessError):
            self.call('keeper', write_done_move)
        (login, payload), = self.entries('zt.ledger.chain.refused', 0)
        self.assertEqual((login, payload['error']), ('keeper', 'AccessError'))
        (login, payload), = self.entries('stock.move.refused', 0)
        self.assertEqual(login, 'keeper')
        self.assertTrue(payload['message'])

    def test_button_and_context(self):
        """A button refused to a group, and a refusal in a call whose
        context names no company: both recorded (the user's company)"""
        def cancel():
            Request = Pool().get('zt.issue.request')
            Request.cancel([Request(self.request)])

        def write_anchor():
            with Transaction().set_context(company=None):
                Anchor = Pool().get('zt.ledger.anchor')
                Anchor.write(Anchor.search([]), {'hash': 'x'})

        with self.assertRaises(AccessButtonError):
            self.call('keeper', cancel)
        with self.assertRaises(AccessError):
            self.call('keeper', write_anchor)
        self.assertEqual(
            [(who, p['error']) for who, p in self.entries(
                    'zt.issue.request.refused', 0) if who == 'keeper'],
            [('keeper', 'AccessButtonError')])
        (login, payload), = self.entries('zt.ledger.anchor.refused', 0)
        self.assertEqual((login, payload['error']), ('keeper', 'AccessError'))

    def test_ledger_write(self):
        "Root writing a ledger entry: refused and recorded; chains verify"
        with self.assertRaises(Exception):
            with Transaction().start(DB_NAME, 0, context=CONTEXT):
                Entry = Pool().get('zt.ledger.entry')
                entry, = Entry.search([], limit=1)
                Entry.write([entry], {'device': 'forged'})
        (login, payload), = self.entries('zt.ledger.entry.refused', entry.id)
        self.assertEqual((login, payload['error']),
            ('root', 'LedgerAppendOnlyError'))
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            _, _, problems = ledger_verify.verify(t.connection)
        self.assertEqual(problems, [])
