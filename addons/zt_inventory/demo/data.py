# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Demo data, loaded in-process with proteus as admin: company, accounts,
materials, stock, bills of materials, production orders, users and what
the rules of zt_rules find (an order point, an old receipt, today's small
receipts)."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from . import materials as M
from .history import OLDEST_DAYS

COMPANY_NAME = "Zero-Trust Demo Factory"
TIMEZONE = 'Asia/Shanghai'


def load(config_file, database, today=None):
    """Load the demo data into ``database``; return a dict with the ids the
    scenario needs: 'productions' (list of int), 'gtins' (product code ->
    GTIN), 'products' (code -> id)."""
    from proteus import config as pconfig
    config = pconfig.set_trytond(database, config_file=config_file)
    today = today or dt.date.today()
    # The company's date: moves done today are dated so (an earlier date
    # would make them back-dated, at 00:00 of that date).
    local_today = max(today, dt.datetime.now(ZoneInfo(TIMEZONE)).date())
    dead_date = today - dt.timedelta(days=M.DEAD_STOCK_DAYS)
    company = setup_company(config)
    print("  company %s (CNY, %s)" % (COMPANY_NAME, TIMEZONE))
    # The demo history (history.py) receives items up to OLDEST_DAYS ago.
    oldest = min(dead_date, today - dt.timedelta(days=OLDEST_DAYS))
    years = range(oldest.year, local_today.year + 1)
    category = setup_accounting(config, company, years)
    print("  chart of accounts, fiscal year %s (continental), "
        "stock accounts" % ', '.join(map(str, years)))
    families = create_categories(category)
    print("  %d product categories under %s"
        % (len(families), category.name))
    products, gtins = create_materials(config, category, families)
    print("  %d raw materials with GTIN-13 (and %s, %s)"
        % (len(M.MATERIALS), M.NO_MOVE.code, M.DEAD_STOCK.code))
    # Receipts without purchase orders: accept purchase's warning that
    # supplier moves have no origin, as a user would in the client.
    config.skip_warning = True
    receive_stock(config, company, products, today, local_today, dead_date)
    config.skip_warning = False
    print("  2 supplier receipts done; %s received twice more today "
        "(%s u each); %s received on %s (back-dated) and untouched since"
        % (M.FREQUENT[0], M.FREQUENT[1], M.DEAD_STOCK.code, dead_date))
    productions = create_productions(config, category, families,
        products, today)
    print("  2 bills of materials, 2 production orders waiting")
    create_order_point(company, products)
    print("  order point of %s in WH: minimal quantity %s, target %s"
        % M.ORDER_POINT)
    create_second_warehouse(config)
    print("  a second warehouse %s" % M.SECOND_WAREHOUSE[0])
    create_users(config, company)
    print("  %d users with employees and badges; keepers assigned to "
        "their warehouses" % len(M.USERS))
    from . import dashboard
    print("  Manager Cockpit at the login of %s"
        % ', '.join(dashboard.setup(config)))
    create_devices(company)
    print("  devices %s registered (enrol them with ztinv bridge enrol); "
        "unsigned scans accepted in %s only" % (
            ', '.join(d[0] for d in M.DEVICES),
            ', '.join(M.UNSIGNED_SCAN_WAREHOUSES)))
    finish_config_wizard(config)
    return {
        'productions': productions,
        'gtins': gtins,
        'products': {code: p.id for code, p in products.items()},
        }


def get_currency(config):
    "Return the CNY currency, created with symbol ¥ if missing."
    from proteus import Model
    Currency = Model.get('currency.currency')
    currencies = Currency.find([('code', '=', 'CNY')])
    if currencies:
        return currencies[0]
    currency = Currency(name="Chinese Yuan", code='CNY', symbol='¥',
        rounding=Decimal('0.01'), digits=2)
    currency.save()
    return currency


def setup_company(config):
    "Create the company in CNY and Asia/Shanghai; return it."
    from proteus import Model
    from trytond.modules.company.tests.tools import (
        create_company, get_company)
    Party = Model.get('party.party')
    party = Party(name=COMPANY_NAME)
    party.save()
    create_company(party=party, currency=get_currency(config))
    company = get_company()
    company.timezone = TIMEZONE
    company.save()
    return company


