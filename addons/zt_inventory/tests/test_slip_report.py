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
import os
import shutil
import tempfile

import pypdf

from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory import cli, slip, slip_code
from trytond.modules.zt_inventory.slip_report import (
    PickSlip, SlipError, main_slip, main_verify)
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


class SlipCommandTestCase(DBTestCase):
    "Test ztinv slip and ztinv verify-slip on a committed database"

    def test_commands(self):
        """Print the slip to a file, verify it (0), cancel the request,
        verify again (1, changed); an unknown number gives 2 and no file;
        a malformed --qr gives 1"""
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            w = World.build()
            number = c13_request(w).number
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
