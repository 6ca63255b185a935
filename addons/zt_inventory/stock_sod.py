# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Segregation of duties on Tryton's stock documents: confirming a count
and receiving a supplier shipment are checked against the rules
(zt.sod.rule) for every caller, before Tryton's method runs."""
from trytond.pool import Pool, PoolMeta

from . import sod_rules
from .sod import moving


class Inventory(metaclass=PoolMeta):
    __name__ = 'stock.inventory'

    @classmethod
    def confirm(cls, inventories):
        "Check duty 'inventory.confirm' for the counts that move to done."
        Rule = Pool().get('zt.sod.rule')
        Rule.check(moving(cls, inventories, 'done'), sod_rules.CONFIRM_COUNT)
        return super().confirm(inventories)


class ShipmentIn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'

    @classmethod
    def receive(cls, shipments):
        "Check duty 'shipment_in.receive' for the shipments received."
        Rule = Pool().get('zt.sod.rule')
        Rule.check(moving(cls, shipments, 'received'), sod_rules.RECEIVE)
        return super().receive(shipments)

    @classmethod
    def do(cls, shipments):
        "Check duty 'shipment_in.receive' for the shipments done."
        Rule = Pool().get('zt.sod.rule')
        Rule.check(moving(cls, shipments, 'done'), sod_rules.RECEIVE)
        return super().do(shipments)
