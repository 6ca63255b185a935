# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Warehouses assigned to a user: warehouse keepers act only in them.

The record rules of ``warehouse.xml`` read ``warehouses`` from the rule
context (the ids of the user's assigned warehouses), the way Tryton's company
rules read ``companies``."""
from trytond.cache import Cache
from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


class UserWarehouse(ModelSQL):
    "User - Assigned Warehouse"
    __name__ = 'res.user-stock.location'

    user = fields.Many2One(
        'res.user', "User", ondelete='CASCADE', required=True)
    warehouse = fields.Many2One(
        'stock.location', "Warehouse", ondelete='CASCADE', required=True,
        domain=[('type', '=', 'warehouse')])

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        Pool().get('res.user')._get_warehouses_cache.clear()


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    warehouses = fields.Many2Many(
        'res.user-stock.location', 'user', 'warehouse', "Warehouses",
        domain=[('type', '=', 'warehouse')],
        help="The warehouses where the user may act as warehouse keeper.")
    _get_warehouses_cache = Cache(
        __name__ + '.get_warehouses', context=False)

    @classmethod
    def get_warehouses(cls):
        """Return the ids (tuple of int, sorted) of the warehouses assigned
        to the current user."""
        user_id = Transaction().user
        warehouses = cls._get_warehouses_cache.get(user_id)
        if warehouses is None:
            UserWarehouse = Pool().get('res.user-stock.location')
            with without_check_access():
                links = UserWarehouse.search([('user', '=', user_id)])
                warehouses = tuple(
                    sorted({link.warehouse.id for link in links}))
            cls._get_warehouses_cache.set(user_id, warehouses)
        return warehouses

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        if mode == 'write':
            cls._get_warehouses_cache.clear()


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_cache_key(cls, model_names):
        User = Pool().get('res.user')
        key = super()._get_cache_key(model_names)
        return (*key, User.get_warehouses())

    @classmethod
    def _get_context(cls, model_name):
        User = Pool().get('res.user')
        context = super()._get_context(model_name)
        context['warehouses'] = list(User.get_warehouses())
        return context
