# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The pick slip of a material issue request in the ERP: the A4 and 80 mm
reports, "Verify Pick Slip", ``ztinv slip`` and ``ztinv verify-slip``
(public case C13 end to end).

The expected QR payload is built from the ledger as ``ztinv trace`` would
read it: the request's entry with the highest sequence of its chain."""
import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile

import pypdf

from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory import cli, refusal, slip, slip_code
from trytond.i18n import gettext
from trytond.modules.zt_inventory.slip_report import (
    VERIFY_GROUPS, PickSlip, SlipAccessError, SlipError, main_slip,
    main_verify)
from trytond.pool import Pool
from trytond.tests.test_tryton import CONTEXT, DB_NAME, USER, with_transaction
from trytond.transaction import Transaction

from .test_slip import NOTE, PRODUCT, RARE
from .tools import DBTestCase, World, acting, run_wizard


def c13_request(w):
    """An approved request for 3 of the material renamed with C13's
    product name, with C13's note, in a company on Shanghai time."""
    pool = Pool()
    Company = pool.get('company.company')
    Template = pool.get('product.template')
    Company.write([w.company], {'timezone': 'Asia/Shanghai'})
    Template.write([w.mat_b.template], {'name': PRODUCT, 'code': 'MATB'})
    request = w.submit(w.create_request([(w.mat_b, 3)],
            note=NOTE + '\n' + RARE))
    return w.decide(request, w.manager)


def last_hash(request):
    "The hash of the request's entry with the highest sequence."
    Entry = Pool().get('zt.ledger.entry')
    entries = Entry.search([('model', '=', 'zt.issue.request'),
            ('record', '=', request.id)])
    return max(entries, key=lambda e: e.sequence).hash


def execute(report, request, user, **context):
    "Print ``report`` of ``request`` as ``user``: (extension, bytes)."
    Report = Pool().get(report, type='report')
    with acting(user, **context):
        oext, content, _, _ = Report.execute([request.id], {})
    return oext, bytes(content)


