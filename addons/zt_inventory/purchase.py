# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Purchases: segregation of duties when a purchase is confirmed, and the
user who confirmed it (Tryton records only the employee, and root has
none)."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from . import sod_rules
from .refusal import recorded
from .sod import moving
from .workflow_fields import WorkflowFieldsMixin

# Set by the workflow methods alone, never by a caller from outside.
PURCHASE_WORKFLOW_FIELDS = {'confirmed_by_user'}


class Purchase(WorkflowFieldsMixin, metaclass=PoolMeta):
    __name__ = 'purchase.purchase'
    _rule_on_transition = False
    confirmed_by_user = fields.Many2One(
        'res.user', "Confirmed By User", readonly=True,
        help="The user who confirmed the purchase.")

    @classmethod
    def copy(cls, purchases, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('confirmed_by_user', None)
        return super().copy(purchases, default=default)

    @classmethod
    @recorded
    def check_modification(cls, mode, purchases, values=None,
            external=False):
        # Recorded: the mixin refuses confirmed_by_user from outside.
        super().check_modification(
            mode, purchases, values=values, external=external)

    @classmethod
    def _outside_workflow_fields(cls):
        # Tryton's own state is left to purchase's checks.
        return PURCHASE_WORKFLOW_FIELDS

    @classmethod
    def confirm(cls, purchases):
        """Check segregation of duties (duty 'purchase.confirm') for the
        purchases that move, then confirm and record the user."""
        Rule = Pool().get('zt.sod.rule')
        to_confirm = moving(cls, purchases, 'confirmed')
        Rule.check(to_confirm, sod_rules.CONFIRM_PURCHASE)
        result = super().confirm(purchases)
        with without_check_access():
            cls.write(to_confirm, {
                    'confirmed_by_user': Transaction().user,
                    })
        return result

    @classmethod
    def draft(cls, purchases):
        result = super().draft(purchases)
        with without_check_access():
            cls.write([p for p in cls.browse(purchases)
                    if p.state == 'draft' and p.confirmed_by_user], {
                    'confirmed_by_user': None,
                    })
        return result
