# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Benchmark part 3: the rule "Frequent movement" after each batch of new
moves, on a history of generated done moves.

One database with zt_rules gets a company, the default warehouse (WH) and
``products`` goods products (ORM).  The history is loaded with ``COPY``
straight into stock_move: done moves, half supplier to storage (in), the
rest storage to production or to customer (out), of uniformly random
products, whose effective times (``zt_effective_time``, done by the admin)
are spread over the two years before the load; no ledger entries and no
rule events for them.  After each load (VACUUM ANALYZE), one warm-up batch
then ``batches`` batches of ``batch`` new moves of random products (the
same mix) are timed, each as Tryton runs it, through the ORM of trytond in
this process:

- *do*, the plain Tryton baseline: a transaction that creates the moves
  and does them (``Move.create`` + ``Move.do``, which also writes their
  effective times and their ``zt.rule.event`` rows), commit;
- *evaluation*: a transaction that runs ``zt.rule.event.process()`` (the
  rules that follow ``stock_move.done`` on each move of the batch: the
  24 h window query of journal.py per move, and the alert of a match),
  commit.

Finally ``EXPLAIN (ANALYZE, BUFFERS)`` of the rule's window query for the
last move of the run, as the engine builds it (journal.window_query), once
as Tryton sends it (custom plan) and once as a prepared statement's
generic plan (psycopg prepares a query run 5 times on a connection).

