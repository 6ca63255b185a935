# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""DEVELOPMENT ONLY: user `keeper` and product ZT-NOMOVE for run.sh.

The keeper's read-only cost price is imitated with a field access on a
`Dev Keeper` group; the real rule comes from the zt_inventory module.
"""
import sys
from decimal import Decimal

from proteus import Model
from proteus import config as pconfig

conf, db = sys.argv[1:3]
pconfig.set_trytond(db, config_file=conf)

from trytond.modules.company.tests.tools import (  # noqa: E402
    create_company, get_company)

create_company()
company = get_company()

Group = Model.get('res.group')
User = Model.get('res.user')
FieldAccess = Model.get('ir.model.field.access')
Uom = Model.get('product.uom')
Template = Model.get('product.template')

group = Group(name='Dev Keeper')
group.save()
for model in ['product.template', 'product.product']:
    FieldAccess(model=model, field='cost_price', group=group,
        perm_read=True, perm_write=False, perm_create=False,
        perm_delete=False).save()

keeper = User(name='Warehouse Keeper (dev)', login='keeper',
    password='Keeper-Demo-2026!')
keeper.companies.append(company)
keeper.company = company
keeper.groups.append(group)
keeper.groups.extend(Group.find(
        [('name', 'in', ['Stock', 'Product Administration'])]))
keeper.save()

unit, = Uom.find([('name', '=', 'Unit')])
template = Template(name='Product without moves', default_uom=unit,
    type='goods')
template.list_price = Decimal('10')
template.cost_price = Decimal('4')
product, = template.products
product.suffix_code = 'ZT-NOMOVE'
template.save()
print('dev data: keeper, product', template.products[0].code)
