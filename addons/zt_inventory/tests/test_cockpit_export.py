# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Excel export of report models (zt.cockpit.export): at once, in the
queue with progress, access refused, failures recorded.

The workbooks are read back with test_xlsx.Book (zipfile + ElementTree)."""
import base64

from trytond import config
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction
from trytond.worker import run_task

from .test_xlsx import Book
from .tools import DBTestCase, World, acting, savepoint

INVENTORY = 'stock.reporting.inventory'


def run_export(model, **context):
    """Run the wizard zt.cockpit.export.run on the list of ``model`` with
    the report filters ``context``, as the client does; return the values
    of its result view (dict)."""
    Wizard = Pool().get('zt.cockpit.export.run', type='wizard')
    with Transaction().set_context(
            active_model=model, active_id=None, active_ids=[], **context):
        session_id, start, _ = Wizard.create()
        Wizard.execute(session_id, {}, start)
        result = Wizard.execute(session_id, {'start': {}}, 'export')
        Wizard.delete(session_id)
    return result['view']['defaults']


def inventory_filters(w):
    "The filters of stock.reporting.inventory: warehouse WH, today."
    return {'location': w.warehouse.id, 'date': w.today,
        'product_type': 'product.product', 'company': w.company.id}


def file_bytes(value):
    "The bytes of a Binary value as the wizard or a read returns it."
    if isinstance(value, str):
        return base64.b64decode(value)
    return bytes(value)


class ConfigMixin:
    "Set [zt_inventory] options for one test class."
    options = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._saved = {}
        # trytond.config wraps one RawConfigParser: sections as there
        if not config._config.has_section('zt_inventory'):
            config._config.add_section('zt_inventory')
        for name, value in cls.options.items():
            cls._saved[name] = config.get('zt_inventory', name)
            config.set('zt_inventory', name, value)

    @classmethod
    def tearDownClass(cls):
        for name, value in cls._saved.items():
            # the defaults of cockpit_export.direct_limit/progress_every
            config.set('zt_inventory', name, value or {
                    'export_direct_rows': '2000',
                    'export_progress_rows': '500'}[name])
        super().tearDownClass()


class CockpitExportTestCase(DBTestCase):
    "Test the Excel export done at once"

    @with_transaction()
    def test_inventory_export(self):
        """Tryton's stock inventory of warehouse WH: one row per product,
        quantities as numbers, the unit in the header, frozen header,
        filters listed.

        World.build receives 20 sensors, 200 screws and 200 housings into
        storage today; the production's inputs are draft moves, which do
        not count today: quantities 20, 200, 200 (unit "u")."""
        Export = Pool().get('zt.cockpit.export')
        w = World.build()
        with acting(w.keeper):
            result = run_export(INVENTORY, **inventory_filters(w))
        self.assertEqual(result['state'], 'done')
        export = Export(result['export'])
        self.assertEqual(export.user, w.keeper)
        self.assertEqual(export.progress, 100)
        self.assertEqual(export.rows_total, 3)
        self.assertEqual(file_bytes(result['file']), export.file)
        book = Book(export.file)
        self.assertEqual(book.names[1], "Filters")
        cells = book.cells(1)
        self.assertEqual(cells['A1'], ('s', "Variant"))
        self.assertEqual(cells['B1'], ('s', "Quantity (u)"))
        self.assertNotIn('C1', cells)
        rows = sorted((cells['A%d' % i][1], cells['B%d' % i])
            for i in range(2, 5))
        self.assertEqual(rows, [
                ("Housing", ('n', 200.0)),
                ("Screw", ('n', 200.0)),
                ("Sensor", ('n', 20.0)),
                ])
        pane = book.sheet(1).find('.//{*}pane')
        self.assertEqual(pane.get('ySplit'), '1')
        filters = book.cells(2)
        values = {filters['A%d' % i][1]: filters['B%d' % i][1]
            for i in range(2, 6)}
        self.assertEqual(values["Date"], w.today.isoformat())
        self.assertEqual(values["Location"], w.warehouse.rec_name)
        self.assertEqual(values["Company"], w.company.rec_name)
        self.assertEqual(values["Product Type"], "Variant")

    @with_transaction()
    def test_cockpit_age_export(self):
        """The cockpit's inventory age: as many rows as the report, its
        quantities and values as numbers, unit and currency in headers.

        Everything was received today: every row is in bucket 0-30 days,
        value = quantity x cost price (20 x 2, 200 x 10, 200 x 100)."""
        pool = Pool()
        Age = pool.get('zt.cockpit.age')
        w = World.build()
        context = {'company': w.company.id, 'as_of': w.today,
            'from_date': w.today, 'to_date': w.today, 'period': 'month',
            'consumption_days': 30}
        result = run_export('zt.cockpit.age', **context)
        with Transaction().set_context(context):
            count = Age.search_count([])
        book = Book(file_bytes(result['file']))
        cells = book.cells(1)
        headers = {v for (k, (t, v)) in cells.items() if k.endswith('1')
            and len(k) == 2}
        self.assertIn("Quantity (u)", headers)
        currency = w.company.currency.code
        self.assertIn("Value (%s)" % currency, headers)
        col = {v: k[0] for k, (t, v) in cells.items()
            if len(k) == 2 and k.endswith('1')}
        values = sorted(cells['%s%d' % (col["Value (%s)" % currency], i)]
            for i in range(2, count + 2))
        self.assertEqual(values,
            [('n', 40.0), ('n', 2000.0), ('n', 20000.0)])
        self.assertEqual(count, 3)

    @with_transaction()
    def test_no_read_access(self):
        "A user who may not read the report: AccessError, no export saved"
        Export = Pool().get('zt.cockpit.export')
        w = World.build()
        outsider = w.create_user('outsider', [])
        with acting(outsider), self.assertRaises(AccessError), \
                savepoint():
            run_export(INVENTORY, **inventory_filters(w))
        self.assertEqual(Export.search_count([]), 0)

    @with_transaction()
    def test_not_a_report(self):
        "A model that is not a report: clear error, no export saved"
        Export = Pool().get('zt.cockpit.export')
        w = World.build()
        with acting(w.keeper), self.assertRaises(UserError) as cm, \
                savepoint():
            run_export('stock.move')
        self.assertIn('"stock.move" is not a report', cm.exception.message)
        self.assertEqual(Export.search_count([]), 0)

    @with_transaction()
    def test_own_exports(self):
        "A keeper sees their own exports only; an auditor sees all"
        Export = Pool().get('zt.cockpit.export')
        w = World.build()
        auditor = w.create_user('auditor2', ['zt_inventory.group_auditor'])
        run_export(INVENTORY, **inventory_filters(w))
        with acting(w.keeper):
            run_export(INVENTORY, **inventory_filters(w))
            self.assertEqual(
                [e.user for e in Export.search([])], [w.keeper])
        with acting(auditor):
            self.assertEqual(Export.search_count([]), 2)


class CockpitExportQueueTestCase(ConfigMixin, DBTestCase):
    """Test exports above the threshold (3 rows here): queued, run by
    trytond's worker function, progress in their own transactions."""
    options = {'export_direct_rows': '3', 'export_progress_rows': '1'}

    world = None

    @classmethod
    def build_world(cls):
        """Build and commit the world once for the class (its data stays:
        each test has its own exporter and export)."""
        with Transaction().start(DB_NAME, 1) as transaction:
            w = World.build()
            # a fourth row: 5 pumps
            w.receive({w.finished: 5})
            cls.world = {'company': w.company.id, 'warehouse': w.warehouse.id,
                'today': w.today}
            transaction.commit()

    def setUp(self):
        super().setUp()
        if type(self).world is None:
            self.build_world()
        with Transaction().start(DB_NAME, 1) as transaction:
            pool = Pool()
            Export = pool.get('zt.cockpit.export')
            Queue = pool.get('ir.queue')
            w = World(company=pool.get('company.company')(
                    self.world['company']),
                warehouse=pool.get('stock.location')(
                    self.world['warehouse']),
                today=self.world['today'])
            exporter = w.create_user(
                'exporter-%s' % self._testMethodName, ['stock.group_stock'])
            with acting(exporter):
                result = run_export(INVENTORY, **inventory_filters(w))
            self.export_id = result['export']
            self.exporter_id = exporter.id
            self.task_ids = [t.id for t in Queue.search(
                    [('name', '=', 'zt_export')])]
            self.assertEqual(result['state'], 'draft')
            self.assertFalse(result['file'])
            self.assertEqual(Export(self.export_id).rows_total, 4)
            transaction.commit()

    def tearDown(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Queue = pool.get('ir.queue')
            Queue.delete(Queue.search([]))
            transaction.commit()
        super().tearDown()

    def test_queued_export(self):
        """4 rows > 3: queued; the task reaches state done, progress 100,
        4 rows done, and a file of 4 data rows (20, 200, 200, 5 units)."""
        self.assertEqual(len(self.task_ids), 1)
        run_task(DB_NAME, self.task_ids[0])
        with Transaction().start(DB_NAME, 0, readonly=True):
            export = Pool().get('zt.cockpit.export')(self.export_id)
            self.assertEqual(export.state, 'done')
            self.assertEqual(export.progress, 100)
            self.assertEqual((export.rows_done, export.rows_total), (4, 4))
            self.assertFalse(export.error)
            cells = Book(export.file).cells(1)
            self.assertEqual(sorted(cells['B%d' % i] for i in range(2, 6)),
                [('n', 5.0), ('n', 20.0), ('n', 200.0), ('n', 200.0)])

    def test_progress_survives_rollback(self):
        """Progress and result are committed in their own transactions:
        the task's transaction rolled back keeps them."""
        with Transaction().start(DB_NAME, self.exporter_id) as transaction:
            Export = Pool().get('zt.cockpit.export')
            Export.process([Export(self.export_id)])
            transaction.rollback()
        with Transaction().start(DB_NAME, 0, readonly=True):
            export = Pool().get('zt.cockpit.export')(self.export_id)
            self.assertEqual((export.state, export.rows_done), ('done', 4))
            self.assertTrue(export.file)

    def test_failed_export(self):
        """The exporter loses read access before the task runs: state
        failed, the access error's text, no file."""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            User = pool.get('res.user')
            User.write([User(self.exporter_id)], {'groups': [('remove', [
                                pool.get('ir.model.data').get_id(
                                    'stock', 'group_stock')])]})
            transaction.commit()
        run_task(DB_NAME, self.task_ids[0])
        with Transaction().start(DB_NAME, 0, readonly=True):
            export = Pool().get('zt.cockpit.export')(self.export_id)
            self.assertEqual(export.state, 'failed')
            self.assertIn('Inventory', export.error)
            self.assertIsNone(export.file)
