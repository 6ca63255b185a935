# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Location(metaclass=PoolMeta):
    __name__ = 'stock.location'

    zt_unsigned_scans = fields.Boolean("Accept Unsigned Scans",
        states={'invisible': Eval('type') != 'warehouse'},
        help="Accept keyboard-wedge scans typed into the client (the issue "
        "wizard, the PDA page), marked unsigned.  Without it, only signed "
        "scans from registered devices are accepted in this warehouse.")

    @classmethod
    def default_zt_unsigned_scans(cls):
        return False
