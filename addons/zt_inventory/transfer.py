# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Approval of transfers (internal shipments) by the department manager.

The seed's role table gives the department manager "approve" on transfers:
a transfer is approved before its stock leaves (``ship`` or ``do``).  The
approver may not be the person who created the transfer (segregation of
duties, a zt.sod.rule of sod.xml).  Refusals are recorded in the ledger
(see refusal.py)."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval

from . import sod_rules
from .company import get_actor
from .exceptions import ApprovalRequiredError, TransferStateError
from .refusal import recorded
from .trace import utc_now
from .workflow_fields import check_workflow_fields

# Set by the approve button only.
APPROVAL_FIELDS = {'approved_by', 'approved_at'}
APPROVABLE_STATES = ['waiting', 'assigned', 'packed']


class ShipmentInternal(metaclass=PoolMeta):
    __name__ = 'stock.shipment.internal'

    approved_by = fields.Many2One(
        'company.employee', "Approved By", readonly=True,
        help="The department manager who approved the transfer.")
    approved_at = fields.DateTime(
        "Approved At", readonly=True, help="In UTC.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'approve': {
                    'invisible': (~Eval('state').in_(APPROVABLE_STATES)
                        | Bool(Eval('approved_by'))),
                    'depends': ['state', 'approved_by'],
                    },
                })

    @classmethod
    def copy(cls, shipments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('approved_by')
        default.setdefault('approved_at')
        return super().copy(shipments, default=default)

    @classmethod
    def check_modification(cls, mode, shipments, values=None,
            external=False):
        super().check_modification(
            mode, shipments, values=values, external=external)
        if mode in {'create', 'write'} and values and external:
            check_workflow_fields(cls, values, APPROVAL_FIELDS)

    @classmethod
    @ModelView.button
    @recorded
    def approve(cls, shipments):
        """Approve ``shipments`` as the current user's employee (UTC time).

        Raises :class:`ActorError` for a user without an employee of the
        shipment's company (root included) and
        :class:`SegregationOfDutiesError` under a segregation-of-duties
        rule (shipped: the creator of a transfer may not approve it)."""
        Rule = Pool().get('zt.sod.rule')
        now = utc_now()
        for shipment in shipments:
            if (shipment.state not in APPROVABLE_STATES
                    or shipment.approved_by):
                raise TransferStateError(gettext(
                        'zt_inventory.msg_transfer_approve_state',
                        shipment=shipment.rec_name))
            user, employee = get_actor(shipment.company)
            # Rule "transfer creator may not approve it" (zt.sod.rule).
            Rule.check([shipment], sod_rules.APPROVE_TRANSFER,
                employee=employee, user=user)
            cls.write([shipment], {
                    'approved_by': employee.id,
                    'approved_at': now,
                    })

    @classmethod
    @recorded
    def check_approved(cls, shipments):
        """Raise :class:`ApprovalRequiredError` unless every shipment of
        ``shipments`` is approved."""
        for shipment in shipments:
            if not shipment.approved_by:
                raise ApprovalRequiredError(gettext(
                        'zt_inventory.msg_transfer_not_approved',
                        shipment=shipment.rec_name))

    @classmethod
    def draft(cls, shipments):
        super().draft(shipments)
        # A transfer sent back to draft may change: approve it again.
        # (Workflow.transition skipped those that could not go to draft.)
        shipments = cls.browse([s.id for s in shipments])
        cls.write([s for s in shipments
                if s.state == 'draft' and s.approved_by], {
                'approved_by': None,
                'approved_at': None,
                })

    @classmethod
    def ship(cls, shipments):
        cls.check_approved(shipments)
        super().ship(shipments)

    @classmethod
    def do(cls, shipments):
        cls.check_approved([s for s in shipments if s.state != 'shipped'])
        super().do(shipments)
