# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.cache import Cache
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .ledger import LedgerStateMixin
from .workflow_fields import WorkflowFieldsMixin

# A change of one of these on a move that is not draft is a ledger event.
MOVE_TRACKED_FIELDS = ['quantity', 'unit', 'product', 'lot', 'from_location',
    'to_location', 'unit_price', 'effective_date']


def _value(value):
    "Return a field value as the ledger records it: a record as its id."
    return value.id if hasattr(value, 'id') else value


# What a ledger payload of a stock move reads (one read per batch).
# (Locations and units come from caches: see Location.ledger_location.)
PAYLOAD_FIELDS = ['company', 'product', 'product.code', 'quantity',
    'internal_quantity', 'unit',
    'from_location', 'to_location', 'lot', 'lot.number', 'origin', 'shipment',
    'shipment.rec_name', 'production_input', 'production_input.rec_name',
    'production_output', 'production_output.rec_name', 'unit_price',
    'effective_date', 'state']


class LedgerCacheMixin:
    """A ``_ledger_cache`` (Tryton ``Cache``, set by each class) of what the
    ledger records of the records of a model, cleared whenever one of them
    changes."""
    __slots__ = ()

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls._ledger_cache.clear()

    @classmethod
    def _ledger_cached(cls, id_, compute):
        """Return the cached value of the record ``id_`` in the context's
        language, ``compute(record)`` when missing."""
        key = (id_, Transaction().language)
        value = cls._ledger_cache.get(key)
        if value is None:
            value = compute(cls(id_))
            cls._ledger_cache.set(key, value)
        return value


class Location(LedgerCacheMixin, metaclass=PoolMeta):
    __name__ = 'stock.location'
    _ledger_cache = Cache('zt_inventory.location_ledger', context=False)

    @classmethod
    def ledger_location(cls, location):
        """Return (label, warehouse id or None) of the location id
        ``location`` as the ledger records it: its code, or its name in the
        context's language.  Cached until a location changes: the warehouse
        is a search up the tree that every stock move event would repeat."""
        def compute(record):
            warehouse = record.warehouse
            return (record.code or record.name,
                warehouse.id if warehouse else None)
        return tuple(cls._ledger_cached(location, compute))


class Uom(LedgerCacheMixin, metaclass=PoolMeta):
    __name__ = 'product.uom'
    _ledger_cache = Cache('zt_inventory.uom_ledger', context=False)

    @classmethod
    def ledger_symbol(cls, uom):
        "Return the symbol (str) of the unit id ``uom``, cached."
        return cls._ledger_cached(uom, lambda record: record.symbol)


class Move(WorkflowFieldsMixin, metaclass=PoolMeta):
    __name__ = 'stock.move'
    # A move's rule may not hold on both sides (a transfer's transit
    # moves): its document's transition is checked instead.
    _rule_on_transition = False

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['zt.issue.request.line']

    @classmethod
    def on_modification(cls, mode, moves, field_names=None):
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        super().on_modification(mode, moves, field_names=field_names)
        if mode == 'create':
            Entry.append(cls._ledger_events(
                    [(m, 'stock.move.created', None) for m in moves]))

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
            items = []
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
                items.append((move, event, changes))
            Entry.append(cls._ledger_events(items))
        return callbacks + [record_changes]

    @classmethod
    def _ledger_events(cls, items):
        """Return the ledger events (list of dicts, see
        zt.ledger.entry.append) of ``items``: list of (move, event name,
        changes or None).  One read of the fields the payloads need."""
        if not items:
            return []
        with without_check_access():
            rows = {r['id']: r for r in cls.read(
                    list({m.id for m, _, _ in items}), PAYLOAD_FIELDS)}
        return [{
                'company': rows[move.id]['company'],
                'warehouse': cls._ledger_warehouse_of(rows[move.id], move),
                'event': event,
                'record': move,
                'payload': cls._ledger_payload(rows[move.id], changes),
                } for move, event, changes in items]

    @classmethod
    def _ledger_warehouse_of(cls, row, move):
        """Return the warehouse (id or None) of the chain of a move:
        Move.warehouse, with the location's warehouse cached."""
        Location = Pool().get('stock.location')
        _, warehouse = Location.ledger_location(row['from_location'])
        if warehouse:
            return warehouse
        warehouse = move.warehouse
        return warehouse.id if warehouse else None

    @classmethod
    def _ledger_payload(cls, row, changes=None):
        """Return what the ledger records of a move (dict) from its ``row``
        (read of PAYLOAD_FIELDS): product, quantity and unit (and in the
        product's default unit: internal_quantity), locations,
        lot, origin and shipment or production, state, and ``changes``
        (field -> [old, new], records as ids) if any."""
        if row['shipment']:
            shipment = row['shipment'], row['shipment.']
        elif row['production_input'] or row['production_output']:
            key = ('production_input' if row['production_input']
                else 'production_output')
            shipment = 'production,%s' % row[key], row[key + '.']
        else:
            shipment = None, None
        pool = Pool()
        Location = pool.get('stock.location')
        Uom = pool.get('product.uom')
        lot = row['lot.'] or {}
        payload = {
            'product': row['product.']['code'],
            'product_id': row['product'],
            'quantity': row['quantity'],
            'internal_quantity': row['internal_quantity'],
            'unit': Uom.ledger_symbol(row['unit']),
            'unit_id': row['unit'],
            'from_location': Location.ledger_location(
                row['from_location'])[0],
            'from_location_id': row['from_location'],
            'to_location': Location.ledger_location(
                row['to_location'])[0],
            'to_location_id': row['to_location'],
            'lot': lot.get('number'),
            'lot_id': row['lot'],
            'origin': row['origin'] or None,
            'shipment': shipment[0],
            'shipment_reference': (shipment[1] or {}).get('rec_name'),
            'unit_price': row['unit_price'],
            'effective_date': row['effective_date'],
            'state': row['state'],
            }
        if changes:
            payload['changes'] = changes
        return payload


class ShipmentIn(
        WorkflowFieldsMixin, LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'


class ShipmentInReturn(
        WorkflowFieldsMixin, LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.in.return'


class ShipmentOut(
        WorkflowFieldsMixin, LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.out'


class ShipmentOutReturn(
        WorkflowFieldsMixin, LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.out.return'


class ShipmentInternal(
        WorkflowFieldsMixin, LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.internal'


class Inventory(
        WorkflowFieldsMixin, LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'stock.inventory'

    def _ledger_warehouse(self):
        return self.location.warehouse

    def _ledger_state_payload(self, old_state):
        payload = super()._ledger_state_payload(old_state)
        payload['moves'] = sorted(
            m.id for line in self.lines for m in line.moves)
        return payload
