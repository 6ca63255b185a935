# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The fast chain checks on COPY text give what the reference gives: the
hash of chain.entry_hash, the problems of chain.verify_chain, whatever the
fields hold and wherever the chain is cut into pieces."""
import unittest

from trytond.modules.zt_inventory import chain, chain_copy

from .test_chain import build

# What PostgreSQL's COPY TO (text) escapes: backslash and these controls.
PG_ESCAPES = [('\\', '\\\\'), ('\b', '\\b'), ('\f', '\\f'), ('\n', '\\n'),
    ('\r', '\\r'), ('\t', '\\t'), ('\v', '\\v')]
TRICKY = [
    # (payload, user, employee, device, event)
    ('{"name":"测试报告：重要通知！","q":"2.5"}', 7, 3, None, 'e'),
    ('{"ref":"ISS\\\\2026","quote":"a\\"b","lf":"x\\ny"}', None, None,
        None, 'stock.move.done'),
    ('{}', None, None, '', 'ev\tent'),
    ('{"a":1}', 0, None, 'scanner \\ 北\r\x01', 'e\b\f\v'),
    ('', 12, 13, 'd', 'é'),
    ('{"trailing":"\\\\"}', None, 4, '\\N', '\\'),
    ]


def copy_row(entry):
    """The COPY text row (bytes) that ztinv verify reads for ``entry``:
    ROW_COLUMNS, user, employee and device '' when None, escaped like
    PostgreSQL's COPY TO."""
    values = list(entry[1:])
    for i in (5, 6, 7):
        if values[i] is None:
            values[i] = ''
    fields = []
    for value in values:
        if value is None:
            fields.append('\\N')
            continue
        text = str(value)
        for raw, escaped in PG_ESCAPES:
            text = text.replace(raw, escaped)
        fields.append(text)
    return ('\t'.join(fields) + '\n').encode('utf-8')


def tricky_chain(key='1:3'):
    "A valid chain whose entries hold each of TRICKY."
    entries, previous = [], chain.GENESIS
    for sequence, (payload, user, employee, device, event) in enumerate(
            TRICKY, 1):
        fields = (key, sequence, event, 'stock.move', 100 + sequence,
            payload, user, employee, device, '2026-11-29T02:00:01.000000Z',
            previous)
        previous = chain.entry_hash(*fields)
        entries.append(chain.Entry(*fields, previous))
    return entries


def pieces(entries, cuts):
    "Scan ``entries`` cut before each index of ``cuts``; return Pieces."
    bounds = [0] + list(cuts) + [len(entries)]
    return [chain_copy.scan([copy_row(e) for e in entries[a:b]],
            entries[0].chain) for a, b in zip(bounds, bounds[1:])]


class HashTestCase(unittest.TestCase):

    def test_joined_hash(self):
        "hash_prefix + joined_hash give entry_hash on tricky fields"
        for entry in tricky_chain():
            rest = [entry.sequence, entry.event, entry.model, entry.record,
                entry.payload, entry.user, entry.employee, entry.device,
                entry.timestamp, entry.previous_hash]
            rest = b'\n'.join(
                ('' if v is None else str(v)).encode('utf-8') for v in rest)
            self.assertEqual(chain.joined_hash(
                    chain.hash_prefix(entry.chain), rest),
                chain.entry_hash(*entry[:-1]))

    def test_prefix_refuses_line_feed(self):
        "A chain key with a line feed is refused, as by hash_input"
        with self.assertRaises(ValueError):
            chain.hash_prefix('1:\n3')


class UnescapeTestCase(unittest.TestCase):

    def test_escapes(self):
        "Every COPY text escape, NULL and an escaped \\N"
        self.assertIsNone(chain_copy.unescape(b'\\N'))
        self.assertEqual(chain_copy.unescape(b'\\\\N'), b'\\N')
        self.assertEqual(chain_copy.unescape(b'a\\\\b\\tc\\nd\\re'),
            b'a\\b\tc\nd\re')
        self.assertEqual(chain_copy.unescape(b'\\b\\f\\v'), b'\b\f\v')
        self.assertEqual(chain_copy.unescape(b'\\101\\x41\\x4a\\q\\\\x41'),
            b'AAJq\\x41')
        self.assertEqual(chain_copy.unescape(b''), b'')
        self.assertEqual(chain_copy.unescape('北\\\\'.encode()),
            '北\\'.encode())

    def test_entry(self):
        "A row of each tricky entry parses back to the entry"
        for entry in tricky_chain():
            self.assertEqual(
                chain_copy.entry(entry.chain, copy_row(entry)),
                entry._replace(device=entry.device or None))

    def test_columns(self):
        "A row without the 11 columns is refused"
        with self.assertRaises(ValueError):
            chain_copy.entry('1:3', b'1\t2\n')


