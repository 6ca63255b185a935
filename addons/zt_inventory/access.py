# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Tryton's access checks, watched so that their refusals reach the ledger
(see refusal.watch)."""
from trytond.model.exceptions import AccessError
from trytond.pool import PoolMeta
from trytond.transaction import Transaction

from .refusal import watch


class ModelAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.access'

    @classmethod
    def check(cls, model_name, mode='read', raise_exception=True):
        if Transaction().check_access:
            watch(model_name)
        try:
            return super().check(
                model_name, mode=mode, raise_exception=raise_exception)
        except AccessError as error:
            error._zt_model = model_name
            raise


class ModelFieldAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.field.access'

    @classmethod
    def check(cls, model_name, fields, mode='read', raise_exception=True):
        if Transaction().check_access:
            watch(model_name)
        try:
            return super().check(model_name, fields, mode=mode,
                raise_exception=raise_exception)
        except AccessError as error:
            error._zt_model = model_name
            raise
