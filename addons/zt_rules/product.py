# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Products as the rules see them: a stock classification set by rules
(dead stock...) and the ABC class computed from consumption value."""
import datetime as dt
from decimal import Decimal

from sql import Literal
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import abc
from .rule import CLASSIFICATIONS


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    zt_classification = fields.Selection(
        CLASSIFICATIONS, "Stock Classification", readonly=True,
        help="Set by a rule (e.g. dead stock: no movement for 180 days) "
        "and cleared by it when the product no longer matches.")
    zt_classified_by = fields.Many2One(
        'zt.rule', "Classified by", readonly=True, ondelete='SET NULL')
    zt_classified_at = fields.DateTime(
        "Classified at", readonly=True, help="In UTC.")
    zt_consumption_value = fields.Numeric(
        "Consumption Value", digits=(16, 2), readonly=True,
        help="Cost of the quantities issued out of storage over the ABC "
        "window, in company currency, when the ABC classes were last "
        "computed.")

    @classmethod
    def compute_abc_classes(cls, company=None, today=None):
        """Set the ABC class of every goods template from its consumption
        value: the cost (move cost price, else unit price, else the
        product's cost price; company currency) of the quantities that
        left storage for a location outside any storage (production,
        customer, lost and found...) in done moves of the last
        ``abc_window`` days, classified by abc.abc_classes with the
        configured shares.  Returns {template id: class}."""
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Product = pool.get('product.product')
        Configuration = pool.get('zt.inventory.configuration')
        Date = pool.get('ir.date')
        config = Configuration(1)
        shares = (config.abc_share_a, config.abc_share_b,
            config.abc_share_c)
        today = today or Date.today()
        start = today - dt.timedelta(days=config.abc_window or 365)
        move = Move.__table__()
        from_ = Location.__table__()
        to = Location.__table__()
        product = Product.__table__()
        cursor = Transaction().connection.cursor()
        company_id = company.id if company else (
            Transaction().context.get('company'))
        where = ((move.state == 'done')
            & (move.effective_date > start)
            & (move.effective_date <= today)
            & (from_.type == 'storage')
            & (to.type != 'storage'))
        if company_id:
            where &= move.company == company_id
        cursor.execute(*move.join(from_,
                condition=move.from_location == from_.id
                ).join(to, condition=move.to_location == to.id
                ).join(product, condition=move.product == product.id
                ).select(product.template,
                Sum(move.internal_quantity
                    * Coalesce(move.cost_price, move.unit_price, Literal(0))),
                where=where, group_by=[product.template]))
        values = {t: Decimal(str(v or 0)) for t, v in cursor}
        templates = cls.search([
                ('type', '=', 'goods'),
                ('consumable', '=', False),
                ])
        for template in templates:
            values.setdefault(template.id, Decimal(0))
        values = {k: max(v, Decimal(0)) for k, v in values.items()
            if k in {t.id for t in templates}}
        classes = abc.abc_classes(values, shares)
        by_class = {}
        for template in templates:
            by_class.setdefault(
                (classes[template.id],
                    values[template.id].quantize(Decimal('0.01'))),
                []).append(template)
        for (klass, value), records in by_class.items():
            cls.write(records, {
                    'abc_class': klass,
                    'zt_consumption_value': value,
                    })
        return classes

    @classmethod
    def compute_abc_classes_cron(cls):
        "Cron: recompute the ABC classes of every company's products."
        pool = Pool()
        Company = pool.get('company.company')
        for company in Company.search([]):
            with Transaction().set_context(company=company.id):
                cls.compute_abc_classes(company)


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