def text_of(data):
    return '\n'.join(p.extract_text()
        for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def ledger_count():
    return Pool().get('zt.ledger.entry').search([], count=True)


class SlipReportTestCase(DBTestCase):
    "Test the pick slip reports and their verification"

    @with_transaction()
    def test_print(self):
        """C13 in the ERP: both formats print the product name and note
        exactly; the QR holds the number and the hash of the last of the
        2 ledger entries (submitted, approved); the Code 128 the number"""
        w = World.build()
        request = c13_request(w)
        expected = 'ZTSLIP1|%s|%s' % (request.number, last_hash(request))
        for report in ['zt.issue.request.slip',
                'zt.issue.request.slip_80mm']:
            with self.subTest(report=report):
                oext, data = execute(report, request, w.requester)
                self.assertEqual(oext, 'pdf')
                text = text_of(data)
                for part in [PRODUCT, NOTE, RARE, request.number, 'Approved',
                        'Requester', 'Manager']:
                    self.assertIn(part, text)
                self.assertEqual(sorted(slip.read_codes(data)), [
                        ('Code128', request.number), ('QRCode', expected)])

    @with_transaction()
    def test_content(self):
        """The approval time is the company's (Shanghai, UTC+8, no summer
        time): the stored UTC time plus 8 hours; quantity in the line's
        unit; the keeper is empty until the issue"""
        w = World.build()
        request = c13_request(w)
        approval, = request.valid_approvals()
        content = request.slip_content()
        self.assertEqual(content['approvals'], [{
                    'level': 'manager', 'decision': 'approved',
                    'approver': 'Manager',
                    'date': (approval.date + dt.timedelta(hours=8)).strftime(
                        '%Y-%m-%d %H:%M:%S'),
                    }])
        self.assertEqual(content['lines'], [{'code': 'MATB',
                    'name': PRODUCT, 'lot': '', 'quantity': 3.0,
                    'unit': w.unit.symbol}])
        self.assertEqual((content['timezone'], content['keeper']),
            ('Asia/Shanghai', ''))
        self.assertEqual(w.issue([request])[0].slip_content()['keeper'],
            'Keeper')

    @with_transaction()
    def test_chinese_labels(self):
        "With the language zh_CN the fixed labels are Chinese"
        w = World.build()
        request = c13_request(w)
        _, data = execute('zt.issue.request.slip_80mm', request, w.keeper,
            language='zh_CN')
        text = text_of(data)
        self.assertIn('领料单', text)
        self.assertIn('部门经理', text)
        self.assertIn(PRODUCT, text)

    @with_transaction()
    def test_changed_since_printing(self):
        """A slip printed when approved matches; after the keeper issues
        the request (2 more entries: the accepted scan and the issue) the
        same QR is "changed since printing" and lists those 2 entries"""
        w = World.build()
        Request = Pool().get('zt.issue.request')
        request = c13_request(w)
        _, data = execute('zt.issue.request.slip', request, w.keeper)
        qr = slip.read_slip_qr(data)
        with acting(w.keeper):
            self.assertEqual(Request.verify_slip(qr)['result'], 'match')
        w.issue([request])
        with acting(w.keeper):
            result = Request.verify_slip(qr)
        Entry = Pool().get('zt.ledger.entry')
        events = [e.event for e in Entry.browse(result['newer'])]
        self.assertEqual(result['result'], 'changed')
        self.assertEqual(events, ['zt.issue.request.scanned',
                'zt.issue.request.issued'])
        self.assertIn('changed since printing', result['message'])
        self.assertIn('zt.issue.request.issued', result['message'])
        # A new print matches again.
        _, data = execute('zt.issue.request.slip', request, w.keeper)
        with acting(w.keeper):
            self.assertEqual(Request.verify_slip(
                    slip.read_slip_qr(data))['result'], 'match')

    @with_transaction()
    def test_wizard(self):
        "The keeper pastes the QR text in Verify Pick Slip and reads why"
        w = World.build()
        request = c13_request(w)
        qr = slip_code.payload(request.number, last_hash(request))
        with acting(w.keeper):
            result = run_wizard('zt.issue.request.slip.verify', [request],
                'check', {'start': {'qr': qr}})
        values = result['view']['defaults']
        self.assertEqual(values['result'], 'match')
        self.assertEqual(values['number'], request.number)
        self.assertIn('matches the system', values['message'])

    @with_transaction()
    def test_bad_slips(self):
        """Unknown number, a hash of no entry of the request, malformed
        text: each said clearly, nothing written to the ledger"""
        w = World.build()
        Request = Pool().get('zt.issue.request')
        request = c13_request(w)
        count = ledger_count()
        with acting(w.keeper):
            unknown = Request.verify_slip(
                slip_code.payload('NOPE-1', last_hash(request)))
            foreign = Request.verify_slip(
                slip_code.payload(request.number, 'f' * 64))
            with self.assertRaisesRegex(SlipError, 'not the QR code of a '
                    'pick slip.*has 2 fields'):
                Request.verify_slip('ZTSLIP1|%s' % request.number)
        self.assertEqual(unknown['result'], 'unknown_request')
        self.assertIn('No request numbered NOPE-1', unknown['message'])
        self.assertEqual(foreign['result'], 'not_in_ledger')
        self.assertEqual(ledger_count(), count)

    @with_transaction()
    def test_missing_font(self):
        "No CJK font: the print fails with a clear error, no content"
        w = World.build()
        request = c13_request(w)
        self.addCleanup(setattr, PickSlip, 'fonts', PickSlip.fonts)
        PickSlip.fonts = ('/nonexistent/font.ttf',)
        with self.assertRaisesRegex(SlipError,
                'cannot be printed: no CJK TrueType font found'):
            execute('zt.issue.request.slip', request, w.keeper)

    @with_transaction()
    def test_access(self):
        "Who may not read the request may not print its slip"
        w = World.build()
        request = c13_request(w)
        outsider = w.create_user('outsider', [])
        with self.assertRaises(AccessError):
            execute('zt.issue.request.slip', request, outsider)

    def changed_slip(self, w):
        """A request and the QR of its slip printed when approved, then
        issued: (request, qr, the events of the 2 newer entries)."""
        request = c13_request(w)
        qr = slip_code.payload(request.number, last_hash(request))
        w.issue([request])
        return request, qr, ['zt.issue.request.scanned',
            'zt.issue.request.issued']

    @with_transaction()
    def test_verify_groups(self):
        """The server's groups are the wizard's (menu and keyword); a sales
        assistant or purchaser calling verify_slip is refused with a clear
        AccessError that tells nothing of the request or its entries, and
        the refusal is noted for the ledger; the wizard refuses them too"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Wizard = pool.get('ir.action.wizard')
        Request = pool.get('zt.issue.request')
        self.assertEqual(
            {ModelData.get_id(*g.split('.')) for g in VERIFY_GROUPS},
            set(Wizard.get_groups('zt.issue.request.slip.verify')))
        w = World.build()
        request, qr, events = self.changed_slip(w)
        for group in ['group_sales_assistant', 'group_purchaser']:
            user = w.create_user(group, ['zt_inventory.' + group])
            with self.subTest(group=group):
                with acting(user), self.assertRaises(SlipAccessError) as cm:
                    Request.verify_slip(qr)
                message = cm.exception.message
                self.assertIn('may not verify pick slips', message)
                for leak in [request.number] + events:
                    self.assertNotIn(leak, message)
                # Noted for the ledger (appended once the call has ended,
                # see SlipCommandTestCase): the request model, record 0.
                noted = [args for func, args, _ in Transaction()._atexit
                    if func is refusal._append and args[1] == user.id]
                self.assertEqual([(a[2], a[3][0][:2], a[4]['error'])
                        for a in noted],
                    [('refused', ('zt.issue.request', 0), 'SlipAccessError')])
                with acting(user), self.assertRaises(AccessError):
                    run_wizard('zt.issue.request.slip.verify', [request],
                        'check', {'start': {'qr': qr}})

    @with_transaction()
    def test_verify_details(self):
        """Auditor and keeper (both may read the ledger) get the entries
        since printing; a keeper who may not read zt.ledger.entry gets the
        outcome only, in verify_slip and in the wizard"""
        pool = Pool()
        Access = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        Entry = pool.get('zt.ledger.entry')
        Request = pool.get('zt.issue.request')
        w = World.build()
        request, qr, events = self.changed_slip(w)
        auditor = w.create_user('auditor', ['zt_inventory.group_auditor'])
        for user in [auditor, w.keeper]:
            with self.subTest(user=user.login):
                with acting(user):
                    result = Request.verify_slip(qr)
                self.assertEqual(result['result'], 'changed')
                self.assertEqual(
                    [e.event for e in Entry.browse(result['newer'])], events)
                for event in events:
                    self.assertIn(event, result['message'])
        # No group of the wizard lacks the ledger: take it from the keepers
        # (as root: the access is part of the module's data).
        with Transaction().set_user(0):
            Access.write([Access(ModelData.get_id(
                            'zt_inventory',
                            'access_ledger_entry_group_warehouse_keeper'))],
                {'perm_read': False})
        with acting(w.keeper):
            self.assertFalse(Access.check('zt.ledger.entry', 'read',
                    raise_exception=False))
            result = Request.verify_slip(qr)
            wizard = run_wizard('zt.issue.request.slip.verify', [request],
                'check', {'start': {'qr': qr}})['view']['defaults']
        self.assertEqual((result['result'], result['newer']), ('changed', []))
        self.assertIn('changed since printing', result['message'])
        self.assertEqual(wizard['result'], 'changed')
        for message in [result['message'], wizard['message']]:
            for leak in events + ['2 newer', 'Keeper']:
                self.assertNotIn(leak, message)

    @with_transaction()
    def test_verify_other_warehouse(self):
        """A keeper of another warehouse, who may not read the request,
        gets exactly the answer to an unknown request, in verify_slip and
        in the wizard"""
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        Request = pool.get('zt.issue.request')
        User = pool.get('res.user')
        w = World.build()
        request, qr, _ = self.changed_slip(w)
        other = w.create_user('keeper_other',
            ['zt_inventory.group_warehouse_keeper'])
        User.write([other], {'warehouses': [('remove', [w.warehouse.id])]})
        # From the menu: the keeper may not open the request itself.
        menu = Menu(ModelData.get_id('zt_inventory',
                'menu_issue_request_slip_verify'))
        with acting(other):
            self.assertEqual(Request.search([('id', '=', request.id)]), [])
            result = Request.verify_slip(qr)
            wizard = run_wizard('zt.issue.request.slip.verify', [menu],
                'check', {'start': {'qr': qr}})['view']['defaults']
        self.assertEqual(result, {
                'result': 'unknown_request',
                'number': request.number,
                'message': gettext('zt_inventory.msg_slip_unknown_request',
                    number=request.number),
                'newer': [],
                })
        self.assertEqual(wizard['message'], result['message'])


class SlipCommandTestCase(DBTestCase):
    "Test ztinv slip and ztinv verify-slip on a committed database"

    def test_commands(self):
        """Print the slip to a file, verify it (0), cancel the request,
        verify again (1, changed); an unknown number gives 2 and no file;
        a malformed --qr gives 1"""
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            w = World.build()
            number = c13_request(w).number
            sales = w.create_user('sales',
                ['zt_inventory.group_sales_assistant']).id
            t.commit()
        folder = tempfile.mkdtemp()
        conf, pdf = (os.path.join(folder, n) for n in ['t.conf', 's.pdf'])
        with open(conf, 'w') as file:
            file.write('[database]\n')
        self.addCleanup(shutil.rmtree, folder)
        # Through the command line parser, as an operator types it.
        for argv in [
                ['slip', '-c', conf, '-d', DB_NAME, '--request', number,
                    '-o', pdf, '--lang', 'zh_CN', '--format', '80mm'],
                ['verify-slip', '-c', conf, '-d', DB_NAME, pdf]]:
            with self.assertRaises(SystemExit) as exit_, \
                    contextlib.redirect_stdout(io.StringIO()):
                cli.main(argv)
            self.assertEqual(exit_.exception.code, 0, argv[0])
        with open(pdf, 'rb') as file:
            text = text_of(file.read())
        self.assertIn(PRODUCT, text)
        self.assertIn('领料单', text)

        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            pool = Pool()
            Request, User = pool.get('zt.issue.request'), pool.get('res.user')
            with acting(User(w.requester.id)):
                Request.cancel(Request.search([('number', '=', number)]))
            t.commit()
        out = io.StringIO()
        self.assertEqual(main_verify(conf, DB_NAME, pdf=pdf, out=out), 1)
        self.assertIn('verify-slip: changed', out.getvalue())

        missing = os.path.join(folder, 'none.pdf')
        self.assertEqual(main_slip(conf, DB_NAME, 'NOPE-1', missing,
                err=io.StringIO()), 2)
        self.assertFalse(os.path.exists(missing))
        err = io.StringIO()
        self.assertEqual(main_verify(conf, DB_NAME, qr='ZTSLIP1|x',
                err=err), 1)
        self.assertIn('has 2 fields', err.getvalue())

        # An output folder that does not exist: a clear message, exit 1,
        # nothing created.
        for output in [os.path.join(folder, 'missing', 'x.pdf'),
                os.path.join(folder, 'missing')]:
            if output.endswith('missing'):
                os.mkdir(output)
            before = sorted(os.listdir(folder))
            err = io.StringIO()
            with self.assertRaises(SystemExit) as exit_, \
                    contextlib.redirect_stderr(err):
                cli.main(['slip', '-c', conf, '-d', DB_NAME,
                        '--request', number, '-o', output])
            self.assertEqual(exit_.exception.code, 1, output)
            self.assertRegex(err.getvalue(), r'^ztinv slip: error: cannot '
                r'write %s: (No such file or directory|Is a directory)\n$'
                % re.escape(output))
            self.assertNotIn('Traceback', err.getvalue())
            self.assertEqual(sorted(os.listdir(folder)), before)
            self.assertEqual(os.listdir(os.path.join(folder, 'missing'))
                if os.path.isdir(os.path.join(folder, 'missing')) else [],
                [])

        # Verifying is refused to a sales assistant, and the refusal is in
        # the ledger once the call has ended.
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            pool = Pool()
            Request, User = pool.get('zt.issue.request'), pool.get('res.user')
            with acting(User(sales)), self.assertRaises(SlipAccessError):
                with open(pdf, 'rb') as file:
                    Request.verify_slip(slip.read_slip_qr(file.read()))
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            Entry = Pool().get('zt.ledger.entry')
            entry, = Entry.search([('event', '=', 'zt.issue.request.refused'),
                    ('record', '=', 0), ('user', '=', sales)])
            payload = json.loads(entry.payload)
            self.assertEqual(payload['error'], 'SlipAccessError')
            self.assertNotIn('zt.issue.request.cancelled', payload['message'])

    def test_slip_lang(self):
        "--lang takes only the languages of the slip's labels"
        self.assertEqual(sorted(slip.LABELS), ['en', 'zh_CN'])
        err = io.StringIO()
        with self.assertRaises(SystemExit) as exit_, \
                contextlib.redirect_stderr(err):
            cli.main(['slip', '-c', 'x.conf', '-d', 'db', '--request', 'R1',
                    '-o', 'x.pdf', '--lang', 'fr'])
        self.assertEqual(exit_.exception.code, 2)
        self.assertIn("invalid choice: 'fr'", err.getvalue())
