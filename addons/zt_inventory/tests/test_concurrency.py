# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""C4: two sessions issue the same approved request at the same time."""
import os
import threading
import time
import unittest

from trytond import backend
from trytond.config import config
from trytond.modules.zt_inventory.exceptions import RequestStateError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction, TransactionError

from .tools import DBTestCase, World, acting, run_wizard


def issue_as_rpc(user_id, request_id, text, barrier=None, hold=0):
    """Issue the request as ``user_id`` in its own transaction, retrying
    exactly as trytond's RPC dispatcher does (protocols/dispatcher.py, with
    the configured ``[database] retry``): a TransactionError restarts with
    the records locked from the start; a DatabaseOperationalError raised by
    the call (lock not available, serialization failure) is retried with a
    growing sleep, and raised once the retries are spent; one raised while
    the transaction starts is not caught.  Returns ('done' or the exception
    that answered the call, number of retries).  ``hold``: seconds to wait
    before committing, to play a slow first issue."""
    retry = config.getint('database', 'retry')
    count = 0
    extras = {}
    while True:
        if count:
            time.sleep(0.02 * count)
        if barrier:
            barrier.wait(timeout=30)
            barrier = None
        try:
            with Transaction().start(
                    DB_NAME, user_id, **extras) as transaction:
                pool = Pool()
                Request = pool.get('zt.issue.request')
                User = pool.get('res.user')
                try:
                    with acting(User(user_id)):
                        run_wizard('zt.issue.request.issue',
                            [Request(request_id)], 'issue',
                            {'start': {'scans': text}})
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                except backend.DatabaseOperationalError as error:
                    transaction.rollback()
                    if count < retry:
                        count += 1
                        continue
                    return error, count
                except Exception as exception:
                    transaction.rollback()
                    return exception, count
                time.sleep(hold)
                transaction.commit()
                return 'done', count
        except backend.DatabaseOperationalError as error:
            # Raised by Transaction.start: the dispatcher does not retry it
            return error, count


class ConcurrencySequentialTestCase(DBTestCase):
    "C4 on any backend: the same call twice, one after the other"

    @with_transaction()
    def test_c4_second_call_already_done(self):
        "C4: the second issue of a 1-unit request answers already done"
        w = World.build()
        request = w.approved_request([(w.mat_b, 1)])
        text = w.scans([request])
        w.issue([request], text=text)
        with self.assertRaises(RequestStateError) as cm:
            w.issue([request], w.keeper2, text=text)
        self.assertIn('already done', cm.exception.message)
        self.assertEqual(len(w.done_moves(request)), 1)
        self.assertEqual(w.stock(w.mat_b), 199)


@unittest.skipIf(backend.name != 'postgresql',
    "needs PostgreSQL: SQLite has one writer per database, so two "
    "transactions cannot issue at the same time (the sequential case runs)")
class ConcurrencyTestCase(DBTestCase):
    "C4 on PostgreSQL: two threads, each with its own transaction"

    def test_c4_two_sessions(self):
        "C4: two keepers issue at once: one set of done moves, stock -1"
        with Transaction().start(DB_NAME, 1) as transaction:
            w = World.build()
            request = w.approved_request([(w.mat_b, 1)])
            text = w.scans([request])
            ids = (w.keeper.id, w.keeper2.id, request.id, w.mat_b.id)
            transaction.commit()
        keeper, keeper2, request_id, product_id = ids

        barrier = threading.Barrier(2)
        results = {}

        def run(user_id):
            results[user_id] = issue_as_rpc(
                user_id, request_id, text, barrier)

        threads = [threading.Thread(target=run, args=(u,))
            for u in [keeper, keeper2]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        outcomes = [r for r, _ in results.values()]
        if os.environ.get("ZT_VERBOSE"):
            print(results)
        self.assertEqual(len(outcomes), 2, results)
        self.assertEqual(outcomes.count('done'), 1, results)
        refused, = [o for o in outcomes if o != 'done']
        self.assertIsInstance(refused, RequestStateError, results)
        self.assertIn('already done', refused.message)

        with Transaction().start(DB_NAME, 1) as transaction:
            pool = Pool()
            Request = pool.get('zt.issue.request')
            request = Request(request_id)
            self.assertEqual(request.state, 'done')
            done = [m for line in request.lines for m in line.moves
                if m.state == 'done']
            self.assertEqual(len(done), 1)
            self.assertEqual(done[0].quantity, 1)
            self.assertEqual(
                [h.action for h in request.history].count('issued'), 1)
            self.assertEqual(len(request.scans), 1)
            w.company = request.company
            w.storage = request.from_location
            w.mat_b = pool.get('product.product')(product_id)
            self.assertEqual(w.stock(w.mat_b), 199)


@unittest.skipIf(backend.name != 'postgresql',
    "needs PostgreSQL: SQLite has one writer per database")
class ConcurrencySlowTestCase(DBTestCase):
    "C4 on PostgreSQL: the first issue holds its transaction for 2 s"

    def test_c4_slow_first_issue(self):
        "C4: a second issue waits for a slow first one, then: already done"
        with Transaction().start(DB_NAME, 1) as transaction:
            w = World.build()
            request = w.approved_request([(w.mat_b, 1)])
            text = w.scans([request])
            ids = (w.keeper.id, w.keeper2.id, request.id)
            transaction.commit()
        keeper, keeper2, request_id = ids
        results = {}

        def run(user_id, hold):
            results[user_id] = issue_as_rpc(
                user_id, request_id, text, hold=hold)

        first = threading.Thread(target=run, args=(keeper, 2))
        second = threading.Thread(target=run, args=(keeper2, 0))
        first.start()
        time.sleep(0.5)
        second.start()
        for thread in [first, second]:
            thread.join(60)
        self.assertEqual(results[keeper][0], 'done', results)
        refused = results[keeper2][0]
        self.assertIsInstance(refused, RequestStateError, results)
        self.assertIn('already done', refused.message)
