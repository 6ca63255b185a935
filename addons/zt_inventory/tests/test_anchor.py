# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Signed anchors of the ledger heads: one per chain by the cron task,
append-only, and what they catch that the chain alone cannot: a cut tail
with its head row moved back, a chain rewritten with recomputed hashes,
forged anchors, anchor rows deleted (with the anchor file)."""
import json
import os
import tempfile

from sql import Table

from trytond import backend, config
from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory import (
    anchor_sign, anchor_verify, chain as ledger_chain, ledger_verify)
from trytond.modules.zt_inventory.exceptions import (
    LedgerAnchorError, LedgerAppendOnlyError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, without_check_access

from .tools import DBTestCase, World, acting, savepoint

SECTION = 'zt_inventory'
# The kinds of problems the chain itself finds (not triggers, not records).
CHAIN_KINDS = {'chain', 'sequence', 'link', 'hash', 'head'}


class AnchorTestCase(DBTestCase):
    "Test the signed anchors of the ledger heads"

    def setUp(self):
        super().setUp()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.key_path = os.path.join(directory.name, 'zt-ledger.pem')
        self.anchor_file = os.path.join(
            directory.name, 'anchors', 'zt-ledger-anchors.jsonl')
        self.public_key = anchor_sign.public_key_text(
            anchor_sign.generate_key(self.key_path))
        self.configure(ledger_key=self.key_path,
            anchor_file=self.anchor_file, ledger_public_key='')

    def configure(self, **options):
        """Set ``options`` of section [zt_inventory] for this test; an
        option that was missing is restored as empty (meaning unset)."""
        if not config.has_section(SECTION):
            config.add_section(SECTION)
        for option, value in options.items():
            self.addCleanup(config.set, SECTION, option,
                config.get(SECTION, option) or '')
            config.set(SECTION, option, value)

    def world(self):
        "Issue one request so that the ledger holds a few chained entries."
        w = World.build()
        request = w.approved_request([(w.mat_b, 3)])
        w.issue([request])
        return w

    def anchor(self):
        "Anchor the heads as the cron task does (root)."
        Anchor = Pool().get('zt.ledger.anchor')
        with Transaction().set_user(0):
            return Anchor.anchor_heads()

    def sql(self, *statements):
        """Run ``statements`` (SQL text, or (query, params) from python-sql)
        with the append-only triggers out of the way."""
        cursor = Transaction().connection.cursor()
        for table in ['entry', 'anchor']:
            if backend.name == 'postgresql':
                cursor.execute('ALTER TABLE zt_ledger_%s '
                    'DISABLE TRIGGER USER' % table)
            else:
                for when in ['update', 'delete']:
                    cursor.execute('DROP TRIGGER IF EXISTS '
                        'zt_ledger_%s_no_%s' % (table, when))
        for statement in statements:
            if isinstance(statement, str):
                statement = (statement,)
            cursor.execute(*statement)

    def chain_problems(self):
        "The problems (sequence, kind) that the chain alone finds."
        _, _, problems = ledger_verify.verify(Transaction().connection)
        return [(p.sequence, p.kind) for p in problems
            if p.kind in CHAIN_KINDS]

    def anchor_problems(self, anchor_file=None, public_keys=None):
        "The anchor problems as (chain, sequence, detail)."
        if public_keys is None:
            public_keys = {self.public_key}
        result = anchor_verify.check(
            Transaction().connection, anchor_file, public_keys)
        return [(p.chain, p.sequence, p.detail) for p in result.problems
            if p.kind != 'trigger']

    def last_chain(self):
        "The (id, key, head sequence) of the longest chain."
        Chain = Pool().get('zt.ledger.chain')
        chain, = Chain.search([], order=[('head_sequence', 'DESC')],
            limit=1)
        return chain.id, chain.key, chain.head_sequence

    def entries(self, chain_id):
        "The entries of the chain as (id, chain.Entry), in sequence order."
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT e.id, %s FROM zt_ledger_entry AS e '
            'JOIN zt_ledger_chain AS c ON c.id = e.chain WHERE c.id = %s '
            'ORDER BY e.sequence'
            % (', '.join(ledger_verify.COLUMNS), int(chain_id)))
        return [(row[0], ledger_chain.Entry(*ledger_verify._typed(row[1:])))
            for row in cursor.fetchall()]

    def set_head(self, chain_id, sequence, hash_):
        "The SQL that moves the chain's head row (no trigger on chains)."
        table = Table('zt_ledger_chain')
        return tuple(table.update([table.head_sequence, table.head_hash],
                [sequence, hash_], where=table.id == chain_id))

    @with_transaction()
    def test_anchor_heads(self):
        "One signed anchor per chain, in the database and in the file"
        pool = Pool()
        Chain = pool.get('zt.ledger.chain')
        self.world()
        chains = Chain.search([('head_sequence', '>', 0)])
        self.assertTrue(chains)
        anchors = self.anchor()
        self.assertEqual(
            sorted((a.chain.id, a.key, a.sequence, a.hash) for a in anchors),
            sorted((c.id, c.key, c.head_sequence, c.head_hash)
                for c in chains))
        for anchor in anchors:
            self.assertEqual(anchor.public_key, self.public_key)
            self.assertTrue(
                anchor_sign.verify(self.public_key, anchor.signed))
            # the date is stored to the second
            self.assertEqual(anchor.timestamp[:19],
                ledger_chain.format_timestamp(anchor.date)[:19])
        lines, errors = anchor_sign.read_file(self.anchor_file)
        self.assertEqual(errors, [])
        self.assertEqual(lines, [a.signed for a in anchors])
        result = anchor_verify.check(Transaction().connection,
            self.anchor_file, {self.public_key})
        self.assertEqual(result.problems, [])
        self.assertEqual(result.checked, 2 * len(anchors))

        # a second run appends new anchors of the same heads
        self.assertEqual(len(self.anchor()), len(anchors))
        self.assertEqual(len(anchor_sign.read_file(self.anchor_file)[0]),
            2 * len(anchors))

    @with_transaction()
    def test_cron(self):
        "The daily cron task anchors the heads"
        pool = Pool()
        Anchor = pool.get('zt.ledger.anchor')
        Cron = pool.get('ir.cron')
        ModelData = pool.get('ir.model.data')
        self.world()
        cron = Cron(ModelData.get_id(
                'zt_inventory', 'cron_ledger_anchor_heads'))
        self.assertEqual(cron.method, 'zt.ledger.anchor|anchor_heads')
        self.assertEqual((cron.interval_number, cron.interval_type),
            (1, 'days'))
        Cron.run_once([cron])
        self.assertTrue(Anchor.search([]))

    @with_transaction()
    def test_append_only(self):
        "Nobody writes, deletes, creates or copies an anchor, not even root"
        pool = Pool()
        Anchor = pool.get('zt.ledger.anchor')
        w = self.world()
        anchor = self.anchor()[0]
        with Transaction().set_user(0), without_check_access():
            for call in [
                    lambda: Anchor.write([anchor], {'sequence': 1}),
                    lambda: Anchor.delete([anchor]),
                    lambda: Anchor.create([{}]),
                    lambda: Anchor.copy([anchor]),
                    ]:
                with self.subTest(call=call):
                    with self.assertRaises(LedgerAppendOnlyError):
                        with savepoint():
                            call()
        with acting(w.keeper):
            self.assertEqual(Anchor.search([('id', '=', anchor.id)]),
                [anchor])
            with self.assertRaises(AccessError):
                Anchor.write([anchor], {'sequence': 1})
            with self.assertRaises(AccessError):
                Anchor.delete([anchor])
        cursor = Transaction().connection.cursor()
        statements = ['UPDATE zt_ledger_anchor SET sequence = 1',
            'DELETE FROM zt_ledger_anchor']
        if backend.name == 'postgresql':
            statements.append('TRUNCATE zt_ledger_anchor')
        for statement in statements:
            with self.subTest(statement=statement):
                with self.assertRaises(backend.DatabaseIntegrityError):
                    with savepoint():
                        cursor.execute(statement)
        self.assertEqual(self.anchor_problems(), [])

    @with_transaction()
    def test_missing_key(self):
        "Without a usable key: a clear error, no anchor, no file line"
        Anchor = Pool().get('zt.ledger.anchor')
        self.world()
        missing = self.key_path + '.missing'
        for path, expected in [
                ('', r'ztinv keygen.*"ledger_key" of section '
                    r'\[zt_inventory\]'),
                (missing, r'"%s".*"ledger_key" of section \[zt_inventory\]'
                    r'.*ztinv keygen -o' % missing),
                ]:
            with self.subTest(path=path):
                self.configure(ledger_key=path)
                with self.assertRaisesRegex(LedgerAnchorError, expected):
                    with savepoint():
                        self.anchor()
        self.assertEqual(Anchor.search([]), [])
        self.assertFalse(os.path.exists(self.anchor_file))

    @with_transaction()
    def test_unwritable_file(self):
        "An anchor file that cannot be written: a clear error, no anchor"
        Anchor = Pool().get('zt.ledger.anchor')
        self.world()
        self.configure(anchor_file=os.path.dirname(self.key_path))
        with self.assertRaisesRegex(LedgerAnchorError, 'anchor_file'):
            with savepoint():
                self.anchor()
        self.assertEqual(Anchor.search([]), [])

    @with_transaction()
    def test_cut_tail_and_head(self):
        "The tail cut and the head row moved back: only the anchor sees it"
        self.world()
        self.anchor()
        chain_id, key, last = self.last_chain()
        entries = self.entries(chain_id)
        self.sql('DELETE FROM zt_ledger_entry WHERE chain = %s '
            'AND sequence > %s' % (chain_id, last - 2),
            self.set_head(chain_id, last - 2, entries[-3][1].hash))
        self.assertEqual(self.chain_problems(), [])
        self.assertEqual(self.anchor_problems(), [(key, last,
                    'the chain ends at %s before the anchored head %s'
                    % (last - 2, last))])

    @with_transaction()
    def test_rewritten_chain(self):
        "A chain rewritten with recomputed hashes: the anchored hash differs"
        self.world()
        self.anchor()
        chain_id, key, last = self.last_chain()
        table = Table('zt_ledger_entry')
        statements, previous = [], ledger_chain.GENESIS
        for id_, entry in self.entries(chain_id):
            payload = entry.payload
            if entry.sequence == 1:
                payload = ledger_chain.canonical_payload(
                    dict(json.loads(payload), forged=True))
            entry = entry._replace(payload=payload, previous_hash=previous)
            previous = ledger_chain.entry_hash(*entry[:-1])
            statements.append(tuple(table.update(
                        [table.payload, table.previous_hash, table.hash],
                        [payload, entry.previous_hash, previous],
                        where=table.id == id_)))
        old_hash = self.entries(chain_id)[-1][1].hash
        self.sql(*statements, self.set_head(chain_id, last, previous))
        self.assertEqual(self.chain_problems(), [])
        self.assertEqual(self.anchor_problems(), [(key, last,
                    'hash %s differs from the anchored %s'
                    % (previous, old_hash))])

    @with_transaction()
    def test_forged_anchor(self):
        "An anchor edited or signed with another key: caught by signature"
        self.world()
        anchor = self.anchor()[0]
        self.sql("UPDATE zt_ledger_anchor SET signature = '%s' WHERE id = %s"
            % ('0' * 128, anchor.id))
        problem, = self.anchor_problems()
        self.assertEqual(problem[:2], (anchor.key, anchor.sequence))
        self.assertIn('the signature does not verify', problem[2])

        # the attacker re-signs with a key of his own
        forger = anchor_sign.Anchor(*anchor_sign.make_anchor(
                anchor_sign.generate_key(self.key_path + '.forger'),
                anchor.key, anchor.sequence, anchor.hash, anchor.timestamp))
        self.sql("UPDATE zt_ledger_anchor SET public_key = '%s', "
            "signature = '%s' WHERE id = %s"
            % (forger.public_key, forger.signature, anchor.id))
        problem, = self.anchor_problems()
        self.assertIn('signed by key %s, not a server key'
            % forger.public_key, problem[2])

    @with_transaction()
    def test_deleted_anchors_file_kept(self):
        "Anchor rows deleted with the tail cut: caught with the anchor file"
        self.world()
        anchor_time = self.anchor()[-1].timestamp
        chain_id, key, last = self.last_chain()
        entries = self.entries(chain_id)
        self.sql('DELETE FROM zt_ledger_anchor',
            'DELETE FROM zt_ledger_entry WHERE chain = %s '
            'AND sequence = %s' % (chain_id, last),
            self.set_head(chain_id, last - 1, entries[-2][1].hash))
        self.assertEqual(self.chain_problems(), [])
        self.assertEqual(self.anchor_problems(), [])
        self.assertEqual(self.anchor_problems(self.anchor_file), [
                (key, last, 'anchor of %s in %s is not in the database: '
                    'its row was deleted' % (
                        anchor_time, self.anchor_file)),
                (key, last,
                    'the chain ends at %s before the anchored head %s'
                    % (last - 1, last))])
        # the dropped anchor triggers are named too
        result = anchor_verify.check(Transaction().connection)
        self.assertEqual({p.kind for p in result.problems}, {'trigger'})

    @with_transaction()
    def test_malformed_file(self):
        "A missing anchor file or a malformed line is a problem"
        self.world()
        anchors = self.anchor()
        problem, = self.anchor_problems(self.key_path + '.none')
        self.assertEqual(problem[:2], ('*', 0))
        self.assertIn('cannot be read', problem[2])
        with open(self.anchor_file, 'a') as file:
            file.write('{"chain": "1:0"}\n')
        problem, = self.anchor_problems(self.anchor_file)
        self.assertIn('line %s: expected a JSON object' % (len(anchors) + 1),
            problem[2])

    @with_transaction()
    def test_public_key_configuration(self):
        "The server key: ledger_public_key, else ledger_key, else unchecked"
        self.world()
        self.anchor()
        connection = Transaction().connection
        result = anchor_verify.check(connection)
        self.assertEqual((result.keys, result.problems),
            ({self.public_key}, []))
        self.assertNotIn('not checked', anchor_verify.summary(result))

        other = anchor_sign.public_key_text(
            anchor_sign.generate_key(self.key_path + '.other'))
        self.configure(ledger_public_key='%s, %s' % (other, self.public_key))
        result = anchor_verify.check(connection)
        self.assertEqual((result.keys, result.problems),
            ({other, self.public_key}, []))
        self.configure(ledger_public_key=other)
        self.assertTrue(anchor_verify.check(connection).problems)

        self.configure(ledger_public_key='', ledger_key='')
        result = anchor_verify.check(connection)
        self.assertEqual(result.problems, [])
        self.assertIn('%d anchor(s) checked, signatures not checked (no '
            'ledger_public_key or ledger_key configured)' % result.checked,
            anchor_verify.summary(result))
