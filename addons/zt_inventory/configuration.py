# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.pyson import Eval, Id

from .product import ABC_CLASSES


def _sequence_field(company):
    return fields.Many2One(
        'ir.sequence', "Issue Request Sequence", required=True,
        domain=[
            ('company', 'in', [company, None]),
            ('sequence_type', '=',
                Id('zt_inventory', 'sequence_type_issue_request')),
            ])


class Configuration(ModelSingleton, ModelSQL, ModelView,
        CompanyMultiValueMixin):
    "Zero-trust inventory configuration, per company."
    __name__ = 'zt.inventory.configuration'
    __string__ = "Zero-Trust Inventory Configuration"
    issue_request_sequence = fields.MultiValue(_sequence_field(
            Eval('context', {}).get('company', -1)))
    approval_amount_limit = fields.MultiValue(fields.Numeric(
            "Finance Approval Above", digits=(16, 2), required=True,
            help="Requests whose value (company currency) exceeds this "
            "amount also need the finance director's approval."))
    approval_class = fields.MultiValue(fields.Selection(
            ABC_CLASSES, "Finance Approval for Class",
            help="Requests with a line of this material class also need "
            "the finance director's approval."))

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field in {'issue_request_sequence', 'approval_amount_limit',
                'approval_class'}:
            return pool.get('zt.inventory.configuration.company')
        return super().multivalue_model(field)

    @classmethod
    def default_issue_request_sequence(cls, **pattern):
        return cls.multivalue_model(
            'issue_request_sequence').default_issue_request_sequence()

    @classmethod
    def default_approval_amount_limit(cls, **pattern):
        return Decimal(5000)

    @classmethod
    def default_approval_class(cls, **pattern):
        return 'A'


class ConfigurationCompany(ModelSQL, CompanyValueMixin):
    "Zero-trust inventory configuration values of a company."
    __name__ = 'zt.inventory.configuration.company'
    __string__ = "Zero-Trust Inventory Company Configuration"
    issue_request_sequence = _sequence_field(Eval('company', -1))
    approval_amount_limit = fields.Numeric(
        "Finance Approval Above", digits=(16, 2), required=True)
    approval_class = fields.Selection(
        ABC_CLASSES, "Finance Approval for Class")

    @classmethod
    def default_issue_request_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('zt_inventory', 'sequence_issue_request')
        except KeyError:
            return None

    @classmethod
    def default_approval_amount_limit(cls):
        return Decimal(5000)

    @classmethod
    def default_approval_class(cls):
        return 'A'