If the window query of journal.py fails on PostgreSQL because of
``COUNT(%s)`` with the parameter '*' (``Count(Literal('*'))``: psycopg 3
binds it on the server, untyped: "could not determine data type of
parameter $1"), the run replaces, in this process only, the default
columns by ``COUNT(*)`` (``Count()``), the same query otherwise, and
records it in the results (``workaround``)."""
import datetime as dt
import random
import re
import statistics
import time

import psycopg
from psycopg import sql
from sql.aggregate import Count, Sum

from trytond.pool import Pool
from trytond.transaction import Transaction

from bench_moves import ADMIN, company_context

HISTORY_DAYS = 730
IN_SHARE, PRODUCTION_SHARE = 0.5, 0.3  # the rest goes to customers
PRICE = '12.3400'
SEED = 20260105
CHUNK = 1000
FLUSH_BYTES = 1 << 20
RULE = 'Frequent movement%'
COLUMNS = ('id', 'company', 'product', 'unit', 'quantity',
    'internal_quantity', 'from_location', 'to_location', 'currency',
    'unit_price', 'cost_price', 'state', 'effective_date', 'planned_date',
    'zt_effective_time', 'zt_done_by', 'create_uid', 'create_date')
INDEX_SCAN = re.compile(
    r'(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?'
    r'(?: using| on) (\S+)')


def build_world(database, products):
    """Create a company (the admin's), and ``products`` goods products in
    units at a fixed cost, and commit; return a dict of ids: company,
    currency, unit, warehouse, storage, supplier, production, customer,
    products (list)."""
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Currency = pool.get('currency.currency')
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        User = pool.get('res.user')
        Location = pool.get('stock.location')
        Uom = pool.get('product.uom')
        currency, = Currency.create([{
                    'name': 'Yuan', 'symbol': '¥', 'code': 'CNY'}])
        party, = Party.create([{'name': "Bench Co."}])
        company, = Company.create([{
                    'party': party.id, 'currency': currency.id}])
        User.write([User(ADMIN)], {
                'companies': [('add', [company.id])],
                'company': company.id,
                })
        warehouse, = Location.search([('code', '=', 'WH')])
        unit, = Uom.search([('name', '=', 'Unit')])
        world = {
            'company': company.id,
            'currency': currency.id,
            'unit': unit.id,
            'warehouse': warehouse.id,
            'storage': warehouse.storage_location.id,
            'production': warehouse.production_location.id,
            'supplier': Location.search([('code', '=', 'SUP')])[0].id,
            'customer': Location.search([('code', '=', 'CUS')])[0].id,
            }
        transaction.commit()
    world['products'] = []
    for start in range(0, products, CHUNK):
        with Transaction().start(database, ADMIN) as transaction, \
                company_context():
            world['products'] += create_products(world['unit'],
                range(start, min(start + CHUNK, products)))
            transaction.commit()
    return world


def create_products(unit, numbers):
    "Return the ids of new goods products RM-<number> (list of int)."
    Template = Pool().get('product.template')
    templates = Template.create([{
                'name': "Bench material %05d" % n, 'type': 'goods',
                'default_uom': unit, 'cost_price_method': 'fixed',
                'products': [('create', [{
                                'code': 'RM-%05d' % n,
                                'cost_price': PRICE,
                                }])],
                } for n in numbers])
    return [t.products[0].id for t in templates]


def direction(world, rng):
    """Return (from location, to location, priced) of a random move: in
    from the supplier, out to production or to a customer; priced: the
    move carries a unit price (from a supplier, to a customer)."""
    draw = rng.random()
    if draw < IN_SHARE:
        return world['supplier'], world['storage'], True
    if draw < IN_SHARE + PRODUCTION_SHARE:
        return world['storage'], world['production'], False
    return world['storage'], world['customer'], True


def required_columns(conninfo):
    """Return the NOT NULL columns without default of stock_move that
    COLUMNS misses (list of str): the generated history must fill them."""
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'stock_move' AND is_nullable = 'NO' "
            "AND column_default IS NULL").fetchall()
    return sorted(name for name, in rows if name not in COLUMNS)


def history_lines(world, count, first_id, end, rng):
    """Yield the COPY text lines (COLUMNS order) of ``count`` done moves
    with ids from ``first_id``, in order of effective time, spread
    uniformly over the HISTORY_DAYS days before ``end`` (naive UTC)."""
    span = HISTORY_DAYS * 86400
    offsets = sorted(rng.randrange(span) for _ in range(count))
    products = world['products']
    for i, offset in enumerate(offsets):
        when = end - dt.timedelta(seconds=span - offset)
        from_, to, priced = direction(world, rng)
        quantity = rng.randint(1, 20)
        stamp = when.isoformat(' ')
        day = when.date().isoformat()
        fields = (first_id + i, world['company'], rng.choice(products),
            world['unit'], quantity, quantity, from_, to,
            world['currency'] if priced else '\\N',
            PRICE if priced else '\\N', PRICE, 'done', day, day, stamp,
            ADMIN, ADMIN, stamp)
        yield '\t'.join(map(str, fields)) + '\n'


def load_history(conninfo, world, count, seed):
    """COPY ``count`` generated done moves into stock_move (ids reserved
    from its sequence) and VACUUM ANALYZE it; return the seconds taken
    (float)."""
    missing = required_columns(conninfo)
    if missing:
        raise RuntimeError('stock_move has NOT NULL columns the history '
            'does not fill: %s' % ', '.join(missing))
    started = time.monotonic()
    rng = random.Random(seed)
    end = dt.datetime.now(dt.timezone.utc).replace(
        tzinfo=None, microsecond=0)
    copy_moves(conninfo, COLUMNS, count,
        lambda first_id: history_lines(world, count, first_id, end, rng))
    return time.monotonic() - started


def copy_moves(conninfo, columns, count, lines):
    """Reserve ``count`` ids of stock_move's sequence, COPY the text lines
    that ``lines(first_id)`` yields into stock_move's ``columns`` (in
    FLUSH_BYTES writes), then VACUUM ANALYZE stock_move."""
    statement = sql.SQL('COPY stock_move ({}) FROM STDIN').format(
        sql.SQL(', ').join(map(sql.Identifier, columns)))
    with psycopg.connect(conninfo, autocommit=True) as connection:
        last, = connection.execute("SELECT setval('stock_move_id_seq', "
            "nextval('stock_move_id_seq') + %s)", (count,)).fetchone()
        with connection.transaction(), \
                connection.cursor().copy(statement) as copy:
            buffer, size = [], 0
            for line in lines(last - count):
                buffer.append(line)
                size += len(line)
                if size > FLUSH_BYTES:
                    copy.write(''.join(buffer))
                    buffer, size = [], 0
            copy.write(''.join(buffer))
        connection.execute('VACUUM ANALYZE stock_move')


def batch_values(world, rng, size):
    "Return the values (list of dict) of ``size`` new moves."
    values = []
    for _ in range(size):
        from_, to, priced = direction(world, rng)
        move = {
            'product': rng.choice(world['products']),
            'unit': world['unit'],
            'quantity': rng.randint(1, 20),
            'from_location': from_,
            'to_location': to,
            'company': world['company'],
            }
        if priced:
            move.update(unit_price=PRICE, currency=world['currency'])
        values.append(move)
    return values


def run_batch(database, world, rng, size):
    """Time one batch: create and do ``size`` moves and commit, then
    process the rules' pending events and commit; return (do seconds,
    evaluation seconds, events processed, id of the last move)."""
    values = batch_values(world, rng, size)
    started = time.perf_counter()
    with Transaction().start(database, ADMIN) as transaction, \
            company_context():
        Move = Pool().get('stock.move')
        # No purchase or sale: skip the warnings on moves without origin.
        with Transaction().set_context(_skip_warnings=True):
            moves = Move.create(values)
            Move.do(moves)
        transaction.commit()
    done = time.perf_counter()
    with Transaction().start(database, ADMIN) as transaction, \
            company_context():
        processed = Pool().get('zt.rule.event').process()
        transaction.commit()
    evaluated = time.perf_counter()
    return done - started, evaluated - done, processed, moves[-1].id


def counts(conninfo):
    """Return (done moves, done moves in the last 24 h, alerts, pending
    events) of the database."""
    with psycopg.connect(conninfo) as connection:
        return connection.execute(
            "SELECT (SELECT COUNT(*) FROM stock_move WHERE state = 'done'), "
            "(SELECT COUNT(*) FROM stock_move WHERE state = 'done' AND "
            "zt_effective_time > (now() AT TIME ZONE 'UTC') "
            "- interval '24 hours'), "
            "(SELECT COUNT(*) FROM zt_alert), "
            "(SELECT COUNT(*) FROM zt_rule_event WHERE state = 'pending')"
            ).fetchone()


def prepared_plans(database):
    """Return the window queries (bounded by zt_effective_time) that
    psycopg prepared on the connection of Tryton's pool (list of dict:
    statement, generic_plans, custom_plans): PostgreSQL counts how often
    it ran each with a generic plan, which cannot use the partial indexes
    on state = 'done'."""
    with Transaction().start(database, ADMIN, readonly=True):
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT statement, generic_plans, custom_plans '
            'FROM pg_prepared_statements WHERE statement LIKE %s',
            ('%"zt_effective_time" > %',))
        return [{'statement': s[:120], 'generic_plans': g,
                'custom_plans': c} for s, g, c in cursor]


def measure(database, conninfo, world, size, batches, seed):
    """Run a warm-up batch then ``batches`` timed batches of ``size`` moves;
    return the results (dict) with the medians."""
    rng = random.Random(seed)
    moves_before, _, alerts_before, _ = counts(conninfo)
    run_batch(database, world, rng, size)
    runs = [run_batch(database, world, rng, size) for _ in range(batches)]
    moves, window, alerts, pending = counts(conninfo)
    assert all(r[2] == size for r in runs), [r[2] for r in runs]
    assert not pending, pending
    do_s = statistics.median(r[0] for r in runs)
    eval_s = statistics.median(r[1] for r in runs)
    return {
        'done_moves_before': moves_before,
        'done_moves_after': moves,
        'moves_last_24h': window,
        'batch': size,
        'batches': batches,
        'do_s': do_s,
        'eval_s': eval_s,
        'do_ms_per_move': 1000 * do_s / size,
        'eval_ms_per_move': 1000 * eval_s / size,
        'eval_over_do': eval_s / do_s,
        'do_runs_s': [r[0] for r in runs],
        'eval_runs_s': [r[1] for r in runs],
        'alerts_created': alerts - alerts_before,
        'last_move': runs[-1][3],
        'prepared': prepared_plans(database),
        }


def window_query(database, move_id):
    """Return (SQL with %s placeholders, params, product, start, end) of the
    frequent-movement rule's first window for the move ``move_id``, as the
    engine builds it."""
    from trytond.modules.zt_rules import evaluate, facts, journal
    with Transaction().start(database, ADMIN, readonly=True), \
            company_context():
        pool = Pool()
        Rule = pool.get('zt.rule')
        Move = pool.get('stock.move')
        rule, = Rule.search([
                ('trigger', '=', 'stock_move.done'),
                ('name', 'like', RULE),
                ])
        key = evaluate.window_keys(rule.specs())[0]
        subject = facts.stock_move(Move(move_id))
        anchor = subject.anchors[key[1]]
        start, end = journal._bounds(subject.end, key[3])
        query = journal.window_query(key[1], key[2], start, end,
            subject.warehouse, anchor)
        text, params = tuple(query)
        return text, params, anchor, start, end


def count_columns(move):
    "The default columns of the window query with COUNT(*)."
    return [Count(), Sum(move.internal_quantity)]


def check_window_query(database):
    """Run the default window query (count and sum) once; if PostgreSQL
    cannot type its COUNT parameter, patch journal.window_query in this
    process to count with COUNT(*); return the workaround applied (str)
    or None."""
    from trytond.modules.zt_rules import journal
    with Transaction().start(database, ADMIN, readonly=True):
        Location = Pool().get('stock.location')
        warehouse, = Location.search([('code', '=', 'WH')])
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        cursor = Transaction().connection.cursor()
        try:
            cursor.execute(*journal.window_query('product', 'both',
                    now - dt.timedelta(days=1), now, warehouse, 0))
            cursor.fetchone()
            return None
        except psycopg.errors.IndeterminateDatatype as error:
            failure = str(error).strip()
    original = journal.window_query

    def window_query(*args, columns=None, **kwargs):
        return original(*args, columns=columns or count_columns, **kwargs)
    journal.window_query = window_query
    return ('journal.window_query: %s; measured with COUNT(*) '
        '(Count()) instead of Count(Literal(\'*\'))' % failure)


def scans(conninfo, plan):
    """Return the index scans of ``plan`` (list of dict: node, index,
    definition)."""
    found = INDEX_SCAN.findall(plan)
    with psycopg.connect(conninfo) as connection:
        definitions = dict(connection.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = 'public'").fetchall())
    return [{'node': node, 'index': name,
            'definition': definitions.get(name, '')}
        for node, name in found]


def explain(database, conninfo, move_id):
    """Return EXPLAIN (ANALYZE, BUFFERS) of the rule's window query for
    ``move_id`` (dict): the custom plan (parameters known, as Tryton's
    unprepared queries) and the generic plan of the prepared statement,
    each with its index scans and whether the (product,
    zt_effective_time) index serves it."""
    text, params, product, start, end = window_query(database, move_id)
    result = {'product': product, 'start': start.isoformat(' '),
        'end': end.isoformat(' '), 'query': text,
        'params': [str(p) for p in params]}
    numbered = iter(range(1, len(params) + 1))
    prepared = re.sub('%s', lambda m: '$%d' % next(numbered), text)
    with psycopg.connect(conninfo) as connection:
        for _ in range(2):  # the second, warm
            custom = connection.execute(
                'EXPLAIN (ANALYZE, BUFFERS) ' + text, params).fetchall()
        connection.execute('SET plan_cache_mode = force_generic_plan')
        connection.execute('PREPARE zt_window AS ' + prepared)
        cursor = psycopg.ClientCursor(connection)
        for _ in range(2):
            cursor.execute('EXPLAIN (ANALYZE, BUFFERS) EXECUTE '
                'zt_window(%s)' % ', '.join(['%s'] * len(params)), params)
            generic = cursor.fetchall()
    for label, rows in (('custom', custom), ('generic', generic)):
        plan = '\n'.join(r[0] for r in rows)
        found = scans(conninfo, plan)
        time_ = re.search(r'Execution Time: ([0-9.]+) ms', plan)
        result[label] = {
            'plan': plan,
            'execution_ms': float(time_.group(1)) if time_ else None,
            'index_scans': found,
            'uses_zt_index': any(
                '(product, zt_effective_time)' in s['definition']
                for s in found),
            }
    return result


def run(database, conninfo, world, histories, size, batches):
    """Load the history up to each of ``histories`` (ascending numbers of
    moves) and measure; return the results (dict)."""
    workaround = check_window_query(database)
    phases, loaded = [], 0
    for step, history in enumerate(histories):
        seconds = load_history(conninfo, world, history - loaded,
            SEED + step)
        loaded = history
        phase = measure(database, conninfo, world, size, batches,
            SEED + 100 + step)
        phase.update({'history': history, 'load_s': seconds})
        phase['explain'] = explain(database, conninfo, phase['last_move'])
        phases.append(phase)
    first, last = phases[0], phases[-1]
    return {
        'workaround': workaround,
        'products': len(world['products']),
        'history_days': HISTORY_DAYS,
        'phases': phases,
        'ratio': last['eval_s'] / first['eval_s'],
        'ratio_per_move': last['eval_ms_per_move']
        / first['eval_ms_per_move'],
        }


def table(result, goal):
    "Return the rules part (dict) as lines of a readable table (list)."
    phases = result['phases']
    lines = ['Workaround: %s' % result['workaround']] if result[
        'workaround'] else []
    lines += [
        'Rule "Frequent movement" after each batch: %d moves per batch, '
        'median of %d batches, %d products, history over %d days' % (
            phases[0]['batch'], phases[0]['batches'], result['products'],
            result['history_days']),
        '  %-10s %9s %9s %9s %9s %9s %7s %6s' % ('history', 'do s',
            'do ms/mv', 'eval s', 'ev ms/mv', 'eval/do', '24h mv',
            'alerts')]
    for phase in phases:
        lines.append('  %-10d %9.3f %9.2f %9.3f %9.2f %8.2fx %7d %6d' % (
                phase['history'], phase['do_s'], phase['do_ms_per_move'],
                phase['eval_s'], phase['eval_ms_per_move'],
                phase['eval_over_do'], phase['moves_last_24h'],
                phase['alerts_created']))
    lines.append('  evaluation %d / %d: %.2fx    (goal <= %.1fx)' % (
            phases[-1]['history'], phases[0]['history'], result['ratio'],
            goal))
    for phase in phases:
        generic = sum(p['generic_plans'] for p in phase['prepared'])
        custom = sum(p['custom_plans'] for p in phase['prepared'])
        lines.append('  window queries prepared by psycopg at %d: %d '
            'statement(s), %d generic / %d custom plans' % (
                phase['history'], len(phase['prepared']), generic, custom))
        for label in ('custom', 'generic'):
            plan = phase['explain'][label]
            lines.append('  window query at %d, %s plan: %.3f ms, %s' % (
                    phase['history'], label, plan['execution_ms'] or 0,
                    ', '.join('%s %s' % (s['node'], s['index'][:16])
                        for s in plan['index_scans']) or 'no index scan'))
            lines.append('    (product, zt_effective_time) index: %s' % (
                    'used' if plan['uses_zt_index'] else 'NOT USED'))
    return lines
