# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Compare the stock records with the last state their ledger entries record.

Part of ``ztinv verify``: plain SQL through a DB-API connection (no ORM, no
access rules, no cache), so that it sees a change made behind the ORM's
back.  The chain check proves the entries are authentic; this check proves
that the records still say what the entries say.

For each record the ledger knows, the *last* entry that says what state
it is in (by hashed timestamp, then chain and sequence, never by the id,
which is not hashed; refusals, rejected scans and changes of free fields
left out) is compared with the current row:

- stock moves not in draft or staging: state, product, quantity (and in
  the product's unit, when the entry holds it), unit, locations, lot, unit
  price, effective date, origin, shipment or production, and the company
  of the entry's chain (every move event holds the whole move);
- shipments, inventories (counts) and productions: the state;
- issue requests: the state that the last recorded action leads to (an
  'issued' request is done, a 'cancelled' one cancelled...).

A record that the ledger knows but that no longer exists is reported, and
so is a done (or, for moves, assigned or cancelled) record with no entry at
all: it was inserted behind the ORM's back.
"""
import json
from decimal import Decimal, InvalidOperation

from .chain import Problem

# Move field -> (column, payload key).
MOVE_FIELDS = [
    ('state', 'state', 'state'),
    ('product', 'product', 'product_id'),
    ('quantity', 'quantity', 'quantity'),
    ('unit', 'unit', 'unit_id'),
    ('from_location', 'from_location', 'from_location_id'),
    ('to_location', 'to_location', 'to_location_id'),
    ('lot', 'lot', 'lot_id'),
    ('unit_price', 'unit_price', 'unit_price'),
    ('effective_date', 'effective_date', 'effective_date'),
    ('origin', 'origin', 'origin'),
    ('internal_quantity', 'internal_quantity', 'internal_quantity'),
    ]
# Columns read besides MOVE_FIELDS: what the payload's 'shipment' and the
# chain's company are compared with.
MOVE_LINKS = ['shipment', 'production_input', 'production_output',
    'company']
# Payload keys that older entries may lack: compared only when present.
MOVE_OPTIONAL = {'internal_quantity'}
# States whose changes the ledger does not record (see stock.Move.on_write).
MOVE_UNTRACKED_STATES = {'draft', 'staging'}
# Model -> table of the records whose ledger entries hold {'state': [old,
# new]} (ledger.LedgerStateMixin).
STATE_TABLES = {
    'stock.shipment.in': 'stock_shipment_in',
    'stock.shipment.in.return': 'stock_shipment_in_return',
    'stock.shipment.out': 'stock_shipment_out',
    'stock.shipment.out.return': 'stock_shipment_out_return',
    'stock.shipment.internal': 'stock_shipment_internal',
    'stock.inventory': 'stock_inventory',
    'production': 'production',
    }
# Issue request action (last entry) -> the states the request may be in.
REQUEST_STATES = {
    'draft': {'draft'},
    'submitted': {'waiting'},
    'approvals_reset': {'waiting'},
    'approved': {'waiting', 'approved'},
    'rejected': {'rejected'},
    'scanned': {'approved'},
    'issued': {'done'},
    'cancelled': {'cancelled'},
    }
# A record in one of these states must have at least one entry.
FINAL_STATES = {
    'stock.move': {'assigned', 'done', 'cancelled'},
    'zt.issue.request': {'done'},
    }

# The last entry of each record that says what state it is in: ordered by
# the hashed timestamp, then chain and sequence, never by the id (not hashed:
# swapping ids must not change which entry is last).  Events that do not
# move a record are left out (:data:`STATELESS_EVENTS`).
LAST_ENTRIES = ('SELECT model, record, event, payload, key, sequence FROM ('
    'SELECT e.model, e.record, e.event, e.payload, c.key, e.sequence, '
    'ROW_NUMBER() OVER (PARTITION BY e.model, e.record '
    'ORDER BY e.timestamp DESC, c.key DESC, e.sequence DESC) AS rank '
    'FROM zt_ledger_entry AS e '
    'JOIN zt_ledger_chain AS c ON c.id = e.chain '
    'WHERE e.model IN (%(models)s) AND e.event NOT IN (%(stateless)s)) '
    'AS l WHERE rank = 1')
# Events after which a record is in the state it was in before.
STATELESS_EVENTS = ['zt.issue.request.scan_rejected',
    'zt.issue.request.changed']
# Every model compared, in the order of the report.
MODELS = ['stock.move'] + list(STATE_TABLES) + ['zt.issue.request']


def normalise(value):
    """Return ``value`` (from a payload or a column) in a form that compares
    equal whatever the backend returned: numbers as normalised Decimal,
    dates as ISO text, other values unchanged."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value)).normalize()
    if hasattr(value, 'isoformat'):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return Decimal(value).normalize()
        except InvalidOperation:
            return value
    return value


def _last_entries(cursor, placeholder):
    """Return {model: {record id: (event, payload dict, chain key,
    sequence)}} of the last entry (refusals aside) of every record of
    :data:`MODELS`: one pass over the ledger."""
    stateless = ([m + suffix for m in MODELS
            for suffix in ['.refused', '.sod_override']]
        + STATELESS_EVENTS)
    cursor.execute(LAST_ENTRIES % {
            'models': ', '.join([placeholder] * len(MODELS)),
            'stateless': ', '.join([placeholder] * len(stateless)),
            }, MODELS + stateless)
    result = {m: {} for m in MODELS}
    for model, record, event, payload, key, sequence in cursor.fetchall():
        try:
            payload = json.loads(payload or '{}')
        except ValueError:
            payload = {}
        result[model][int(record)] = (event, payload, key, int(sequence))
    return result


def _rows(cursor, table, columns):
    "Return {id: {column: value}} of every row of ``table``."
    cursor.execute('SELECT id, %s FROM "%s"' % (
            ', '.join('"%s"' % c for c in columns), table))
    return {int(row[0]): dict(zip(columns, row[1:]))
        for row in cursor.fetchall()}


def _problem(entry, model, record, detail):
    if entry is None:
        return Problem('-', 0, 'record', '%s %s: %s' % (model, record, detail))
    _, _, key, sequence = entry
    return Problem(key, sequence, 'record',
        '%s %s: %s' % (model, record, detail))


def _differs(entry, model, record, field, ledger, current):
    return _problem(entry, model, record,
        'field %s: ledger %s, current %s' % (
            field, _show(ledger), _show(current)))


def _show(value):
    return 'none' if value is None else str(value)


def compare_moves(last, rows):
    """Return the problems (list of chain.Problem, kind 'record') of stock
    moves: ``last`` maps move id -> last entry, ``rows`` move id -> current
    columns (see :data:`MOVE_FIELDS`)."""
    problems = []
    for record, entry in sorted(last.items()):
        row = rows.get(record)
        if row is None:
            problems.append(_problem(entry, 'stock.move', record,
                    'deleted (the ledger last recorded it %s)'
                    % entry[1].get('state')))
            continue
        if row['state'] in MOVE_UNTRACKED_STATES \
                and entry[1].get('state') in MOVE_UNTRACKED_STATES:
            continue
        for field, column, key in MOVE_FIELDS:
            if key in MOVE_OPTIONAL and key not in entry[1]:
                continue
            ledger, current = entry[1].get(key), row[column]
            if normalise(ledger) != normalise(current):
                problems.append(_differs(entry, 'stock.move', record, field,
                        ledger, current))
        for field, ledger, current in _links(entry, row):
            if ledger != current:
                problems.append(_differs(entry, 'stock.move', record, field,
                        ledger, current))
    problems.extend(_unrecorded('stock.move', last, rows))
    return problems


def _links(entry, row):
    """Yield (field, ledger value, current value) of what links a move to
    its document and its company: the payload's shipment ('model,id', a
    production as 'production,<id>') and the company of the entry's chain
    (its key is '<company>:<warehouse>')."""
    production = row['production_input'] or row['production_output']
    current = row['shipment'] or (
        'production,%s' % production if production else None)
    yield 'shipment', entry[1].get('shipment'), current
    yield ('company', entry[2].split(':')[0],
        str(row['company']) if row['company'] is not None else None)


def compare_states(model, last, rows):
    """Return the problems of records of ``model`` whose entries hold
    ``{'state': [old, new]}``: ``last`` maps id -> last entry, ``rows`` id
    -> {'state': current}."""
    problems = []
    for record, entry in sorted(last.items()):
        row = rows.get(record)
        state = entry[1].get('state')
        ledger = state[-1] if isinstance(state, list) else state
        if row is None:
            problems.append(_problem(entry, model, record,
                    'deleted (the ledger last recorded it %s)' % ledger))
        elif row['state'] != ledger:
            problems.append(_differs(entry, model, record, 'state', ledger,
                    row['state']))
    problems.extend(_unrecorded(model, last, rows))
    return problems


def compare_requests(last, rows):
    """Return the problems of issue requests: the state must be one the
    last recorded action leads to (:data:`REQUEST_STATES`)."""
    model = 'zt.issue.request'
    problems = []
    for record, entry in sorted(last.items()):
        row = rows.get(record)
        action = entry[1].get('action')
        if row is None:
            problems.append(_problem(entry, model, record,
                    'deleted (the ledger last recorded %s)' % action))
            continue
        expected = REQUEST_STATES.get(action, set())
        if row['state'] not in expected:
            problems.append(_differs(entry, model, record, 'state',
                    '/'.join(sorted(expected)) or 'unknown action %s' % action,
                    row['state']))
    problems.extend(_unrecorded(model, last, rows))
    return problems


def _unrecorded(model, last, rows):
    final = FINAL_STATES.get(model, {'done'})
    return [_problem(None, model, record,
            'state %s but no ledger entry' % row['state'])
        for record, row in sorted(rows.items())
        if record not in last and row['state'] in final]


def compare(connection, placeholder='%s'):
    """Compare every stock move, shipment, inventory, production and issue
    request with the last state its ledger entries record; return the
    problems (list of chain.Problem of kind 'record', whose detail names
    the model, id, field, ledger value and current value).

    ``placeholder``: the DB-API parameter style ('%s' for psycopg, '?' for
    sqlite3)."""
    cursor = connection.cursor()
    last = _last_entries(cursor, placeholder)
    problems = compare_moves(last['stock.move'],
        _rows(cursor, 'stock_move',
            [c for _, c, _ in MOVE_FIELDS] + MOVE_LINKS))
    for model, table in STATE_TABLES.items():
        problems.extend(compare_states(model, last[model],
                _rows(cursor, table, ['state'])))
    problems.extend(compare_requests(last['zt.issue.request'],
            _rows(cursor, 'zt_issue_request', ['state'])))
    return problems
