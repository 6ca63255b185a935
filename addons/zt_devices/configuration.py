# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'zt.inventory.configuration'

    zt_scan_identifier_types = fields.MultiSelection(
        'get_identifier_types', "Scanned Identifier Types",
        help="A scanned code names a product when it equals one of the "
        "product's identifiers of these types (exact match).")

    @classmethod
    def default_zt_scan_identifier_types(cls):
        return ['ean']

    @classmethod
    def get_identifier_types(cls):
        Identifier = Pool().get('product.identifier')
        return [(k, v) for k, v in Identifier.fields_get(
                ['type'])['type']['selection'] if k]