def setup_accounting(config, company, years):
    """Create the chart of accounts, a continental fiscal year with periods
    for each of ``years`` (ints) and the accounting product category;
    return the category."""
    from proteus import Model
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear, get_accounts)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    from trytond.modules.account_stock_continental.tests.tools import (
        add_stock_accounts)
    create_chart(company)
    for year in years:
        fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(
                company, today=(
                    dt.date(year, 1, 1), dt.date(year, 12, 31))))
        fiscalyear.account_stock_method = 'continental'
        fiscalyear.click('create_period')
    accounts = add_stock_accounts(get_accounts(company), company)
    stock_out, = accounts['stock_expense'].duplicate()
    Category = Model.get('product.category')
    category = Category(name="原材料与产成品 Materials and Goods")
    category.accounting = True
    category.account_expense = accounts['expense']
    category.account_revenue = accounts['revenue']
    category.account_stock = accounts['stock']
    category.account_stock_in = accounts['stock_expense']
    category.account_stock_out = stock_out
    category.save()
    return category


def create_categories(parent):
    """Create a category per family of products (M.CATEGORIES) under
    ``parent`` (the accounting category: so they are accounting ones too,
    with its accounts); return a dict prefix -> category."""
    from proteus import Model
    Category = Model.get('product.category')
    categories = {}
    for prefix, name in M.CATEGORIES.items():
        # accounting follows the parent (on_change_with_accounting)
        category = Category(name=name, parent=parent)
        category.account_parent = True
        category.taxes_parent = True
        category.save()
        categories[prefix] = category
    return categories


def create_product(material, category, family, index, producible=False):
    """Create the template and product of ``material`` (Material) with its
    GTIN-13 (number ``index``) and Chinese translation, in the accounting
    ``category`` and the category ``family`` (of M.CATEGORIES); return the
    product."""
    from proteus import Model
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')
    unit, = Uom.find([('symbol', '=', material.uom)])
    template = Template(name=material.en, type='goods', default_uom=unit)
    template.account_category = category
    template.categories.append(Model.get('product.category')(family.id))
    template.abc_class = material.abc
    template.cost_price_method = material.method
    template.list_price = Decimal(material.cost) * 2
    template.producible = producible
    # Raw materials are bought (purchase lines need purchasable products).
    template.purchasable = not producible
    product, = template.products
    product.suffix_code = material.code
    product.description = material.zh
    product.cost_price = Decimal(material.cost)
    identifier = product.identifiers.new(type='ean')
    identifier.code = M.gtin(index)
    template.save()
    translate(template, material.zh)
    product, = template.products
    return product


def translate(template, name):
    "Set the zh_CN translation of ``template``'s name."
    from proteus import Model
    from proteus.config import get_config
    with get_config().set_context(language='zh_CN'):
        Template = Model.get('product.template')
        record = Template(template.id)
        record.name = name
        record.save()


def create_materials(config, category, families):
    """Create the raw materials, each in its family's category of
    ``families`` (prefix -> category); return dicts code -> product and
    code -> GTIN."""
    products, gtins = {}, {}
    for index, material in enumerate(M.MATERIALS + [M.NO_MOVE], 1):
        products[material.code] = create_product(material, category,
            families[M.category_prefix(material.code)], index)
        gtins[material.code] = M.gtin(index)
    # Numbered after the finished products: their GTINs stay as they were.
    index = len(M.MATERIALS) + 2 + len(M.FINISHED)
    products[M.DEAD_STOCK.code] = create_product(M.DEAD_STOCK, category,
        families[M.category_prefix(M.DEAD_STOCK.code)], index)
    gtins[M.DEAD_STOCK.code] = M.gtin(index)
    return products, gtins


