# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta

from . import abc
from .exceptions import RuleValidationError


class Configuration(metaclass=PoolMeta):
    __name__ = 'zt.inventory.configuration'
    abc_share_a = fields.Numeric("Class A Share", digits=(5, 2),
        required=True,
        help="Percentage of the total consumption value held by class A "
        "products (e.g. 80).")
    abc_share_b = fields.Numeric("Class B Share", digits=(5, 2),
        required=True)
    abc_share_c = fields.Numeric("Class C Share", digits=(5, 2),
        required=True)
    abc_window = fields.Integer("ABC Window", required=True,
        help="In days: the consumption counted by the ABC classification.")

    @classmethod
    def default_abc_share_a(cls):
        return Decimal(80)

    @classmethod
    def default_abc_share_b(cls):
        return Decimal(15)

    @classmethod
    def default_abc_share_c(cls):
        return Decimal(5)

    @classmethod
    def default_abc_window(cls):
        return 365

    @classmethod
    def validate(cls, records):
        super().validate(records)
        for record in records:
            try:
                abc.abc_classes({}, (record.abc_share_a, record.abc_share_b,
                        record.abc_share_c))
            except ValueError as error:
                raise RuleValidationError(gettext(
                        'zt_rules.msg_abc_shares', error=str(error)))
            if (record.abc_window or 0) <= 0:
                raise RuleValidationError(gettext(
                        'zt_rules.msg_abc_window'))
