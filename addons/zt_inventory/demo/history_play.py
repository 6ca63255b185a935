# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plays the demo history's events (history.plan) through Tryton's own
workflows as the demo users: one transaction per day, stock dates in the
past (history.load calls :func:`play_day`)."""
from contextlib import contextmanager
from decimal import Decimal

from . import materials as M


def play_day(database, date, events, extras):
    """Play ``events`` of ``date`` in one transaction as admin, retried
    with the tables it must lock (``extras``, updated) as the dispatcher
    does; then run the queued tasks (the rules' events) as proteus does
    after a call."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    from trytond.worker import run_task
    while True:
        with Transaction().start(database, 0, **extras) as transaction:
            try:
                with as_admin(Pool()):
                    player = Player(Pool(), date)
                    for event in events:
                        getattr(player, event.kind)(event.data)
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            transaction.commit()
        break
    while transaction.tasks:
        run_task(database, transaction.tasks.pop())


@contextmanager
def as_admin(pool):
    """Act as the demo's admin (not root: every step has an employee) and
    accept purchase's warning that supplier moves have no origin, as
    data.py does."""
    from trytond.transaction import Transaction
    User = pool.get('res.user')
    admin, = User.search([('login', '=', 'admin')])
    transaction = Transaction()
    with transaction.set_user(admin.id):
        with transaction.set_context(
                User.get_preferences(context_only=True),
                _skip_warnings=True):
            yield


@contextmanager
def acting(login):
    """Act as demo user ``login`` with access checks, as over RPC (its
    preferences are the context)."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    User = Pool().get('res.user')
    user, = User.search([('login', '=', login)])
    transaction = Transaction()
    # Without the admin's context: its employee is not the user's.
    with transaction.set_user(user.id), transaction.reset_context():
        preferences = User.get_preferences(context_only=True)
        with transaction.set_context(preferences, _check_access=True,
                _skip_warnings=True):
            yield user


def run_wizard(name, records, state, data):
    "Run wizard ``name`` on ``records`` to ``state`` with form ``data``."
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Wizard = Pool().get(name, type='wizard')
    ids = [r.id for r in records]
    with Transaction().set_context(active_model=records[0].__name__,
            active_id=ids[0], active_ids=ids, _check_access=False):
        session_id, start, _ = Wizard.create()
        Wizard.execute(session_id, {}, start)
        Wizard.execute(session_id, data, state)
        Wizard.delete(session_id)


class Player:
    "Plays the events of one date with Tryton's models."

    def __init__(self, pool, date):
        self.pool = pool
        self.date = date
        Location = pool.get('stock.location')
        Product = pool.get('product.product')
        self.locations = {loc.code: loc for loc in Location.search(
                [('code', '!=', None)])}
        self.products = {p.code: p for p in Product.search([])}
        Company = pool.get('company.company')
        self.company, = Company.search([], limit=1)

    def receipt(self, data):
        """Receive ``data['lines']`` from the demo supplier into the
        warehouse, as the keeper of it (supervisor for WH2)."""
        pool = self.pool
        Shipment = pool.get('stock.shipment.in')
        Party = pool.get('party.party')
        Lot = pool.get('stock.lot')
        warehouse = self.locations[data['warehouse']]
        supplier, = Party.search([('name', 'like', '%Suzhou Huadian%')],
            limit=1)
        moves = []
        for code, quantity, unit_price in data['lines']:
            product = self.products[code]
            move = {
                'product': product.id, 'unit': product.default_uom.id,
                'quantity': quantity,
                'from_location': self.locations['SUP'].id,
                'to_location': warehouse.input_location.id,
                'unit_price': Decimal(unit_price),
                'currency': self.company.currency.id,
                'company': self.company.id, 'planned_date': self.date,
                }
            if M.MATERIAL[code].lot:
                lot, = Lot.create([{'product': product.id,
                            'number': 'H%s-%s' % (
                                self.date.strftime('%y%m%d'), code[-4:])}])
                move['lot'] = lot.id
            moves.append(move)
        # Prices are the purchaser's (role matrix): the administrator enters
        # the receipt, as data.py does; the warehouse's keeper receives it.
        shipment, = Shipment.create([{
                    'supplier': supplier.id,
                    'company': self.company.id,
                    'warehouse': warehouse.id,
                    'warehouse_input': warehouse.input_location.id,
                    'warehouse_storage': warehouse.storage_location.id,
                    'reference': 'PO-H%s' % self.date.strftime('%y%m%d'),
                    'planned_date': self.date,
                    'effective_date': self.date,
                    'incoming_moves': [('create', moves)],
                    }])
        login = 'keeper' if data['warehouse'] == 'WH' else 'supervisor'
        with acting(login):
            Shipment.receive([shipment])
            Shipment.do([shipment])

    def production(self, data):
        """Plan a production of ``data['product']``, request its bill of
        materials as staff, approve as manager (and finance director when
        asked), issue it as the keeper with scans, then run and finish
        it, all on the date."""
        pool = self.pool
        Production = pool.get('production')
        Request = pool.get('zt.issue.request')
        Move = pool.get('stock.move')
        product = self.products[data['product']]
        warehouse = self.locations['WH']
        bom = product.boms[0].bom
        production, = Production.create([{
                    'product': product.id, 'bom': bom.id,
                    'unit': product.default_uom.id,
                    'quantity': data['quantity'], 'company': self.company.id,
                    'warehouse': warehouse.id,
                    'location': warehouse.production_location.id,
                    'planned_date': self.date,
                    'planned_start_date': self.date,
                    }])
        Production.set_moves([production])
        Production.wait([production])
        # The issue reuses the planned input moves: dated now, their
        # done keeps the date (Move.do sets only a missing one).
        Move.write(list(production.inputs), {'effective_date': self.date})
        with acting('staff') as staff:
            request, = Request.create([{'production': production.id,
                        'from_location': warehouse.storage_location.id,
                        'lines': [('create', [{
                                        'product': m.product.id,
                                        'quantity': m.quantity,
                                        'unit': m.unit.id,
                                        } for m in production.inputs])]}])
            Request.wait([request])
        badge = staff.employee.badge_code
        for login in ['manager', 'cfo']:
            if Request(request.id).state != 'waiting':
                break
            with acting(login):
                run_wizard('zt.issue.request.decide', [request], 'approve',
                    {'start': {'comment': "per BOM"}})
        request = Request(request.id)
        scans = ['%d*%s' % (line.quantity,
                line.product.identifiers[0].code) for line in request.lines]
        with acting('keeper'):
            run_wizard('zt.issue.request.issue', [request], 'issue',
                {'start': {'scans': '\n'.join(scans + [badge])}})
        production = Production(production.id)
        Production.write([production], {
                'effective_start_date': self.date,
                'effective_date': self.date})
        Production.assign_try([production])
        Production.run([production])
        Production.do([production])

    def transfer(self, data):
        """Transfer ``data['lines']`` between the storages of two
        warehouses: planned by the administrator, approved by the manager,
        packed, shipped and done on the date."""
        Shipment = self.pool.get('stock.shipment.internal')
        from_ = self.locations[data['from']].storage_location
        to = self.locations[data['to']].storage_location
        # The administrator plans it (the stock between the warehouses is
        # in the transit location, which keepers do not see); the manager
        # approves; it leaves and arrives on the date.
        shipment, = Shipment.create([{
                    'company': self.company.id,
                    'from_location': from_.id, 'to_location': to.id,
                    'planned_date': self.date,
                    'planned_start_date': self.date,
                    'moves': [('create', [{
                                    'product': self.products[c].id,
                                    'unit': self.products[c].default_uom.id,
                                    'quantity': q,
                                    'from_location': from_.id,
                                    'to_location': to.id,
                                    'company': self.company.id,
                                    'planned_date': self.date,
                                    } for c, q in data['lines']])]}])
        Shipment.wait([shipment])
        Shipment.assign_try([shipment])
        if Shipment(shipment.id).state != 'assigned':
            raise RuntimeError("transfer of %s not available" % data)
        with acting('manager'):
            Shipment.approve([shipment])
        Shipment.write([shipment], {
                'effective_start_date': self.date,
                'effective_date': self.date})
        shipment = Shipment(shipment.id)
        if shipment.transit_location:
            # Through the transit location: assigned -> packed -> shipped
            # (the outgoing moves are done) -> done (the incoming moves).
            # Workflow.transition skips a call from another state, so
            # ship from assigned would do nothing.
            Shipment.pack([shipment])
            Shipment.ship([Shipment(shipment.id)])
        Shipment.do([Shipment(shipment.id)])
        shipment = Shipment(shipment.id)
        if shipment.state != 'done' or any(
                m.state != 'done' for m in shipment.moves):
            raise RuntimeError("transfer of %s not done" % data)

    def count(self, data):
        """Count the storage of the warehouse on the date as the keeper:
        the expected quantity plus each line's difference; confirmed by the
        supervisor."""
        Inventory = self.pool.get('stock.inventory')
        storage = self.locations[data['warehouse']].storage_location
        differences = {self.products[c].id: d for c, d in data['lines']}
        with acting('keeper'):
            inventory, = Inventory.create([{
                        'location': storage.id, 'date': self.date,
                        'company': self.company.id,
                        'lines': [('create', [{'product': p}
                                    for p in differences])]}])
            inventory = Inventory(inventory.id)
            Inventory.write([inventory], {'lines': [('write', [line.id], {
                                'quantity': line.expected_quantity
                                + differences[line.product.id]})
                        for line in inventory.lines]})
        with acting('supervisor'):
            Inventory.confirm([Inventory(inventory.id)])