def receive_stock(config, company, products, today, local_today,
        dead_date):
    """Receive every raw material from a supplier in two shipments (done),
    lot-tracked ones with a lot, at their cost price; the dead stock
    material on ``dead_date`` (back-dated), and the frequently moved one
    twice on ``local_today`` (the company's date) in small lots."""
    from proteus import Model
    Party = Model.get('party.party')
    Location = Model.get('stock.location')
    supplier = Party(name="苏州华电元器件有限公司 Suzhou Huadian Components")
    supplier.save()
    supplier_loc, = Location.find([('code', '=', 'SUP')])
    input_loc, = Location.find([('code', '=', 'IN')])
    half = len(M.MATERIALS) // 2
    for number, (days, batch) in enumerate(
            [(12, M.MATERIALS[:half]), (5, M.MATERIALS[half:])], 1):
        date = today - dt.timedelta(days=days)
        receive(company, supplier, supplier_loc, input_loc, products, batch,
            date, number)
    receive(company, supplier, supplier_loc, input_loc, products,
        [M.DEAD_STOCK], dead_date, 1)
    code, quantity = M.FREQUENT
    material, = [m for m in M.MATERIALS if m.code == code]
    for number in [3, 4]:
        receive(company, supplier, supplier_loc, input_loc, products,
            [material], local_today, number, quantity)


def receive(company, supplier, from_loc, to_loc, products, batch, date,
        number, quantity=None):
    """Create, receive and do one supplier shipment of ``batch`` on
    ``date`` (of ``quantity`` each, else a plausible quantity)."""
    from proteus import Model
    Shipment = Model.get('stock.shipment.in')
    Move = Model.get('stock.move')
    Lot = Model.get('stock.lot')
    shipment = Shipment(supplier=supplier, company=company)
    shipment.reference = 'PO-%s-%03d' % (date.strftime('%Y%m'), number)
    shipment.planned_date = shipment.effective_date = date
    for material in batch:
        product = products[material.code]
        move = Move(product=product, unit=product.default_uom,
            quantity=quantity or receipt_quantity(material),
            from_location=from_loc, to_location=to_loc,
            unit_price=Decimal(material.cost),
            currency=company.currency, company=company, planned_date=date)
        if material.lot:
            lot = Lot(number='L%s-%s' % (date.strftime('%y%m%d'),
                    material.code[-4:]), product=product)
            lot.save()
            move.lot = lot
        shipment.incoming_moves.append(move)
    shipment.save()
    shipment.click('receive')
    shipment.click('do')


def receipt_quantity(material):
    "A plausible quantity to receive of ``material`` (float)."
    cost = Decimal(material.cost)
    if cost >= 1000:
        return 10.0
    if cost >= 100:
        return 40.0
    if cost >= 10:
        return 120.0
    return 500.0


def create_productions(config, category, families, products, today):
    """Create the finished products with their BOMs and one production
    order each in state waiting; return the production ids in order."""
    from proteus import Model
    Bom = Model.get('production.bom')
    Production = Model.get('production')
    finished = {}
    start = len(M.MATERIALS) + 2
    for index, (code, en, zh, cost, inputs) in enumerate(M.FINISHED, start):
        product = create_product(M.Material(code, en, zh, 'u', None,
                'fixed', cost, False), category,
            families[M.category_prefix(code)], index, producible=True)
        bom = Bom(name=en)
        for input_code, quantity in inputs:
            line = bom.inputs.new(product=products[input_code])
            line.quantity = quantity
        output = bom.outputs.new(product=product)
        output.quantity = 1
        bom.save()
        product = Model.get('product.product')(product.id)
        product.boms.new(bom=bom)
        product.save()
        finished[code] = (product, bom)
    ids = []
    for code, quantity in M.PRODUCTIONS:
        product, bom = finished[code]
        production = Production(product=product, bom=bom, quantity=quantity)
        production.planned_date = today + dt.timedelta(days=3)
        production.click('wait')
        ids.append(production.id)
    return ids


def create_order_point(company, products):
    """Create the purchase order point of M.ORDER_POINT in warehouse WH
    (its minimal quantity is the safety stock of the rules)."""
    from proteus import Model
    OrderPoint = Model.get('stock.order_point')
    code, minimum, target = M.ORDER_POINT
    point = OrderPoint(product=products[code], type='purchase',
        location=get_location('WH'), company=company,
        min_quantity=minimum, target_quantity=target)
    point.save()
    return point


