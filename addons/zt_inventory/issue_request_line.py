# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.product import price_digits
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import RequestStateError
from .issue_request import (
    EDITABLE_STATES, LINE_TRACKED_FIELDS, LINE_WORKFLOW_FIELDS)
from .refusal import recorded
from .workflow_fields import check_workflow_fields


class IssueRequestLine(ModelSQL, ModelView):
    "Material Issue Request Line"
    __name__ = 'zt.issue.request.line'
    __string__ = "Material Issue Request Line"

    request = fields.Many2One(
        'zt.issue.request', "Request", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True,
        domain=[('type', '=', 'goods')],
        context={'company': Eval('company', -1)}, depends={'company'})
    company = fields.Function(fields.Many2One(
            'company.company', "Company"), 'on_change_with_company')
    product_uom_category = fields.Function(fields.Many2One(
            'product.uom.category', "Product UoM Category"),
        'on_change_with_product_uom_category')
    quantity = fields.Float(
        "Quantity", digits='unit', required=True,
        domain=[('quantity', '>', 0)])
    unit = fields.Many2One(
        'product.uom', "Unit", required=True,
        domain=[('category', '=', Eval('product_uom_category', -1))])
    lot = fields.Many2One(
        'stock.lot', "Lot",
        domain=[('product', '=', Eval('product', -1))],
        states={'invisible': ~Eval('product')})
    abc_class = fields.Function(fields.Char("ABC Class"), 'get_abc_class')
    unit_cost = fields.Numeric(
        "Unit Cost", digits=price_digits, readonly=True,
        help="The product's cost price per default unit, in company "
        "currency, taken when the request is submitted.")
    value = fields.Function(fields.Numeric(
            "Value", digits=(16, 2)), 'get_value')
    moves = fields.One2Many('stock.move', 'origin', "Moves", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('request')

    @fields.depends('request', '_parent_request.company')
    def on_change_with_company(self, name=None):
        return self.request.company if self.request else None

    @fields.depends('product')
    def on_change_with_product_uom_category(self, name=None):
        return self.product.default_uom.category if self.product else None

    @fields.depends('product', 'unit')
    def on_change_product(self):
        if self.product and (not self.unit
                or self.unit.category != self.product.default_uom.category):
            self.unit = self.product.default_uom

    def get_abc_class(self, name):
        return self.product.abc_class if self.product else None

    @property
    def internal_quantity(self):
        "The quantity (float) in the product's default unit, not rounded."
        pool = Pool()
        Uom = pool.get('product.uom')
        return Uom.compute_qty(
            self.unit, self.quantity, self.product.default_uom, round=False)

    def current_cost(self):
        "The product's cost price (Decimal, company currency, default unit)."
        with Transaction().set_context(company=self.request.company.id):
            product = self.__class__(self.id).product
            return product.cost_price or Decimal(0)

    def get_value(self, name):
        """The line's value: quantity in the product's default unit x unit
        cost, in company currency, rounded to the currency (the field's 2
        digits would refuse more)."""
        cost = self.unit_cost
        if cost is None:
            cost = self.current_cost()
        value = Decimal(str(self.internal_quantity)) * cost
        return self.request.company.currency.round(value)

    @classmethod
    def snapshot_cost(cls, lines):
        "Store each line's current cost price as its unit cost."
        by_cost = {}
        for line in lines:
            by_cost.setdefault(line.current_cost(), []).append(line)
        actions = []
        for cost, same in by_cost.items():
            actions.extend([same, {'unit_cost': cost}])
        if actions:
            cls.write(*actions)

    @classmethod
    @recorded
    def create(cls, vlist):
        if Transaction().check_access:
            for values in vlist:
                check_workflow_fields(cls, values, LINE_WORKFLOW_FIELDS)
        return super().create(vlist)

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('unit_cost', None)
        default.setdefault('moves', None)
        return super().copy(lines, default=default)

    @classmethod
    @recorded
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode == 'write' and external:
            check_workflow_fields(cls, values, LINE_WORKFLOW_FIELDS)
        for line in lines:
            if line.request.state not in EDITABLE_STATES:
                if mode == 'write' and not (
                        set(values or {}) & LINE_TRACKED_FIELDS):
                    continue
                raise RequestStateError(gettext(
                        'zt_inventory.msg_issue_request_closed',
                        request=line.request.rec_name))

    @classmethod
    def write(cls, *args):
        Request = Pool().get('zt.issue.request')
        actions = iter(args)
        to_reset = {}
        for lines, values in zip(actions, actions):
            tracked = set(values) & LINE_TRACKED_FIELDS
            if not tracked:
                continue
            for line in lines:
                changes = {}
                for name in tracked:
                    old = getattr(line, name)
                    old = getattr(old, 'id', old)
                    if old != values[name]:
                        changes['line %s %s' % (line.id, name)] = [
                            old, values[name]]
                if changes and line.request.state in {'waiting', 'approved'}:
                    to_reset.setdefault(line.request, {}).update(changes)
        super().write(*args)
        for request, changes in to_reset.items():
            Request.reset_approvals([Request(request.id)], changes)

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        super().on_modification(mode, lines, field_names=field_names)
        if mode in {'create', 'delete'}:
            pool = Pool()
            Request = pool.get('zt.issue.request')
            requests = {line.request for line in lines
                if line.request.state in {'waiting', 'approved'}}
            if requests:
                Request.reset_approvals(
                    Request.browse(requests),
                    {'lines': [mode, [line.id for line in lines]]})

    def prepare_moves(self):
        """Return the stock moves (unsaved) that issue this line: the
        production's planned input moves of the product, split to the
        quantity, then a new input move for what no planned move covers.
        The moves go from the request's location to the production's."""
        pool = Pool()
        Move = pool.get('stock.move')
        Uom = pool.get('product.uom')
        request = self.request
        production = request.production
        uom = self.product.default_uom
        remaining = self.internal_quantity
        moves = []
        for move in production.inputs:
            if uom.round(remaining) <= 0:
                break
            if (move.product != self.product or move.origin
                    or move.state not in {'draft', 'staging'}):
                continue
            quantity = Uom.compute_qty(
                move.unit, move.quantity, uom, round=False)
            if uom.round(quantity) > uom.round(remaining):
                Move.copy([move], default={
                        'quantity': Uom.compute_qty(
                            uom, quantity - remaining, move.unit),
                        'production_input': production.id,
                        })
                move.quantity = Uom.compute_qty(uom, remaining, move.unit)
                quantity = remaining
            moves.append(move)
            remaining -= quantity
        if uom.round(remaining) > 0:
            move = production._move(
                'input', self.product, self.unit,
                Uom.compute_qty(uom, remaining, self.unit))
            move.planned_date = production.planned_start_date
            moves.append(move)
        for move in moves:
            move.origin = self
            move.from_location = request.from_location
            move.lot = self.lot
        return moves