class ScanTestCase(unittest.TestCase):

    def reference(self, entries):
        return chain.verify_chain(entries, chain=entries[0].chain)

    def fast(self, entries, cuts=()):
        problems, count, last = chain_copy.stitch(
            entries[0].chain, pieces(entries, cuts))
        self.assertEqual(count, len(entries))
        self.assertEqual(last, (entries[-1].sequence, entries[-1].hash))
        return problems

    def assert_same(self, entries):
        "The reference's problems, in one piece and cut anywhere."
        expected = self.reference(entries)
        self.assertEqual(self.fast(entries), expected)
        for cut in range(1, len(entries)):
            self.assertEqual(self.fast(entries, [cut]), expected, cut)
        self.assertEqual(
            self.fast(entries, range(1, len(entries))), expected)
        return expected

    def test_tricky_valid(self):
        "Tricky fields verify, fast path and slow path"
        self.assertEqual(self.assert_same(tricky_chain()), [])

    def test_valid(self):
        "A plain chain verifies"
        self.assertEqual(self.assert_same(build(7)), [])

    def test_edited(self):
        "Edits are reported as the reference does, cut anywhere"
        for i, change in enumerate([
                    {'payload': '{"x":"2"}'}, {'user': 8},
                    {'device': 'd\\x'}, {'hash': 'f' * 64},
                    {'previous_hash': 'short'}, {'hash': '北'}]):
            entries = tricky_chain() + build(3, start=7,
                previous=tricky_chain()[-1].hash)
            entries[(2 * i) % 9] = entries[(2 * i) % 9]._replace(**change)
            self.assertTrue(self.assert_same(entries), change)

    def test_deleted_swapped(self):
        "A deleted entry, two swapped, a duplicate sequence number"
        entries = build(6)
        self.assertTrue(self.assert_same(entries[:2] + entries[3:]))
        swapped = entries[:]
        swapped[2], swapped[3] = swapped[3], swapped[2]
        self.assertTrue(self.assert_same(swapped))
        duplicate = entries[:3] + [entries[2]] + entries[3:]
        self.assertTrue(self.assert_same(duplicate))
        self.assertTrue(pieces(duplicate, [])[0].ties)
        self.assertFalse(pieces(entries, [])[0].ties)

    def test_link_broken_at_cut(self):
        """An entry rehashed after an edit breaks the link of the next one,
        reported also when the next one starts a piece"""
        entries = build(6)
        edited = entries[2]._replace(record=999)
        entries[2] = edited._replace(hash=chain.entry_hash(*edited[:-1]))
        for cuts in ([3], [1, 3, 5], []):
            self.assertEqual(
                [(p.sequence, p.kind) for p in self.fast(entries, cuts)],
                [(4, 'link')])

    def test_first_piece_checked(self):
        "The first entry of the chain must be sequence 1 after genesis"
        entries = build(3, start=2, previous='1' * 64)
        self.assertEqual(
            [(p.sequence, p.kind) for p in self.fast(entries, [1])],
            [(2, 'sequence'), (2, 'link')])
        self.assertEqual(self.fast(entries, [1]), self.reference(entries))

    def test_empty_pieces(self):
        "Empty pieces between others change nothing"
        entries = build(4)
        found = pieces(entries, [2])
        empty = chain_copy.scan([], '1:3')
        self.assertEqual(chain_copy.stitch('1:3', [empty, found[0], empty,
                    found[1], empty]), (self.reference(entries), 4,
                (4, entries[-1].hash)))
        self.assertEqual(chain_copy.stitch('1:3', [empty]), ([], 0, None))

    def test_other_encoding(self):
        "Rows of a connection in another encoding take the slow path"
        entries = build(3)
        rows = [copy_row(e).decode('utf-8').encode('latin-1')
            for e in entries]
        piece = chain_copy.scan(rows, '1:3', encoding='latin-1')
        self.assertEqual((piece.count, piece.problems), (3, []))


if __name__ == '__main__':
    unittest.main()
