# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Approval of transfers (internal shipments) by the department manager.

The seed's role table gives the department manager "approve" on transfers:
a transfer is approved before its stock leaves (``ship`` or ``do``).  The
approver may not be the person who created the transfer (segregation of
duties, a zt.sod.rule of sod.xml).  Refusals are recorded in the ledger
(see refusal.py)."""
import hashlib
import json
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from . import sod_rules
from .company import get_actor
from .exceptions import ApprovalRequiredError, TransferStateError
from .refusal import recorded
from .trace import utc_now

# Set by the approve button only.
APPROVAL_FIELDS = {'approved_by', 'approved_at', 'approved_digest'}
APPROVABLE_STATES = ['waiting', 'assigned', 'packed']


def content_digest(rows):
    """Return the SHA-256 (hex str) of ``rows`` (iterable of tuples of
    JSON values: one per move), whatever their order; quantities are
    written as decimal text so that 2 and 2.0 agree."""
    rows = sorted(json.dumps([str(Decimal(str(v)).normalize()) if isinstance(
                    v, (int, float, Decimal)) and not isinstance(v, bool)
                else v for v in row]) for row in rows)
    return hashlib.sha256('\n'.join(rows).encode()).hexdigest()


class ShipmentInternal(metaclass=PoolMeta):
    __name__ = 'stock.shipment.internal'

    approved_by = fields.Many2One(
        'company.employee', "Approved By", readonly=True,
        help="The department manager who approved the transfer.")
    approved_at = fields.DateTime(
        "Approved At", readonly=True, help="In UTC.")
    approved_digest = fields.Char(
        "Approved Content", readonly=True,
        help="SHA-256 of the moves as approved: a transfer changed since "
        "is approved again before its stock leaves.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'approve': {
                    # Shown also once approved: a transfer changed since is
                    # approved again (the method refuses a second approval
                    # of the same content).
                    'invisible': ~Eval('state').in_(APPROVABLE_STATES),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, shipments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('approved_by')
        default.setdefault('approved_at')
        default.setdefault('approved_digest')
        return super().copy(shipments, default=default)

    @classmethod
    def _outside_workflow_fields(cls):
        # A caller from outside may not create nor write an approval.
        return super()._outside_workflow_fields() | APPROVAL_FIELDS

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
                    or shipment.approval_standing()):
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
                    'approved_digest': shipment.content_digest(),
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
            if not shipment.approval_standing():
                raise ApprovalRequiredError(gettext(
                        'zt_inventory.msg_transfer_changed',
                        shipment=shipment.rec_name))

    def content_digest(self):
        """Return the SHA-256 (hex str) of the transfer's moves: product,
        quantity (in the move's unit), unit, locations and lot of each."""
        return content_digest([(m.product.id, m.quantity, m.unit.id,
                    m.from_location.id, m.to_location.id,
                    m.lot.id if getattr(m, 'lot', None) else None)
                for m in self.moves if m.state != 'cancelled'])

    def approval_standing(self):
        """Tell whether the transfer is approved and its moves are those
        approved."""
        return bool(self.approved_by
            and self.approved_digest == self.content_digest())

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
                'approved_digest': None,
                })

    @classmethod
    def ship(cls, shipments):
        cls.check_approved(shipments)
        super().ship(shipments)

    @classmethod
    def do(cls, shipments):
        cls.check_shipped(shipments)
        cls.check_approved([s for s in shipments if s.state != 'shipped'])
        super().do(shipments)

    @classmethod
    @recorded
    def check_shipped(cls, shipments):
        """Raise :class:`TransferStateError` for a shipment of
        ``shipments`` through a transit location that is not shipped yet.

        Tryton lets every internal shipment go from assigned (or packed)
        to done, for those without transit; with a transit location that
        does only the incoming moves: the stock would arrive without
        leaving (the client only hides the button)."""
        for shipment in shipments:
            if (shipment.transit_location
                    and shipment.state in {'assigned', 'packed'}):
                raise TransferStateError(gettext(
                        'zt_inventory.msg_transfer_not_shipped',
                        shipment=shipment.rec_name))
