# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta

from .ledger import LedgerStateMixin

# A change of one of these on a move that is not draft is a ledger event.
MOVE_TRACKED_FIELDS = ['quantity', 'unit', 'product', 'lot', 'from_location',
    'to_location', 'unit_price', 'effective_date']


def _value(value):
    "Return a field value as the ledger records it: a record as its id."
    return value.id if hasattr(value, 'id') else value


def _location(location):
    return location.code or location.name if location else None


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['zt.issue.request.line']

    @classmethod
    def on_modification(cls, mode, moves, field_names=None):
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        super().on_modification(mode, moves, field_names=field_names)
        if mode == 'create':
            Entry.append([m._ledger_event('stock.move.created')
                    for m in moves])

    @classmethod
    def on_write(cls, moves, values):
        """Record in the ledger, after the write, each change of state
        ('stock.move.<state>': assigned, done, cancelled, draft...) and each
        change of a tracked field of a move that is not draft
        ('stock.move.changed'), with the old and new values.  Every path
        writes, so none escapes (workflow, assign_try, internal code)."""
        callbacks = super().on_write(moves, values)
        fields = [f for f in MOVE_TRACKED_FIELDS if f in values]
        if 'state' not in values and not fields:
            return callbacks
        olds = {m.id: {f: _value(getattr(m, f)) for f in fields + ['state']}
            for m in cls.browse([m.id for m in moves])}

        def record_changes():
            Entry = Pool().get('zt.ledger.entry')
            events = []
            for move in cls.browse(list(olds)):
                old = olds[move.id]
                changes = {f: [old[f], _value(getattr(move, f))]
                    for f in fields if old[f] != _value(getattr(move, f))}
                if move.state != old['state']:
                    event = 'stock.move.%s' % move.state
                    changes['state'] = [old['state'], move.state]
                elif changes and old['state'] != 'draft':
                    event = 'stock.move.changed'
                else:
                    continue
                events.append(move._ledger_event(event, changes))
            Entry.append(events)
        return callbacks + [record_changes]

    def _ledger_event(self, event, changes=None):
        "Return the ledger event (dict) ``event`` of the move."
        return {
            'company': self.company,
            'warehouse': self.warehouse,
            'event': event,
            'record': self,
            'payload': self._ledger_payload(changes),
            }

    def _ledger_payload(self, changes=None):
        """Return what the ledger records of the move (dict): product,
        quantity and unit, locations, lot, origin and shipment or
        production, state, and ``changes`` (field -> [old, new], records as
        ids) if any."""
        shipment = self.shipment or self.production_input \
            or self.production_output
        payload = {
            'product': self.product.code,
            'product_id': self.product.id,
            'quantity': self.quantity,
            'unit': self.unit.symbol,
            'unit_id': self.unit.id,
            'from_location': _location(self.from_location),
            'from_location_id': self.from_location.id,
            'to_location': _location(self.to_location),
            'to_location_id': self.to_location.id,
            'lot': self.lot.number if self.lot else None,
            'lot_id': self.lot.id if self.lot else None,
            'origin': str(self.origin) if self.origin else None,
            'shipment': str(shipment) if shipment else None,
            'shipment_reference': shipment.rec_name if shipment else None,
            'unit_price': self.unit_price,
            'effective_date': self.effective_date,
            'state': self.state,
            }
        if changes:
            payload['changes'] = changes
        return payload


class ShipmentIn(LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'


class ShipmentInReturn(LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.in.return'


class ShipmentOut(LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.out'


class ShipmentOutReturn(LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.out.return'


class ShipmentInternal(LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.internal'


class Inventory(LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.inventory'

    def _ledger_warehouse(self):
        return self.location.warehouse

    def _ledger_state_payload(self, old_state):
        payload = super()._ledger_state_payload(old_state)
        payload['moves'] = sorted(
            m.id for line in self.lines for m in line.moves)
        return payload
