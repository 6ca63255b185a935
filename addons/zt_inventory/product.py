# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta

ABC_CLASSES = [
    (None, ''),
    ('A', "A"),
    ('B', "B"),
    ('C', "C"),
    ]


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    abc_class = fields.Selection(
        ABC_CLASSES, "ABC Class",
        help="The ABC classification of the material: "
        "class A needs the finance director's approval to be issued.")


class Product(metaclass=PoolMeta):
    # Registered after Template so that product.product's __setup__ copies
    # abc_class from the template (otherwise, on a database activated in the
    # same process, product.abc_class raises AttributeError).
    __name__ = 'product.product'
