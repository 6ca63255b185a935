# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('zt.ledger.anchor|anchor_heads', "Anchor Ledger Heads"))
        cls.method.selection.append(
            ('zt.emergency.access|expire_accesses',
                "Expire Emergency Access"))
