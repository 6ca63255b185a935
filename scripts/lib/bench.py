# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Driver of scripts/bench: the cost of the ledger and of the rules,
measured in one run.

1. Issue moves (storage to production) in a database with plain Tryton
   (the modules zt_inventory depends on) and in one with zt_inventory:
   seconds for each and their ratio (goal: at most 1.2).
2. ``ztinv verify`` on a generated ledger of ``--entries`` entries against
   a plain COPY read of the same columns (goal: 1,000,000 in 5 s).
3. The rule "Frequent movement" (zt_rules) after each batch of
   ``--rules-batch`` new moves on a generated history of done moves, at
   each size of ``--rules-history``: the evaluation's time per batch
   against the plain Tryton create and do of the same batch, and its ratio
   between the largest and the smallest history (goal: at most 1.2, it
   must not grow with the history); see bench_rules.py.
4. Signed scans of ``--devices`` simulated devices over JSON-RPC to a
   real trytond on loopback (scan -> verified -> answer): p50/p95/p99
   latency, closed loop and paced, and the scans per second sustained,
   against plain Tryton RPCs (party create, product lookup) timed the same
   way in the same run (goal: p95 at most 100 ms); see bench_devices.py.
5. The inventory cockpit's reports (zt.cockpit.*) on a generated history
   of ``--cockpit-moves`` moves of ``--cockpit-products`` products (two
   warehouses, transfers, cancelled moves, categories, order points):
   ``search_read`` of each list view as the client asks it, default,
   warehouse and category filters, against Tryton's own stock reports on
   the same data, and the EXPLAIN ANALYZE plans (goal: each at most 1 s);
   see bench_cockpit.py.

