# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The chain of custody in the web client: what a ledger entry of a stock
move says (product, lot, quantity, locations, origin), read from and
searched in its hashed payload.

The fields are not stored columns on purpose: a column could be changed
behind the ORM's back without breaking a hash, and an entry would then hide
from a product's trace.  Searching matches the canonical JSON of the
payload (keys sorted, no spaces: ``"product_id":12,``), so it finds exactly
what the hashes protect."""
import json

from trytond.model import fields
from trytond.pool import Pool, PoolMeta

# Function field -> (payload key, target model).
ID_FIELDS = {
    'product': ('product_id', 'product.product'),
    'lot': ('lot_id', 'stock.lot'),
    'from_location': ('from_location_id', 'stock.location'),
    'to_location': ('to_location_id', 'stock.location'),
    }
VALUE_FIELDS = {
    'quantity': 'quantity',
    'unit': 'unit',
    'origin': 'origin',
    'shipment_reference': 'shipment_reference',
    }


def payload_pattern(key, value):
    """Return the SQL LIKE pattern (str, escape character backslash) that
    matches the canonical payload holding ``key`` with the integer ``value``
    or null (``value`` None).  The key is followed by another key in every
    move payload, so the value ends at a comma."""
    key = key.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
    return '%%"%s":%s,%%' % (key, 'null' if value is None else int(value))


class LedgerEntry(metaclass=PoolMeta):
    __name__ = 'zt.ledger.entry'
    product = fields.Function(fields.Many2One(
            'product.product', "Product"),
        'get_custody', searcher='search_custody_id')
    lot = fields.Function(fields.Many2One('stock.lot', "Lot"),
        'get_custody', searcher='search_custody_id')
    quantity = fields.Function(fields.Float("Quantity"), 'get_custody')
    unit = fields.Function(fields.Char("Unit"), 'get_custody')
    from_location = fields.Function(fields.Many2One(
            'stock.location', "From Location"),
        'get_custody', searcher='search_custody_id')
    to_location = fields.Function(fields.Many2One(
            'stock.location', "To Location"),
        'get_custody', searcher='search_custody_id')
    origin = fields.Function(fields.Char("Origin"), 'get_custody')
    shipment_reference = fields.Function(fields.Char("Document"),
        'get_custody')

    @classmethod
    def get_custody(cls, entries, names):
        """Return {name: {entry id: value}} read from each entry's payload:
        ids for the Many2One fields, the quantity (float, in the move's
        unit) and texts; None when the payload does not hold it (an entry
        that is not about a stock move)."""
        result = {n: {} for n in names}
        for entry in entries:
            try:
                payload = json.loads(entry.payload or '{}')
            except ValueError:
                payload = {}
            for name in names:
                key = (ID_FIELDS[name][0] if name in ID_FIELDS
                    else VALUE_FIELDS[name])
                value = payload.get(key)
                if name == 'quantity' and value is not None:
                    value = float(value)
                result[name][entry.id] = value
        return result

    @classmethod
    def search_custody_id(cls, name, clause):
        """Return the domain of the entries whose payload holds the record
        ``clause`` selects for ``name`` (product, lot or location): ids
        directly for '=' and 'in', otherwise the records found by searching
        the target model (its own access rules apply)."""
        key, model = ID_FIELDS[name]
        _, operator, value = clause[:3]
        nested = clause[0][len(name) + 1:]
        if not nested and operator in {'=', 'in', '!=', 'not in'}:
            values = value if operator.endswith('in') else [value]
            if all(v is None or isinstance(v, int) for v in values):
                if operator in {'!=', 'not in'}:
                    return [('payload', 'not like', payload_pattern(key, v))
                        for v in values]
                return ['OR'] + [('payload', 'like', payload_pattern(key, v))
                    for v in values] + [('id', '=', -1)]
        Target = Pool().get(model)
        if nested:
            domain = [(nested,) + tuple(clause[1:])]
        else:
            domain = [('rec_name',) + tuple(clause[1:])]
        ids = [r.id for r in Target.search(domain, order=[])]
        return ['OR'] + [('payload', 'like', payload_pattern(key, i))
            for i in ids] + [('id', '=', -1)]
