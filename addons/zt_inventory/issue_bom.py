# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bill of materials of an issue request's production: what the
request may still ask for (checked at submission and at issue)."""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from .exceptions import BOMExceededError
from .issue_request import ACTIVE_STATES


class IssueRequest(metaclass=PoolMeta):
    __name__ = 'zt.issue.request'

    @classmethod
    def bom_excesses(cls, request):
        """Return the lines of ``request`` that ask, with the other active
        requests of its production, for more of a product than the
        production's bill of materials needs: list of (line, remaining),
        ``remaining`` being what the production still needed for the line
        (float, product's default unit, ≥ 0).  Quantities are compared in
        the product's default unit, rounded to it."""
        production = request.production
        needed = production.needs()
        others = cls.search([
                ('production', '=', production.id),
                ('id', '!=', request.id),
                ('state', 'in', list(ACTIVE_STATES)),
                ])
        asked = {}
        for other in others + [request]:
            for line in other.lines:
                asked.setdefault(line.product, 0)
                asked[line.product] += line.internal_quantity
        excesses = []
        for line in request.lines:
            product = line.product
            uom = product.default_uom
            remaining = needed.get(product, 0) - (
                asked[product] - line.internal_quantity)
            if uom.round(asked[product]) > uom.round(
                    needed.get(product, 0)):
                excesses.append((line, max(remaining, 0)))
        return excesses

    @classmethod
    def bom_excess_allowed(cls, line):
        """Tell whether ``line``, beyond the bill of materials, may be
        submitted: never here; the rule engine (zt_rules) allows it with a
        reason and adds an approval step."""
        return False

    @classmethod
    def check_bom(cls, requests):
        """Refuse any request with a line beyond the bill of materials (see
        bom_excesses) that bom_excess_allowed does not allow.  Raises
        :class:`BOMExceededError`."""
        pool = Pool()
        Uom = pool.get('product.uom')
        for request in requests:
            for line, remaining in cls.bom_excesses(request):
                if cls.bom_excess_allowed(line):
                    continue
                uom = line.product.default_uom
                raise BOMExceededError(gettext(
                        'zt_inventory.msg_issue_request_bom_exceeded',
                        request=request.rec_name,
                        product=line.product.rec_name,
                        quantity=Uom.compute_qty(
                            uom, line.internal_quantity, line.unit),
                        remaining=Uom.compute_qty(uom, remaining, line.unit),
                        unit=line.unit.rec_name,
                        production=request.production.rec_name))
