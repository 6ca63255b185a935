# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The documents whose lines a caller writes through them: their nested
actions are checked as direct calls (nested_access.py)."""
from trytond.pool import PoolMeta

from .nested_access import NestedAccessMixin


class ShipmentIn(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'


class ShipmentInReturn(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.in.return'


class ShipmentOut(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.out'


class ShipmentOutReturn(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.out.return'


class ShipmentInternal(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'stock.shipment.internal'


class Inventory(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'stock.inventory'


class Production(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'production'


class Purchase(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'purchase.purchase'


class IssueRequest(NestedAccessMixin, metaclass=PoolMeta):
    __name__ = 'zt.issue.request'
