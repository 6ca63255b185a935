# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""``ztinv trace``: the chain of custody of a product or a lot.

Every ledger entry of a stock move of the product (and lot), in time order,
with what it says (quantity, locations, lot, origin document), who acted
(user and employee), on which device, and the entry's hashes.  It reads the
database with plain SQL like ``ztinv verify`` and selects entries by their
hashed payload, never by a column that could be changed without breaking a
hash; each entry's hash is recomputed and a mismatch is shown."""
import json
import sys

from . import chain
from .custody import payload_pattern
from .ledger_verify import connect, placeholder

COLUMNS = ['chain', 'sequence', 'event', 'model', 'record', 'payload',
    'user', 'employee', 'device', 'timestamp', 'previous_hash', 'hash',
    'login', 'employee_name']
QUERY = ('SELECT c.key, e.sequence, e.event, e.model, e.record, e.payload, '
    'e."user", e.employee, e.device, e.timestamp, e.previous_hash, e.hash, '
    'u.login, p.name '
    'FROM zt_ledger_entry AS e '
    'JOIN zt_ledger_chain AS c ON c.id = e.chain '
    'LEFT JOIN res_user AS u ON u.id = e."user" '
    'LEFT JOIN company_employee AS m ON m.id = e.employee '
    'LEFT JOIN party_party AS p ON p.id = m.party '
    "WHERE e.model = 'stock.move' AND (%s) "
    'ORDER BY e.timestamp, c.key, e.sequence')


class TraceError(Exception):
    "The product or lot to trace does not exist."


def find_ids(cursor, product_code, lot_number=None):
    """Return (product ids, lot ids or None) of the product with the code
    ``product_code`` and its lots numbered ``lot_number``.  Raises
    :class:`TraceError` when none exists."""
    mark = placeholder()
    cursor.execute('SELECT id FROM product_product WHERE code = %s' % mark,
        (product_code,))
    products = [int(i) for i, in cursor.fetchall()]
    if not products:
        raise TraceError("no product has the code %r" % product_code)
    if lot_number is None:
        return products, None
    cursor.execute('SELECT id FROM stock_lot WHERE number = %s '
        'AND product IN (%s)' % (mark, ', '.join(map(str, products))),
        (lot_number,))
    lots = [int(i) for i, in cursor.fetchall()]
    if not lots:
        raise TraceError("product %s has no lot %r"
            % (product_code, lot_number))
    return products, lots


def trace(connection, product_code, lot_number=None):
    """Return the custody of ``product_code`` (and lot ``lot_number``): a
    list of dicts in time order, one per ledger entry of its stock moves,
    with: time (UTC text), event, move (id), quantity (float, in ``unit``),
    unit, from and to locations (code or name), lot, document (shipment
    or production reference), request (number of the issue request the
    move's origin line belongs to, or None), origin ('model,id'), user
    (login),
    employee (name), device, chain, sequence, previous_hash, hash and
    intact (the recomputed hash equals the stored one).

    Raises :class:`TraceError` for an unknown product or lot."""
    cursor = connection.cursor()
    products, lots = find_ids(cursor, product_code, lot_number)
    key, ids = ('lot_id', lots) if lots else ('product_id', products)
    mark = placeholder()
    where = ' OR '.join(["e.payload LIKE %s ESCAPE '\\'" % mark] * len(ids))
    cursor.execute(QUERY % where,
        [payload_pattern(key, i) for i in ids])
    result = []
    rows = cursor.fetchall()
    requests = _request_numbers(cursor, [json.loads(r[5]).get('origin')
            for r in rows])
    for row in rows:
        row = dict(zip(COLUMNS, row))
        entry = chain.Entry(row['chain'], int(row['sequence']),
            row['event'], row['model'], int(row['record']), row['payload'],
            _int(row['user']), _int(row['employee']), row['device'] or None,
            row['timestamp'], row['previous_hash'], row['hash'])
        payload = json.loads(row['payload'])
        result.append({
                'time': row['timestamp'],
                'event': row['event'],
                'move': entry.record,
                'quantity': payload.get('quantity'),
                'unit': payload.get('unit'),
                'from_location': payload.get('from_location'),
                'to_location': payload.get('to_location'),
                'lot': payload.get('lot'),
                'document': payload.get('shipment_reference'),
                'request': requests.get(payload.get('origin')),
                'origin': payload.get('origin'),
                'user': row['login'],
                'employee': row['employee_name'],
                'device': row['device'] or None,
                'chain': entry.chain,
                'sequence': entry.sequence,
                'previous_hash': entry.previous_hash,
                'hash': entry.hash,
                'intact': chain.entry_hash(*entry[:-1]) == entry.hash,
                })
    return result


def _request_numbers(cursor, origins):
    """Return {origin: number of its issue request} for the origins
    (``'zt.issue.request.line,<id>'``) among ``origins``: the request as it
    is now (a display aid, not a hashed value)."""
    lines = {int(o.split(',')[1]): o for o in origins
        if o and o.startswith('zt.issue.request.line,')}
    if not lines:
        return {}
    cursor.execute('SELECT l.id, r.number FROM zt_issue_request_line AS l '
        'JOIN zt_issue_request AS r ON r.id = l.request '
        'WHERE l.id IN (%s)' % ', '.join(map(str, lines)))
    return {lines[int(i)]: number for i, number in cursor.fetchall()}


def _int(value):
    return int(value) if value not in (None, '') else None


def format_table(rows):
    "Return the custody ``rows`` as a text table (str), one line each."
    header = ('Time (UTC)', 'Event', 'Qty', 'From', 'To', 'Lot',
        'Document', 'Person', 'Device', 'Hash')
    lines = []
    for row in rows:
        person = row['employee'] or row['user'] or ''
        if row['employee'] and row['user']:
            person = '%s (%s)' % (row['employee'], row['user'])
        quantity = '' if row['quantity'] is None else '%g %s' % (
            row['quantity'], row['unit'] or '')
        lines.append((row['time'][:19].replace('T', ' '),
                row['event'].rsplit('.', 1)[-1], quantity,
                row['from_location'] or '', row['to_location'] or '',
                row['lot'] or '', _document(row),
                person, row['device'] or '-',
                row['hash'][:12] + ('' if row['intact'] else ' BROKEN')))
    widths = [max(len(str(c)) for c in column)
        for column in zip(header, *lines)]
    return '\n'.join('  '.join(str(c).ljust(w)
            for c, w in zip(line, widths)).rstrip()
        for line in [header] + lines)


def _document(row):
    "The document of a custody row as shown in the table (str)."
    if row['request']:
        return '%s (production %s)' % (row['request'], row['document'])
    return row['document'] or row['origin'] or ''


def main(config_file, database, product, lot=None, format='table',
        out=sys.stdout, err=sys.stderr):
    """Run ``ztinv trace``; return the exit code: 0 when the trace was
    printed and every entry is intact, 1 when an entry's hash does not
    match its content (run ``ztinv verify``), 2 for an unknown product or
    lot."""
    connection = connect(config_file, database)
    try:
        rows = trace(connection, product, lot)
    except TraceError as exception:
        print("ztinv trace: error: %s" % exception, file=err)
        return 2
    finally:
        connection.close()
    if format == 'json':
        json.dump(rows, out, indent=1, ensure_ascii=False)
        out.write('\n')
    else:
        print(format_table(rows), file=out)
        print("trace: %s%s: %d ledger entries, %d broken" % (
                product, ' lot %s' % lot if lot else '', len(rows),
                sum(not r['intact'] for r in rows)), file=out)
    return 0 if all(r['intact'] for r in rows) else 1
