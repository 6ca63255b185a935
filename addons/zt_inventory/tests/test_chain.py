# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The pure hash-chain code: encoding vectors and each kind of tampering."""
import datetime as dt
import hashlib
import unittest
from decimal import Decimal

from trytond.modules.zt_inventory import chain


def build(length, key='1:3', start=1, previous=chain.GENESIS):
    "Return a valid chain of ``length`` entries (list of chain.Entry)."
    entries = []
    for sequence in range(start, start + length):
        payload = chain.canonical_payload({
                'product': 'RM-%04d' % sequence, 'quantity': Decimal('2.5'),
                'unit': 'u'})
        timestamp = chain.format_timestamp(
            dt.datetime(2026, 11, 29, 2, 0, sequence % 60))
        fields = (key, sequence, 'stock.move.done', 'stock.move',
            100 + sequence, payload, 7, 3, None, timestamp, previous)
        previous = chain.entry_hash(*fields)
        entries.append(chain.Entry(*fields, previous))
    return entries


class EncodingTestCase(unittest.TestCase):

    def test_canonical_payload(self):
        "Keys sorted, no spaces, UTF-8 kept, Decimal exact, dates ISO"
        self.assertEqual(chain.canonical_payload({
                    'z': None, 'quantity': Decimal('2.500'),
                    'name': '测试报告：重要通知！',
                    'date': dt.date(2025, 1, 31),
                    'at': dt.datetime(2025, 4, 11, 16, 30)}),
            '{"at":"2025-04-11T16:30:00","date":"2025-01-31",'
            '"name":"测试报告：重要通知！","quantity":"2.500","z":null}')

    def test_canonical_payload_refuses(self):
        "Unknown types and NaN are refused"
        with self.assertRaises(TypeError):
            chain.canonical_payload({'x': object()})
        with self.assertRaises(ValueError):
            chain.canonical_payload({'x': float('nan')})

    def test_format_timestamp(self):
        "Naive UTC and aware times give the same canonical text"
        shanghai = dt.timezone(dt.timedelta(hours=8))
        self.assertEqual(
            chain.format_timestamp(dt.datetime(2025, 4, 11, 16, 30)),
            '2025-04-11T16:30:00.000000Z')
        self.assertEqual(
            chain.format_timestamp(
                dt.datetime(2025, 4, 12, 0, 30, tzinfo=shanghai)),
            '2025-04-11T16:30:00.000000Z')

    def test_vector(self):
        "The hash is SHA-256 of the 12 documented fields joined by LF"
        payload = '{"product":"RM-0001","quantity":"2.5"}'
        expected = hashlib.sha256(
            b'zt-ledger-1\n1:3\n1\nstock.move.done\nstock.move\n101\n'
            + payload.encode() + b'\n7\n3\n\n'
            b'2026-11-29T02:00:01.000000Z\n' + b'0' * 64).hexdigest()
        self.assertEqual(chain.entry_hash('1:3', 1, 'stock.move.done',
                'stock.move', 101, payload, 7, 3, None,
                '2026-11-29T02:00:01.000000Z', chain.GENESIS), expected)

    def test_line_feed_refused(self):
        "A line feed outside the payload would make encodings ambiguous"
        with self.assertRaises(ValueError):
            chain.hash_input('1:3', 1, 'a\nb', 'm', 1, '{}', None, None,
                None, 't', chain.GENESIS)


class VerifyTestCase(unittest.TestCase):

    def kinds(self, entries, **kwargs):
        return [(p.sequence, p.kind)
            for p in chain.verify_chain(entries, **kwargs)]

    def test_valid(self):
        "A chain built by the rules verifies, also against its head"
        entries = build(5)
        self.assertEqual(self.kinds(entries), [])
        self.assertEqual(
            self.kinds(entries, head=(5, entries[-1].hash)), [])

    def test_edited_payload(self):
        "Editing a payload breaks that entry's hash"
        entries = build(5)
        entries[2] = entries[2]._replace(
            payload=entries[2].payload.replace('2.5', '25'))
        self.assertEqual(self.kinds(entries), [(3, 'hash')])

    def test_edited_actor(self):
        "Editing who acted breaks that entry's hash"
        entries = build(3)
        entries[1] = entries[1]._replace(user=8)
        self.assertEqual(self.kinds(entries), [(2, 'hash')])

    def test_deleted_entry(self):
        "Deleting an entry leaves a gap and a broken link"
        entries = build(5)
        del entries[2]
        self.assertEqual(self.kinds(entries), [(4, 'sequence'), (4, 'link')])

    def test_inserted_entry(self):
        "Inserting a forged entry breaks the sequence after it"
        entries = build(4)
        forged = build(1, start=3, previous=entries[1].hash)[0]
        entries.insert(2, forged)
        self.assertIn((3, 'sequence'), self.kinds(entries))
        self.assertIn((3, 'link'), self.kinds(entries))

    def test_reordered(self):
        "Swapping two entries is detected"
        entries = build(4)
        entries[1], entries[2] = entries[2], entries[1]
        kinds = self.kinds(entries)
        self.assertIn((3, 'sequence'), kinds)
        self.assertIn((3, 'link'), kinds)

    def test_rehashed_edit(self):
        "An edit with its own hash recomputed breaks the next link"
        entries = build(4)
        edited = entries[1]._replace(record=999)
        edited = edited._replace(hash=chain.entry_hash(*edited[:-1]))
        entries[1] = edited
        self.assertEqual(self.kinds(entries), [(3, 'link')])

    def test_rewritten_chain_against_anchor(self):
        "A whole chain rewritten with recomputed hashes fails its anchor"
        original = build(4)
        rewritten = build(4, key='1:3')
        rewritten = [e._replace(record=e.record + 1) for e in rewritten]
        previous = chain.GENESIS
        for i, entry in enumerate(rewritten):
            entry = entry._replace(previous_hash=previous)
            rewritten[i] = entry._replace(hash=chain.entry_hash(*entry[:-1]))
            previous = rewritten[i].hash
        self.assertEqual(self.kinds(rewritten), [])
        self.assertEqual(
            self.kinds(rewritten, head=(4, original[-1].hash)),
            [(4, 'anchor')])

    def test_cut_tail_against_anchor(self):
        "Cutting the tail is caught by the anchored head"
        entries = build(5)
        head = (5, entries[-1].hash)
        self.assertEqual(self.kinds(entries[:3], head=head), [(5, 'anchor')])

    def test_other_chain(self):
        "An entry moved from another chain is named"
        entries = build(3)
        entries.append(build(1, key='1:4', start=4,
                previous=entries[-1].hash)[0])
        self.assertEqual(self.kinds(entries, chain='1:3'), [(4, 'chain')])


if __name__ == '__main__':
    unittest.main()