Prints a table, writes var/bench/ledger-<timestamp>.json (parts 1 and 2),
var/bench/rules-<timestamp>.json (part 3) and
var/bench/devices-<timestamp>.json (part 4),
var/bench/cockpit-<timestamp>.json (part 5) and drops the zt_bench_*
databases it created (unless --keep).  ``--skip-moves --skip-verify``
runs parts 3, 4 and 5; ``--skip-moves --skip-verify --skip-rules
--skip-devices`` part 5 only.
"""
import argparse
import configparser
import datetime as dt
import json
import os
import platform
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / '.venv' / 'bin'
OUT = ROOT / 'var' / 'bench'
MODULE_CFG = ROOT / 'addons' / 'zt_inventory' / 'tryton.cfg'
MOVES_GOAL = 1.2
VERIFY_GOAL = 5.0
RULES_GOAL = 1.2
DEVICES_GOAL_MS = 100.0
COCKPIT_GOAL_S = 1.0


def parse_args(argv=None):
    "Return the options of scripts/bench (argparse.Namespace)."
    parser = argparse.ArgumentParser(prog='scripts/bench',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('--moves', type=int, default=500, metavar='N',
        help="issue moves timed per database and run (default 500)")
    parser.add_argument('--batch', type=int, default=1, metavar='B',
        help="moves per transaction (default 1: create, do, commit)")
    parser.add_argument('--entries', type=int, default=1000000,
        metavar='N', help="generated ledger entries (default 1000000)")
    parser.add_argument('--chains', type=int, default=4, metavar='K',
        help="chains (warehouses) the entries are spread on (default 4)")
    parser.add_argument('--repeat', type=int, default=3, metavar='R',
        help="timed runs of each measure, the median is reported "
        "(default 3)")
    parser.add_argument('--profile', action='store_true',
        help="profile the ledger database's moves even within the goal")
    parser.add_argument('--rules-history', type=history_sizes,
        default=[100000, 1000000], metavar='N,N',
        help="sizes of the generated move history the rules are measured "
        "at, ascending (default 100000,1000000)")
    parser.add_argument('--rules-batch', type=int, default=100,
        metavar='N', help="new moves per batch (default 100)")
    parser.add_argument('--rules-batches', type=int, default=5,
        metavar='K', help="timed batches per history size, the median is "
        "reported (default 5)")
    parser.add_argument('--rules-products', type=int, default=10000,
        metavar='N', help="products of the rules' database (default "
        "10000)")
    parser.add_argument('--skip-moves', action='store_true')
    parser.add_argument('--skip-verify', action='store_true')
    parser.add_argument('--skip-rules', action='store_true')
    parser.add_argument('--devices', type=int, default=20, metavar='N',
        help="simulated devices (concurrent clients) of part 4 (default "
        "20)")
    parser.add_argument('--devices-duration', type=float, default=20.0,
        metavar='S', help="timed seconds of each row of part 4 (default "
        "20)")
    parser.add_argument('--devices-warmup', type=float, default=3.0,
        metavar='S', help="warm-up seconds before each row of part 4 "
        "(default 3)")
    parser.add_argument('--devices-interval', type=float, default=1.0,
        metavar='S', help="seconds between the requests of one device in "
        "the paced rows of part 4 (default 1: an operator scanning once a "
        "second on each device)")
    parser.add_argument('--skip-devices', action='store_true')
    parser.add_argument('--cockpit-moves', type=history_sizes,
        default=[1000000], metavar='N[,N]',
        help="moves of the cockpit's generated history; several sizes, "
        "ascending, are loaded and measured in turn (default 1000000)")
    parser.add_argument('--cockpit-products', type=int, default=10000,
        metavar='N', help="products of the cockpit's database (default "
        "10000)")
    parser.add_argument('--cockpit-categories', type=int, default=50,
        metavar='N', help="product categories of the cockpit's database "
        "(default 50)")
    parser.add_argument('--skip-cockpit', action='store_true')
    parser.add_argument('--keep', action='store_true',
        help="keep the zt_bench_* databases")
    parser.add_argument('--uri', default=os.environ.get(
            'ZT_BENCH_URI', 'postgresql://postgres@127.0.0.1:5432/'),
        help="PostgreSQL server (default postgresql://postgres@"
        "127.0.0.1:5432/, or $ZT_BENCH_URI)")
    return parser.parse_args(argv)


def history_sizes(text):
    "Return the sizes of ``text`` ('100000,1000000'), ascending (list)."
    try:
        sizes = [int(n) for n in text.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError('not numbers: %r' % text)
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] <= 0:
        raise argparse.ArgumentTypeError(
            'positive, ascending and distinct sizes: %r' % text)
    return sizes


def conninfo(uri, database):
    "Return ``uri`` (str) with the database name ``database``."
    return uri.rstrip('/') + '/' + database


def dependencies():
    "Return the modules zt_inventory depends on (list of str)."
    config = configparser.ConfigParser()
    config.read(MODULE_CFG)
    return config.get('tryton', 'depends').split()


def write_config(uri):
    "Write var/bench/trytond.conf for ``uri``; return its path (str)."
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / 'trytond.conf'
    path.write_text('[database]\nuri = %s\npath = %s\n' % (
            uri, OUT / 'filestore'))
    return str(path)


def create_databases(uri, config, modules):
    """Create and activate one database per entry of ``modules`` (dict
    name -> list of modules) with trytond-admin, in parallel.  Raises
    RuntimeError if trytond-admin fails."""
    password = OUT / 'admin-password'
    password.write_text(secrets.token_hex(16))
    with psycopg.connect(conninfo(uri, 'postgres'),
            autocommit=True) as connection:
        for name in modules:
            connection.execute(sql.SQL('CREATE DATABASE {} TEMPLATE '
                    "template0 ENCODING 'UTF8'").format(
                    sql.Identifier(name)))
    processes, logs = {}, []
    for name, names in modules.items():
        logs.append(open(OUT / ('%s.log' % name), 'w'))
        log = logs[-1]
        processes[name] = subprocess.Popen([VENV / 'trytond-admin',
                '-c', config, '-d', name, '--all',
                '--activate-dependencies', '-u', *names,
                '--email', 'admin@example.com'], stdout=log,
            stderr=subprocess.STDOUT, env=dict(os.environ,
                TRYTONPASSFILE=str(password)))
    failed = [name for name, process in processes.items() if process.wait()]
    password.unlink()
    for log in logs:
        log.close()
    if failed:
        raise RuntimeError('trytond-admin failed, see %s' % ', '.join(
                str(OUT / ('%s.log' % name)) for name in failed))
    for name in modules:
        (OUT / ('%s.log' % name)).unlink()


def drop_databases(uri, names):
    "Drop the databases ``names`` (iterable of str) if they exist."
    with psycopg.connect(conninfo(uri, 'postgres'),
            autocommit=True) as connection:
        for name in names:
            connection.execute(sql.SQL(
                    'DROP DATABASE IF EXISTS {} WITH (FORCE)').format(
                    sql.Identifier(name)))


def run_moves(options, databases, worlds, stamp):
    "Part 1; return its results (dict)."
    import bench_moves
    runs = bench_moves.run(databases, worlds, options.moves, options.batch,
        options.repeat)
    plain, ledger = runs['plain']['seconds'], runs['ledger']['seconds']
    result = {
        'moves': options.moves,
        'moves_per_transaction': options.batch,
        'plain': runs['plain'],
        'ledger': runs['ledger'],
        'ratio': ledger / plain,
        'goal_ratio': MOVES_GOAL,
        }
    if options.profile or result['ratio'] > MOVES_GOAL:
        report = bench_moves.profile(databases['ledger'], worlds['ledger'],
            options.moves, options.batch)
        path = OUT / ('profile-%s.txt' % stamp)
        path.write_text(report)
        result['profile'] = str(path.relative_to(ROOT))
    return result


def run_verify(options, uri, config, database, world):
    "Part 2; return its results (dict)."
    import bench_ledger
    target = conninfo(uri, database)
    seconds = bench_ledger.generate(target, world['company'],
        world['warehouses'], options.entries, 1, os.cpu_count() or 1)
    entries, row_bytes, payload_bytes = bench_ledger.table_stats(target)
    result = bench_ledger.run(target, str(VENV / 'ztinv'), config,
        database, options.repeat)
    result.update({
            'generated': options.entries,
            'generate_s': seconds,
            'entries': entries,
            'chains': options.chains,
            'row_bytes': row_bytes,
            'payload_bytes': payload_bytes,
            'model': bench_ledger.MODEL,
            'ratio': result['verify_s'] / result['copy_s'],
            'ratio_indexed': result['verify_s'] / result['copy_indexed_s'],
            'entries_per_s': entries / result['verify_s'],
            'goal_s_per_million': VERIFY_GOAL,
            })
    return result


def run_rules(options, uri, database):
    "Part 3; return its results (dict)."
    import bench_rules
    world = bench_rules.build_world(database, options.rules_products)
    result = bench_rules.run(database, conninfo(uri, database), world,
        options.rules_history, options.rules_batch, options.rules_batches)
    result['goal_ratio'] = RULES_GOAL
    return result


def run_devices(options, uri, database):
    "Part 4; return its results (dict)."
    import bench_devices
    result = bench_devices.run(database, uri, conninfo(uri, database), OUT,
        options.devices, options.devices_duration, options.devices_warmup,
        options.devices_interval)
    result['goal_p95_ms'] = DEVICES_GOAL_MS
    return result


def run_cockpit(options, uri, database):
    "Part 5; return its results (dict)."
    import bench_cockpit
    world = bench_cockpit.build_world(database, options.cockpit_products,
        options.cockpit_categories)
    result = bench_cockpit.run(database, conninfo(uri, database), world,
        options.cockpit_moves, options.repeat)
    result['goal_s'] = COCKPIT_GOAL_S
    return result


def table(results):
    "Return the results (dict) as a readable table (str)."
    lines = ['', 'zt-inventory benchmark, %s, %s CPU(s), %s' % (
            results['date'], results['nproc'], results['load_note']), '']
    moves = results.get('moves')
    if moves:
        lines += [
            'Issue moves: %d, %d per transaction (create, do, commit), '
            'median of %d runs' % (moves['moves'],
                moves['moves_per_transaction'], results['repeat']),
            '  %-28s %8.2f s  %6.1f ms/move' % ('plain Tryton',
                moves['plain']['seconds'],
                1000 * moves['plain']['seconds'] / moves['moves']),
            '  %-28s %8.2f s  %6.1f ms/move' % ('with zt_inventory ledger',
                moves['ledger']['seconds'],
                1000 * moves['ledger']['seconds'] / moves['moves']),
            '  %-28s %8.2fx    (goal <= %.1fx)' % ('ratio', moves['ratio'],
                MOVES_GOAL)]
        if moves.get('profile'):
            lines.append('  profile of the ledger run: %s'
                % moves['profile'])
        lines.append('')
    verify = results.get('verify')
    if verify:
        lines += [
            'Verify: %d entries in %d chains (+ the moves above), %.0f '
            'bytes/row, payload %.0f bytes, median of %d runs' % (
                verify['generated'], verify['chains'], verify['row_bytes'],
                verify['payload_bytes'], results['repeat']),
            '  %-28s %8.2f s' % ('generate and load',
                verify['generate_s']),
            '  %-28s %8.2f s' % ('COPY read, planner order',
                verify['copy_s']),
            '  %-28s %8.2f s' % ('COPY read, index order',
                verify['copy_indexed_s']),
            '  %-28s %8.2f s  %9.0f entries/s' % ('ztinv verify',
                verify['verify_s'], verify['entries_per_s']),
            '  %-28s %8.2f s' % ('  as verify reports it',
                verify['verify_reported_s']),
            '  %-28s %8.2fx / %.2fx' % ('verify / COPY reads',
                verify['ratio'], verify['ratio_indexed']),
            '  %s' % verify['verify_summary'], '']
    rules = results.get('rules')
    if rules:
        import bench_rules
        lines += bench_rules.table(rules, RULES_GOAL) + ['']
    devices = results.get('devices')
    if devices:
        import bench_devices
        lines += bench_devices.table(devices, DEVICES_GOAL_MS) + ['']
    cockpit = results.get('cockpit')
    if cockpit:
        import bench_cockpit
        lines += bench_cockpit.table(cockpit, COCKPIT_GOAL_S) + ['']
    return '\n'.join(lines)


def main(argv=None):
    "Run the benchmark; return the exit code."
    options = parse_args(argv)
    try:
        psycopg.connect(conninfo(options.uri, 'postgres'),
            connect_timeout=5).close()
    except psycopg.OperationalError as error:
        print('bench: PostgreSQL is not reachable at %s: %s'
            % (options.uri, str(error).strip()), file=sys.stderr)
        return 2
    config = write_config(options.uri)
    from trytond import config as tconfig
    tconfig.update_etc(config)
    import bench_moves
    now = dt.datetime.now()
    stamp = now.strftime('%Y%m%d-%H%M%S')
    ledger_parts = not (options.skip_moves and options.skip_verify)
    databases, modules = {}, {}
    if ledger_parts:
        databases = {
            'plain': 'zt_bench_plain_%s' % stamp.replace('-', '_'),
            'ledger': 'zt_bench_ledger_%s' % stamp.replace('-', '_')}
        modules = {databases['plain']: dependencies(),
            databases['ledger']: ['zt_inventory']}
    rules_database = 'zt_bench_rules_%s' % stamp.replace('-', '_')
    if not options.skip_rules:
        modules[rules_database] = ['zt_rules']
    devices_database = 'zt_bench_devices_%s' % stamp.replace('-', '_')
    if not options.skip_devices:
        modules[devices_database] = ['zt_devices']
    cockpit_database = 'zt_bench_cockpit_%s' % stamp.replace('-', '_')
    if not options.skip_cockpit:
        # zt_rules marks the abnormal moves in the flow report
        modules[cockpit_database] = ['zt_rules']
    results = {'date': now.isoformat(timespec='seconds'),
        'nproc': os.cpu_count(), 'machine': platform.platform(),
        'python': platform.python_version(), 'repeat': options.repeat,
        'load_before': os.getloadavg(), 'databases': databases,
        'command': ' '.join(['scripts/bench'] + sys.argv[1:])}
    started = time.monotonic()
    try:
        create_databases(options.uri, config, modules)
        worlds = {label: bench_moves.build_world(name,
                warehouses=options.chains if label == 'ledger' else 0)
            for label, name in databases.items()}
        if not options.skip_moves:
            results['moves'] = run_moves(options, databases, worlds,
                stamp)
        if not options.skip_verify:
            results['verify'] = run_verify(options, options.uri, config,
                databases['ledger'], worlds['ledger'])
        if not options.skip_rules:
            results['rules'] = run_rules(options, options.uri,
                rules_database)
        if not options.skip_devices:
            results['devices'] = run_devices(options, options.uri,
                devices_database)
        if not options.skip_cockpit:
            results['cockpit'] = run_cockpit(options, options.uri,
                cockpit_database)
    finally:
        if not options.keep:
            drop_databases(options.uri, modules)
    results['load_after'] = os.getloadavg()
    results['load_note'] = 'load average %.1f before, %.1f after' % (
        results['load_before'][0], results['load_after'][0])
    results['total_s'] = time.monotonic() - started
    print(table(results))
    rules = results.pop('rules', None)
    devices = results.pop('devices', None)
    cockpit = results.pop('cockpit', None)
    common = {k: v for k, v in results.items()
        if k not in {'moves', 'verify', 'databases'}}
    if ledger_parts:
        path = OUT / ('ledger-%s.json' % stamp)
        path.write_text(json.dumps(results, indent=2) + '\n')
        print('results: %s' % path.relative_to(ROOT))
    if rules:
        path = OUT / ('rules-%s.json' % stamp)
        path.write_text(json.dumps(dict(common, database=rules_database,
                    rules=rules), indent=2, default=str) + '\n')
        print('results: %s' % path.relative_to(ROOT))
    if devices:
        path = OUT / ('devices-%s.json' % stamp)
        path.write_text(json.dumps(dict(common, database=devices_database,
                    devices=devices), indent=2, default=str) + '\n')
        print('results: %s' % path.relative_to(ROOT))
    if cockpit:
        path = OUT / ('cockpit-%s.json' % stamp)
        path.write_text(json.dumps(dict(common, database=cockpit_database,
                    cockpit=cockpit), indent=2, default=str) + '\n')
        print('results: %s' % path.relative_to(ROOT))
    if devices and devices['problems']:
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
