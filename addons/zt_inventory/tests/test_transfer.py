# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Transfers (internal shipments) are approved by a department manager
before their stock leaves; the creator may not approve (transfer.py)."""
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.zt_inventory.exceptions import (
    ApprovalRequiredError, SegregationOfDutiesError, TransferStateError,
    WorkflowFieldError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .test_nested_access import add_receipts
from .tools import DBTestCase, World, acting, savepoint


class TransferTestCase(DBTestCase):
    "Approval of transfers"

    def transfer(self, w, user, assign=True):
        """A transfer of 2 screws to a shelf by ``user``, waiting (and
        assigned if ``assign``)."""
        pool = Pool()
        Location = pool.get('stock.location')
        Shipment = pool.get('stock.shipment.internal')
        w.receive({w.mat_b: 10})
        shelf, = Location.create([{
                    'name': "Shelf", 'code': 'SHELF', 'type': 'storage',
                    'parent': w.storage.id}])
        with acting(user):
            shipment, = Shipment.create([{
                        'company': w.company.id,
                        'from_location': w.storage.id,
                        'to_location': shelf.id,
                        'moves': [('create', [{
                                        'product': w.mat_b.id,
                                        'unit': w.unit.id,
                                        'quantity': 2,
                                        'from_location': w.storage.id,
                                        'to_location': shelf.id,
                                        'company': w.company.id,
                                        }])],
                        }])
            Shipment.wait([shipment])
            if assign:
                Shipment.assign_try([shipment])
        return Shipment(shipment.id)

    @with_transaction()
    def test_approved_before_done(self):
        "Not done before approval; approved by the manager, then done"
        Shipment = Pool().get('stock.shipment.internal')
        w = World.build()
        shipment = self.transfer(w, w.keeper)
        self.assertEqual(shipment.state, 'assigned')
        with self.assertRaises(ApprovalRequiredError) as cm, savepoint():
            with acting(w.keeper):
                Shipment.do([shipment])
        self.assertIn(shipment.rec_name, cm.exception.message)
        self.assertEqual(Shipment(shipment.id).state, 'assigned')
        with acting(w.manager):
            Shipment.approve([shipment])
        shipment = Shipment(shipment.id)
        self.assertEqual(shipment.approved_by, w.manager_employee)
        self.assertTrue(shipment.approved_at)
        with acting(w.keeper):
            Shipment.do([shipment])
        self.assertEqual(Shipment(shipment.id).state, 'done')

    @with_transaction()
    def test_creator_may_not_approve(self):
        "The creator of a transfer may not approve it, even as a manager"
        Shipment = Pool().get('stock.shipment.internal')
        w = World.build()
        shipment = self.transfer(w, w.lead)  # keeper and manager
        with self.assertRaises(SegregationOfDutiesError) as cm, savepoint():
            with acting(w.lead):
                Shipment.approve([shipment])
        self.assertIn("Transfer creator may not approve it",
            cm.exception.message)
        self.assertIsNone(Shipment(shipment.id).approved_by)

    @with_transaction()
    def test_only_managers_approve(self):
        "A keeper may not click Approve"
        Shipment = Pool().get('stock.shipment.internal')
        w = World.build()
        shipment = self.transfer(w, w.keeper)
        with self.assertRaises(AccessButtonError), savepoint():
            with acting(w.keeper2):
                Shipment.approve([shipment])
        self.assertIsNone(Shipment(shipment.id).approved_by)

    @with_transaction()
    def test_approval_not_forged(self):
        "The approval fields are set by the Approve button only"
        Shipment = Pool().get('stock.shipment.internal')
        w = World.build()
        shipment = self.transfer(w, w.keeper)
        with self.assertRaises(WorkflowFieldError), savepoint():
            with acting(w.keeper):
                Shipment.write([shipment],
                    {'approved_by': w.manager_employee.id})
        self.assertIsNone(Shipment(shipment.id).approved_by)

    @with_transaction()
    def test_draft_clears_approval(self):
        "Back to draft, a transfer must be approved again; once only"
        Shipment = Pool().get('stock.shipment.internal')
        w = World.build()
        shipment = self.transfer(w, w.keeper)
        with acting(w.manager):
            Shipment.approve([shipment])
        # As root: no button check, the method's own check refuses.
        with self.assertRaises(TransferStateError), savepoint():
            Shipment.approve([Shipment(shipment.id)])
        Shipment.draft([Shipment(shipment.id)])  # not from assigned
        self.assertTrue(Shipment(shipment.id).approved_by)
        Shipment.wait([Shipment(shipment.id)])  # unassigned
        Shipment.draft([Shipment(shipment.id)])
        shipment = Shipment(shipment.id)
        self.assertIsNone(shipment.approved_by)
        self.assertIsNone(shipment.approved_at)
        with self.assertRaises(TransferStateError), savepoint():
            Shipment.approve([shipment])

    @with_transaction()
    def test_changed_after_approval(self):
        "A transfer changed after approval is approved again"
        pool = Pool()
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.internal')
        w = World.build()
        shipment = self.transfer(w, w.keeper, assign=False)
        with acting(w.manager):
            Shipment.approve([shipment])
        move, = Shipment(shipment.id).moves
        with acting(w.keeper):
            Move.write([Move(move.id)], {'quantity': 5})
            Shipment.assign_try([Shipment(shipment.id)])
        with self.assertRaises(ApprovalRequiredError) as cm, savepoint():
            with acting(w.keeper):
                Shipment.do([Shipment(shipment.id)])
        self.assertIn("changed since", cm.exception.message)
        with acting(w.manager):
            Shipment.approve([Shipment(shipment.id)])
        with acting(w.keeper):
            Shipment.do([Shipment(shipment.id)])
        self.assertEqual(Shipment(shipment.id).state, 'done')

    @with_transaction()
    def test_workflow_fields_on_create(self):
        """No caller from outside creates an approved or non-draft
        document, nor an approved emergency access"""
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        Shipment = pool.get('stock.shipment.internal')
        w = World.build()
        values = {'company': w.company.id, 'from_location': w.storage.id,
            'to_location': w.storage.id}
        for extra in [{'approved_by': w.manager_employee.id},
                {'state': 'waiting'}]:
            with self.subTest(extra=extra):
                with self.assertRaises(WorkflowFieldError), savepoint():
                    with acting(w.keeper):
                        Shipment.create([dict(values, **extra)])
        with self.assertRaises(WorkflowFieldError), savepoint():
            with acting(w.keeper):
                Inventory.create([{'company': w.company.id,
                            'location': w.storage.id, 'state': 'done'}])
        Access = pool.get('zt.emergency.access')
        ModelData = pool.get('ir.model.data')
        keeper_group = ModelData.get_id(
            'zt_inventory', 'group_warehouse_keeper')
        for extra in [{'state': 'approved'},
                {'expires_at': dt.datetime(2030, 1, 1)}]:
            with self.subTest(extra=extra):
                with self.assertRaises(WorkflowFieldError), savepoint():
                    with acting(w.requester):
                        Access.create([dict({'user': w.requester.id,
                                        'group': keeper_group,
                                        'justification': "Night shift, "
                                        "the keeper is ill today."},
                                    **extra)])
        self.assertEqual(Access.search([]), [])
        self.assertEqual(Shipment.search([]), [])
        self.assertEqual(Inventory.search([]), [])
        with acting(w.keeper):
            shipment, = Shipment.create([values])
        self.assertEqual(shipment.state, 'draft')

    @with_transaction()
    def test_no_state_written_from_outside(self):
        "Writing a state, draft included, is refused: the buttons reset"
        Shipment = Pool().get('stock.shipment.internal')
        w = World.build()
        shipment = self.transfer(w, w.keeper)
        for state in ['draft', 'done']:
            with self.subTest(state=state):
                with self.assertRaises(WorkflowFieldError), savepoint():
                    with acting(w.keeper):
                        Shipment.write([shipment], {'state': state})
        self.assertEqual(Shipment(shipment.id).state, 'assigned')

    @with_transaction()
    def test_nested_move_state_refused(self):
        "A move's state is not set through a transfer's moves"
        Shipment = Pool().get('stock.shipment.internal')
        w = World.build()
        shipment = self.transfer(w, w.keeper, assign=False)
        move, = shipment.moves
        for field in ['moves', 'outgoing_moves']:
            with self.subTest(field=field):
                with self.assertRaises(WorkflowFieldError), savepoint():
                    with acting(w.keeper):
                        Shipment.write([shipment], {field: [
                                    ('write', [move.id], {'state': 'done'})]})
        self.assertEqual(Shipment(shipment.id).moves[0].state, 'draft')

    @with_transaction()
    def test_button_on_other_warehouse_refused(self):
        """A keeper who reads every warehouse by another role still acts
        (buttons) only in their own"""
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        w = World.build()
        add_receipts(w)
        inventory, = Inventory.create([{'company': w.company.id,
                    'location': w.wh2.storage_location.id}])
        # lead: keeper of WH and department manager (reads all warehouses)
        with acting(w.lead):
            self.assertEqual(
                Inventory.search([('id', '=', inventory.id)]), [inventory])
            with self.assertRaises(AccessError), savepoint():
                Inventory.confirm([inventory])
        self.assertEqual(Inventory(inventory.id).state, 'draft')

    @with_transaction()
    def test_transit_shipped_before_done(self):
        """A transfer to another warehouse goes through the transit
        location: approved and assigned, it may not be done before it is
        shipped (Tryton would do only the incoming moves: the 2 screws
        would arrive in B while still counted in A); packed, shipped, then
        done, every move is done."""
        pool = Pool()
        Location = pool.get('stock.location')
        Shipment = pool.get('stock.shipment.internal')
        w = World.build()
        w.receive({w.mat_b: 10})
        storage_b, = Location.create([
                {'name': "B Storage", 'code': 'STO-B', 'type': 'storage'}])
        Location.create([{
                    'name': "Warehouse B", 'code': 'WHB',
                    'type': 'warehouse',
                    'input_location': storage_b.id,
                    'output_location': storage_b.id,
                    'storage_location': storage_b.id,
                    'production_location': w.production_location.id,
                    }])
        shipment, = Shipment.create([{
                    'company': w.company.id,
                    'from_location': w.storage.id,
                    'to_location': storage_b.id,
                    'moves': [('create', [{
                                    'product': w.mat_b.id,
                                    'unit': w.unit.id,
                                    'quantity': 2,
                                    'from_location': w.storage.id,
                                    'to_location': storage_b.id,
                                    'company': w.company.id,
                                    }])],
                    }])
        Shipment.wait([shipment])
        Shipment.assign_try([shipment])
        with acting(w.manager):
            Shipment.approve([shipment])
        shipment = Shipment(shipment.id)
        self.assertTrue(shipment.transit_location)
        self.assertEqual(shipment.state, 'assigned')
        with self.assertRaises(TransferStateError) as cm, savepoint():
            Shipment.do([shipment])
        self.assertIn("ship it before it is done", cm.exception.message)
        self.assertEqual(Shipment(shipment.id).state, 'assigned')
        Shipment.pack([shipment])
        Shipment.ship([Shipment(shipment.id)])
        Shipment.do([Shipment(shipment.id)])
        shipment = Shipment(shipment.id)
        self.assertEqual(shipment.state, 'done')
        self.assertEqual({m.state for m in shipment.moves}, {'done'})
