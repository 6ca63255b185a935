# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Benchmark part 5: the report queries of the inventory cockpit.

One database with zt_rules (zt_inventory, and the marks of abnormal moves
in the flow report) gets a company (time zone Asia/Shanghai),
two warehouses (WH and "Bench WH 2", both under a view location so that
Tryton's own reports can be asked for the whole company), ``categories``
product categories (5 parents of ``categories / 5`` children), and
``products`` goods products in units (ORM), each in one child category,
with a fixed cost price between 1 and 50 CNY; a share of them
(ORDER_POINT_SHARE) gets a purchase order point on one warehouse
(``stock.order_point``, module stock_supply) with a minimal quantity.

The history is loaded with ``COPY`` straight into stock_move, as in
bench_rules.py, with the mix of a warehouse: receipts from the supplier
into either storage location, internal transfers from one warehouse's
storage to the other's, outputs to production and to customers, and a
few cancelled moves (CANCELLED_SHARE, never counted by the reports),
spread uniformly over the two years before the load; each move carries
its product's cost price, received and sold moves a unit price.  Then
VACUUM ANALYZE, and the stock periods of the PERIODS last month ends are
closed (Tryton's stock.period with its cache; see
bench_cockpit_data.close_periods), as a company closing its stock every
month: the reports start from the latest one.

Each cockpit report is timed as the client asks it: ``search_read([],
<fields of its list view>, limit=1000)`` in a new read-only transaction
whose context holds the filters of the cockpit's context model, for
three contexts: the default (the whole company, the last 90 days up to
today, as of today), a warehouse filter and a category filter (a parent
category).  One warm-up call, then ``repeat`` timed calls: median and
max.  Tryton's own reports on the same data and the same filters are
timed the same way in the same run (``stock.reporting.inventory.turnover``,
``stock.reporting.inventory``, ``product.product`` with its computed
``quantity``) and each cockpit report is given as a ratio to its
baseline (BASELINES).  Finally ``EXPLAIN (ANALYZE, BUFFERS)`` of each
report's ``table_query()`` SQL in the default context: the text plan,
its execution time, its scans of tables (sequential or by which index)
and its slowest nodes.

The goal of the issue: each report query at most 1 s (GOAL_S) with
1,000,000 moves and 10,000 products."""
import datetime as dt
import json
import re
import statistics
import sys
import time

import psycopg

from trytond.pool import Pool
from trytond.transaction import Transaction

from bench_moves import ADMIN, company_context
from bench_cockpit_data import (  # noqa: F401 (build_world: bench.py)
    HISTORY_DAYS, SEED, build_world, close_periods, history_stats,
    load_history)

GOAL_S = 1.0
LIMIT = 1000
# Closed stock periods: the last month ends (bench_cockpit_data.close_periods)
PERIODS = 4
# A call slower than this (seconds) is timed once more only, after its
# warm-up, to keep the run within an hour on a loaded 2-CPU machine.
SLOW_S = 10.0
# Tryton's reports are timed once after their warm-up (they are the
# reference, not the goal); product.product (the quantity of 1000
# products over the whole history, the slowest) in the default context
# only.
BASELINE_REPEAT = 1
REPORTS = [
    'zt.cockpit.turnover',
    'zt.cockpit.turnover.category',
    'zt.cockpit.flow',
    'zt.cockpit.age',
    'zt.cockpit.age.category',
    'zt.cockpit.safety',
    ]
# Tryton's report each cockpit report is compared with: the one reading
# the same moves for the same kind of figure.
BASELINES = {
    'zt.cockpit.turnover': 'stock.reporting.inventory.turnover',
    'zt.cockpit.turnover.category': 'stock.reporting.inventory.turnover',
    'zt.cockpit.flow': 'stock.reporting.inventory.turnover',
    'zt.cockpit.age': 'stock.reporting.inventory',
    'zt.cockpit.age.category': 'stock.reporting.inventory',
    'zt.cockpit.safety': 'stock.reporting.inventory',
    }
TRYTON_FIELDS = {
    'stock.reporting.inventory.turnover': [
        'product', 'unit', 'output_quantity', 'average_quantity',
        'turnover'],
    'stock.reporting.inventory': ['product', 'unit', 'quantity'],
    'product.product': ['rec_name', 'quantity', 'forecast_quantity',
        'default_uom'],
    }
SCAN = re.compile(r'(Seq Scan|Parallel Seq Scan|Index Only Scan|'
    r'Index Scan|Bitmap Heap Scan|Bitmap Index Scan)(?: Backward)?'
    r'(?: using (\S+))? on (\S+)')
NODE_TIME = re.compile(r'^(\s*)(?:->\s*)?([A-Z][^(]*?)\s+\(cost=.*'
    r'actual time=[0-9.]+\.\.([0-9.]+) rows=(\d+) loops=(\d+)\)')


def contexts(database, world):
    """Return the filter contexts of the run (dict label -> dict): the
    cockpit's context (zt.cockpit.context) and the one of Tryton's
    reports for the same scope.  Dates are the company's local dates."""
    with Transaction().start(database, ADMIN, readonly=True), \
            company_context():
        today = Pool().get('ir.date').today()
    base = {
        'company': world['company'],
        'from_date': today - dt.timedelta(days=90),
        'to_date': today,
        'as_of': today,
        'period': 'month',
        'consumption_days': 30,
        }
    category = world['parents'][0]
    return {
        'default': {'cockpit': dict(base, warehouse=None, category=None),
            'location': world['view'], 'category': None},
        'warehouse': {'cockpit': dict(base, warehouse=world['warehouses'][1],
                category=None),
            'location': world['warehouses'][1], 'category': None},
        'category': {'cockpit': dict(base, warehouse=None,
                category=category),
            'location': world['view'], 'category': category},
        }


def tryton_context(name, scope):
    """Return (context, category) of Tryton's report ``name`` for the
    scope of a cockpit context (a value of contexts()): its report context
    on the same location and dates, and the category whose products the
    domain keeps (None: no filter)."""
    cockpit = scope['cockpit']
    context = {'company': cockpit['company'],
        'product_type': 'product.product'}
    if name == 'stock.reporting.inventory.turnover':
        context.update(location=scope['location'],
            from_date=cockpit['from_date'], to_date=cockpit['to_date'])
    elif name == 'stock.reporting.inventory':
        context.update(location=scope['location'], date=cockpit['as_of'])
    else:
        context.update(locations=[scope['location']],
            stock_date_end=cockpit['as_of'])
    return context, scope['category']


def list_fields(Model):
    "Return the field names of the default list view of ``Model`` (list)."
    view = Model.fields_view_get(view_type='tree')
    return sorted(view['fields'])


def category_domain(name, category):
    """Return the domain (list) keeping the rows of Tryton's report
    ``name`` whose product is in ``category`` (id) or its children; []
    when ``category`` is None."""
    if not category:
        return []
    Product = Pool().get('product.product')
    products = Product.search(
        [('categories', 'child_of', [category], 'parent')], query=True)
    field = 'id' if name == 'product.product' else 'product'
    return [(field, 'in', products)]


def time_call(database, name, context, fields_names=None, category=None):
    """Run ``search_read(domain, fields, limit=LIMIT)`` of ``name`` in a new
    read-only transaction with ``context`` over the admin's preferences;
    the domain keeps the products of ``category`` for Tryton's reports
    (the cockpit reads its category from the context).  ``fields_names``
    None: those of the list view.  Return (seconds, rows, field
    names)."""
    with Transaction().start(database, ADMIN, readonly=True), \
            company_context(), Transaction().set_context(context):
        Model = Pool().get(name)
        if fields_names is None:
            fields_names = list_fields(Model)
        started = time.perf_counter()
        rows = Model.search_read(category_domain(name, category),
            fields_names=fields_names, limit=LIMIT)
        seconds = time.perf_counter() - started
    return seconds, len(rows), fields_names


def measure(database, name, context, repeat, fields_names=None,
        category=None):
    """Time ``name`` ``repeat`` times after one warm-up call (see
    time_call); return dict: first_s, median_s, max_s, runs_s (seconds),
    rows, fields; or dict error (str) when the call fails (the run goes
    on with the other reports)."""
    try:
        first, rows, fields_names = time_call(database, name, context,
            fields_names, category)
        if first > SLOW_S:
            repeat = 1
        runs = [time_call(database, name, context, fields_names,
                category)[0] for _ in range(repeat)]
    except Exception as error:
        log('%s: %s' % (name, error))
        return {'error': '%s: %s' % (type(error).__name__,
                str(error).strip())}
    log('%-36s %6.3f s median, %6.3f s max, %d rows' % (name,
            statistics.median(runs), max(runs), rows))
    return {'first_s': first, 'median_s': statistics.median(runs),
        'max_s': max(runs), 'runs_s': runs, 'rows': rows,
        'fields': fields_names}


def log(text):
    "Print a progress line on stderr."
    print('bench cockpit: %s' % text, file=sys.stderr, flush=True)


def available(database):
    """Return the cockpit reports of REPORTS registered in ``database``'s
    pool (list of names)."""
    pool = Pool(database)
    found = []
    for name in REPORTS:
        try:
            pool.get(name)
        except KeyError:
            continue
        found.append(name)
    return found


def summarize(plan):
    """Return the summary of a text plan of EXPLAIN (ANALYZE, BUFFERS)
    (dict): execution_ms, planning_ms, scans (list of dict: node, index,
    table), seq_scans_of_stock_move (int), slowest (the 5 nodes of largest
    total actual time, list of str) and the top buffers line."""
    execution = re.search(r'Execution Time: ([0-9.]+) ms', plan)
    planning = re.search(r'Planning Time: ([0-9.]+) ms', plan)
    scans = [{'node': n, 'index': i or None, 'table': t}
        for n, i, t in SCAN.findall(plan)]
    nodes = []
    for line in plan.splitlines():
        match = NODE_TIME.match(line)
        if match:
            total = float(match.group(3)) * int(match.group(5))
            nodes.append((total, '%s (%.1f ms, %s rows x %s loops)' % (
                        match.group(2).strip(), total, match.group(4),
                        match.group(5))))
    buffers = re.search(r'Buffers: (.*)', plan)
    return {
        'execution_ms': float(execution.group(1)) if execution else None,
        'planning_ms': float(planning.group(1)) if planning else None,
        'scans': scans,
        'seq_scans_of_stock_move': sum(1 for s in scans
            if 'Seq Scan' in s['node'] and s['table'] == 'stock_move'),
        'slowest': [text for _, text in sorted(nodes, reverse=True)[:5]],
        'buffers': buffers.group(1) if buffers else None,
        }


def explain(database, name, context):
    """Return EXPLAIN (ANALYZE, BUFFERS) of ``name``'s table_query() in
    ``context`` (dict): query, params, plan (text) and its summary (the
    cache is warm: the reports ran just before)."""
    with Transaction().start(database, ADMIN, readonly=True), \
            company_context(), Transaction().set_context(context):
        Model = Pool().get(name)
        text, params = tuple(Model.table_query())
        cursor = Transaction().connection.cursor()
        try:
            cursor.execute('EXPLAIN (ANALYZE, BUFFERS) ' + text, params)
            plan = '\n'.join(r[0] for r in cursor.fetchall())
        except Exception as error:
            return {'query': text, 'params': [str(p) for p in params],
                'error': '%s: %s' % (type(error).__name__,
                    str(error).strip())}
    log('plan of %s: %s' % (name, summarize(plan)['execution_ms']))
    return {'query': text, 'params': [str(p) for p in params],
        'plan': plan, 'summary': summarize(plan)}


def run_reports(database, world, repeat):
    """Time every available cockpit report and Tryton's baselines in each
    context of contexts(); return (reports, baselines, contexts) dicts:
    reports[name][context label] and baselines[name][context label] are
    measure() results."""
    scopes = contexts(database, world)
    names = available(database)
    reports, baselines = {}, {}
    for label, scope in scopes.items():
        log('context %s' % label)
        for name in TRYTON_FIELDS:
            if name == 'product.product' and label != 'default':
                continue
            context, category = tryton_context(name, scope)
            baselines.setdefault(name, {})[label] = measure(database, name,
                context, BASELINE_REPEAT, TRYTON_FIELDS[name], category)
        for name in names:
            reports.setdefault(name, {})[label] = measure(database, name,
                scope['cockpit'], repeat)
    for name, runs in reports.items():
        for label, result in runs.items():
            base = baselines[BASELINES[name]].get(
                label, baselines[BASELINES[name]]['default']).get(
                'median_s')
            result['baseline'] = BASELINES[name]
            result['ratio'] = (result['median_s'] / base
                if base and 'median_s' in result else None)
    return reports, baselines, scopes


def run(database, conninfo, world, sizes, repeat):
    """Load the history up to each of ``sizes`` (ascending numbers of
    moves), then time and explain the reports at each size; return the
    results (dict)."""
    phases, loaded = [], 0
    for step, size in enumerate(sizes):
        seconds = load_history(conninfo, world, size - loaded, SEED + step)
        loaded = size
        periods_s = close_periods(database, PERIODS)
        log('closed the stock periods of the %d last month ends in %.0f s'
            % (PERIODS, periods_s))
        reports, baselines, scopes = run_reports(database, world, repeat)
        default = scopes['default']['cockpit']
        plans = {name: explain(database, name, default)
            for name in reports}
        phases.append({'moves': size, 'load_s': seconds,
                'periods': PERIODS, 'periods_s': periods_s,
                'history': history_stats(conninfo), 'reports': reports,
                'baselines': baselines, 'plans': plans,
                'indexes': stock_move_indexes(conninfo)})
    return {
        'products': len(world['products']),
        'categories': len(world['categories']),
        'order_points': world['order_points'],
        'warehouses': len(world['warehouses']),
        'timezone': world['timezone'],
        'history_days': HISTORY_DAYS,
        'limit': LIMIT,
        'repeat': repeat,
        'contexts': {label: json.loads(json.dumps(s, default=str))
            for label, s in contexts(database, world).items()},
        'phases': phases,
        'missing_reports': [n for n in REPORTS if n not in available(
                database)],
        }


def stock_move_indexes(conninfo):
    "Return the definitions of the indexes of stock_move (list of str)."
    with psycopg.connect(conninfo) as connection:
        return [d for d, in connection.execute(
                "SELECT indexdef FROM pg_indexes "
                "WHERE tablename = 'stock_move' ORDER BY indexname")]


def table(result, goal=GOAL_S):
    "Return the cockpit part (dict) as lines of a readable table (list)."
    lines = []
    for phase in result['phases']:
        lines += [
            'Cockpit reports: %d moves (%s), %d products, %d categories, '
            '%d order points; search_read of the list view, limit %d, '
            'median and max of %d calls' % (
                phase['moves'], ', '.join('%s %d' % s for s in sorted(
                        phase['history']['states'].items())),
                result['products'], result['categories'],
                result['order_points'], result['limit'], result['repeat']),
            '  %-28s %-9s %8s %8s %6s %8s' % ('report', 'context',
                'median s', 'max s', 'rows', 'ratio')]
        for name, runs in phase['reports'].items():
            for label, r in runs.items():
                if 'error' in r:
                    lines.append('  %-28s %-9s FAILED %s' % (name[:28],
                            label, r['error'][:70]))
                    continue
                lines.append('  %-28s %-9s %8.3f %8.3f %6d %7s%s' % (
                        name[:28], label, r['median_s'], r['max_s'],
                        r['rows'], '%.2fx' % r['ratio'] if r['ratio']
                        else '-', '  OVER %.0f s' % goal
                        if r['max_s'] > goal else ''))
        lines.append('  Tryton, same data and filters, one call after its '
            'warm-up (ratio = cockpit / the baseline of its kind):')
        for name, runs in phase['baselines'].items():
            for label, r in runs.items():
                if 'error' in r:
                    lines.append('  %-28s %-9s FAILED %s' % (name[-28:],
                            label, r['error'][:70]))
                    continue
                lines.append('  %-28s %-9s %8.3f %8.3f %6d' % (
                        name[-28:], label, r['median_s'], r['max_s'],
                        r['rows']))
        for name, plan in phase['plans'].items():
            if 'error' in plan:
                lines.append('  plan %-23s FAILED %s' % (name[11:],
                        plan['error'][:70]))
                continue
            s = plan['summary']
            lines.append('  plan %-23s %8.1f ms, %d seq scan(s) of '
                'stock_move, indexes: %s' % (name[11:],
                    s['execution_ms'] or 0, s['seq_scans_of_stock_move'],
                    ', '.join(sorted(set(x['index'] for x in s['scans']
                                if x['index']))) or '-'))
        lines.append('  goal: every report <= %.0f s' % goal)
    if result['missing_reports']:
        lines.append('  not registered, not timed: %s' % ', '.join(
                result['missing_reports']))
    return lines
