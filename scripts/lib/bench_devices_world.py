# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Benchmark part 4, its data: the world the simulated devices scan in
(company, warehouse, keeper badge, product, bridge user, registered
devices), built with the ORM in this process, and the check of the scan
rows afterwards.  See bench_devices.py."""
import secrets

import psycopg

from trytond.pool import Pool
from trytond.transaction import Transaction

from bench_moves import create_company

ADMIN = 1
BRIDGE = 'bench_bridge'
BADGE = 'BENCH-0001'
# GTIN-13 of the Wikipedia example (class B material of the tests)
GTIN13 = '4006381333931'
PRODUCT_NAME = 'Bench scanned product'


def build_world(database, devices):
    """Create the company, keeper, product, bridge user and ``devices``
    registered devices with their enrolment codes, and commit; return a
    dict: company, warehouse, product, password (of the bridge user),
    devices (list of [code, enrolment code])."""
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        Location = Pool().get('stock.location')
        company = create_company()
        warehouse, = Location.search([('code', '=', 'WH')])
        world = {'company': company.id, 'warehouse': warehouse.id}
        transaction.commit()
    with Transaction().start(database, ADMIN) as transaction, \
            Transaction().set_context(company=world['company']):
        world.update(create_people(world))
        world['product'] = create_product()
        world['devices'] = register_devices(world, devices)
        transaction.commit()
    return world


def create_people(world):
    """Create the keeper employee (badge BADGE) and the bridge user with a
    random password; return {'password': str, 'bridge': id}."""
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    party, = Party.create([{'name': "Bench keeper"}])
    Employee.create([{'party': party.id, 'company': world['company'],
                'badge_code': BADGE}])
    password = secrets.token_urlsafe(18)
    bridge, = User.create([{
                'login': BRIDGE, 'name': "Bench bridge",
                'password': password,
                'groups': [('add', [ModelData.get_id(
                                'zt_devices', 'group_device_bridge')])],
                'companies': [('add', [world['company']])],
                'company': world['company'],
                }])
    return {'password': password, 'bridge': bridge.id}


def create_product():
    "Create the goods product with the EAN GTIN13; return its id (int)."
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    template, = Template.create([{
                'name': PRODUCT_NAME, 'type': 'goods',
                'default_uom': unit.id,
                'products': [('create', [{
                                'identifiers': [('create', [{
                                                'type': 'ean',
                                                'code': GTIN13}])],
                                }])],
                }])
    return template.products[0].id


def register_devices(world, count):
    """Register ``count`` scanners BENCH-SCN-NN in the warehouse and show
    their one-time enrolment codes; return [[code, enrolment code]]."""
    pool = Pool()
    Device = pool.get('zt.device')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    # Only device administrators see enrolment codes.
    User.write([User(ADMIN)], {'groups': [('add', [ModelData.get_id(
                        'zt_devices', 'group_device_admin')])]})
    devices = Device.create([{
                'name': 'Bench scanner %02d' % i,
                'code': 'BENCH-SCN-%02d' % i,
                'company': world['company'],
                'warehouse': world['warehouse'],
                } for i in range(1, count + 1)])
    return [[d.code, Device.new_enrolment(d)] for d in devices]


def check_scans(conninfo, devices):
    """Compare the zt_device_scan rows with the accepted answers; return
    (dict of checks, list of problems)."""
    accepted = {d.code: d.accepted for d in devices}
    sent = {d.code: d.counter for d in devices}
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            'SELECT d.code, s.outcome, s.counter FROM zt_device_scan s '
            'LEFT JOIN zt_device d ON d.id = s.device '
            'ORDER BY d.code, s.counter').fetchall()
        last = dict(connection.execute(
                'SELECT code, last_counter FROM zt_device').fetchall())
    counters = {}
    for code, outcome, counter in rows:
        counters.setdefault(code, []).append((outcome, counter))
    problems = []
    if len(rows) != sum(accepted.values()):
        problems.append('%d scan rows for %d accepted answers'
            % (len(rows), sum(accepted.values())))
    for code, count in accepted.items():
        mine = counters.get(code, [])
        if [c for _, c in mine] != list(range(1, sent[code] + 1)):
            problems.append('%s: counters are not 1..%d' % (
                    code, sent[code]))
        if any(o != 'accepted' for o, _ in mine) or len(mine) != count:
            problems.append('%s: %d rows, %d accepted answers' % (
                    code, len(mine), count))
        if last.get(code) != sent[code]:
            problems.append('%s: last_counter %s, sent %d' % (
                    code, last.get(code), sent[code]))
    return {'scan_rows': len(rows), 'accepted_answers':
        sum(accepted.values()), 'events_sent': sum(sent.values())}, problems