def create_users(config, company):
    """Create the demo users (admin updated) with employee, badge,
    supervisor, language and groups."""
    from proteus import Model
    User = Model.get('res.user')
    employees = {}
    for login, name, role, lang, badge, supervisor, password in M.USERS:
        employee = create_employee(company, name, badge,
            employees.get(supervisor))
        employees[login] = employee
        if login == 'admin':
            user, = User.find([('login', '=', 'admin')])
        else:
            user = User(login=login, name=name, password=password)
            user.groups.extend(role_groups(role))
        user.language = get_lang(lang)
        user.employees.append(employee)
        user.employee = employee
        if company not in user.companies:
            user.companies.append(company)
        user.company = company
        for code in M.KEEPER_WAREHOUSES.get(login, []):
            user.warehouses.append(get_location(code))
        user.save()


def create_devices(company):
    """Register the demo devices (state registered: the bridge enrols them)
    and let the warehouses of UNSIGNED_SCAN_WAREHOUSES accept typed
    scans."""
    from proteus import Model
    Device = Model.get('zt.device')
    for code in M.UNSIGNED_SCAN_WAREHOUSES:
        warehouse = get_location(code)
        warehouse.zt_unsigned_scans = True
        warehouse.save()
    for code, name, kind, warehouse in M.DEVICES:
        device = Device(code=code, name=name, kind=kind, company=company,
            warehouse=get_location(warehouse))
        device.save()


def get_location(code):
    "Return the stock.location record of ``code``."
    from proteus import Model
    Location = Model.get('stock.location')
    location, = Location.find([('code', '=', code)])
    return location


def create_second_warehouse(config):
    """Create the demo's second warehouse, with its input, output, storage
    and production locations (keepers act only in the warehouses assigned
    to them)."""
    from proteus import Model
    Location = Model.get('stock.location')
    code, name = M.SECOND_WAREHOUSE
    children = {}
    for kind in ['input', 'output', 'storage', 'production']:
        location = Location(name='%s %s' % (code, kind.title()),
            code='%s-%s' % (code, kind[:3].upper()),
            type='production' if kind == 'production' else 'storage')
        location.save()
        children[kind] = location
    warehouse = Location(name=name, code=code, type='warehouse',
        input_location=children['input'],
        output_location=children['output'],
        storage_location=children['storage'],
        production_location=children['production'])
    # Counts post their differences to the lost and found location.
    warehouse.lost_found_location, = Location.find(
        [('type', '=', 'lost_found')], limit=1)
    warehouse.save()
    for kind in ['input', 'output', 'storage']:
        location = children[kind]
        location.parent = warehouse
        location.save()
    return warehouse


def create_employee(company, name, badge, supervisor):
    "Create and return an employee of ``company`` with a party ``name``."
    from proteus import Model
    Party = Model.get('party.party')
    Employee = Model.get('company.employee')
    party = Party(name=name)
    party.save()
    employee = Employee(party=party, company=company, badge_code=badge,
        supervisor=supervisor)
    employee.save()
    return employee


def role_groups(role):
    """Return the res.group records of ``role`` (roles joined by ``+``):
    their zt groups and extras."""
    from proteus import Model
    Group = Model.get('res.group')
    ModelData = Model.get('ir.model.data')
    from proteus.config import get_config
    context = get_config().context
    xml_ids = []
    for name in role.split('+'):
        module = M.ROLE_MODULES.get(name, 'zt_inventory')
        xml_ids += ['%s.group_%s' % (module, name)] + M.EXTRA_GROUPS[name]
    return [Group(ModelData.get_id(*x.split('.'), context))
        for x in xml_ids]


def get_lang(code):
    "Return the ir.lang record of ``code``."
    from proteus import Model
    Lang = Model.get('ir.lang')
    lang, = Lang.find([('code', '=', code)])
    return lang


def finish_config_wizard(config):
    "Mark every module configuration wizard item done (no pop-up in sao)."
    from proteus import Model
    Item = Model.get('ir.module.config_wizard.item')
    items = Item.find([('state', '!=', 'done')])
    for item in items:
        item.state = 'done'
    Item.save(items)
