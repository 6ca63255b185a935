# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow
from trytond.pool import Pool, PoolMeta

from .exceptions import ProductionInputsNotIssuedError, ProductionIssuedError
from .ledger import LedgerStateMixin
from .refusal import recorded


class Production(LedgerStateMixin, metaclass=PoolMeta):
    __name__ = 'production'

    def _ledger_state_payload(self, old_state):
        payload = super()._ledger_state_payload(old_state)
        payload['moves'] = sorted(
            m.id for m in self.inputs + self.outputs)
        return payload

    def needs(self):
        """Return what the production needs in total: dict product ->
        quantity (float, in the product's default unit, not rounded).

        From its bill of materials scaled to its quantity when it has one,
        otherwise from its planned input moves that are not cancelled."""
        pool = Pool()
        Uom = pool.get('product.uom')
        needs = {}

        def add(product, unit, quantity):
            needs.setdefault(product, 0)
            needs[product] += Uom.compute_qty(
                unit, quantity, product.default_uom, round=False)

        if self.bom and self.product:
            factor = self.bom.compute_factor(
                self.product, self.quantity or 0, self.unit)
            for input_ in self.bom.inputs:
                add(input_.product, input_.unit,
                    input_.compute_quantity(factor))
        else:
            for move in self.inputs:
                if move.state != 'cancelled':
                    add(move.product, move.unit, move.quantity)
        return needs

    @classmethod
    @recorded
    def check_not_issued(cls, productions):
        """Raise :class:`ProductionIssuedError` if material was issued to one
        of ``productions`` by an issue request."""
        pool = Pool()
        Request = pool.get('zt.issue.request')
        for production in productions:
            issued = Request.search([
                    ('production', '=', production.id),
                    ('state', '=', 'done'),
                    ], limit=1)
            if issued:
                request, = issued
                raise ProductionIssuedError(gettext(
                        'zt_inventory.msg_production_issued',
                        production=production.rec_name,
                        request=request.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, productions):
        cls.check_not_issued(productions)
        super().cancel(productions)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, productions):
        cls.check_not_issued(productions)
        super().draft(productions)

    @classmethod
    @recorded
    def check_inputs_issued(cls, productions):
        """Raise :class:`ProductionInputsNotIssuedError` if an input of
        ``productions`` with a quantity is neither done nor cancelled.

        Tryton's ``run`` does every remaining input move: material would
        leave the storage without a request, approval, scan or keeper.  Here
        inputs leave only through issue requests (or are cancelled)."""
        for production in productions:
            for move in production.inputs:
                if move.quantity and move.state not in {'done', 'cancelled'}:
                    raise ProductionInputsNotIssuedError(gettext(
                            'zt_inventory.msg_production_inputs_not_issued',
                            production=production.rec_name,
                            product=move.product.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('running')
    def run(cls, productions):
        cls.check_inputs_issued(productions)
        super().run(productions)

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, productions):
        cls.check_inputs_issued(productions)
        super().do(productions)
