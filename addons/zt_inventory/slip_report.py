# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The pick slip of a material issue request: the reports (A4 and 80 mm)
that print it, and its verification against the ledger ("Verify Pick
Slip", ``ztinv slip``, ``ztinv verify-slip``).

The slip's QR code carries the request number and the hash of the
request's last ``zt.ledger.entry`` at printing time (slip_code.py); any
later entry (a state change, an approval, a scan) makes the paper out of
date, and the keeper who scans it is told which entries are newer."""
import contextlib
import datetime as dt
import os
import sys
import tempfile
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.report import Report
from trytond.rpc import RPC
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import pdf_font, slip, slip_code
from .company import in_group
from .refusal import refused

__all__ = ['SlipError', 'SlipAccessError', 'IssueRequest', 'PickSlip',
    'PickSlip80', 'VerifySlipStart', 'VerifySlipResult', 'VerifySlip',
    'local_time', 'VERIFY_GROUPS']

RESULTS = [
    (slip_code.MATCH, "Matches"),
    (slip_code.CHANGED, "Changed Since Printing"),
    (slip_code.NOT_IN_LEDGER, "Not in the Ledger"),
    (slip_code.UNKNOWN_REQUEST, "Unknown Request"),
    ]


# Who may verify a pick slip: the groups of the wizard "Verify Pick Slip"
# (slip.xml), checked by the server for the RPC call and the wizard alike.
VERIFY_GROUPS = ('zt_inventory.group_warehouse_keeper',
    'zt_inventory.group_department_manager', 'zt_inventory.group_auditor',
    'res.group_admin')


class SlipError(UserError):
    "A pick slip that cannot be printed or a text that is no slip code."


class SlipAccessError(AccessError):
    "The user is in none of the groups that may verify a pick slip."


def local_time(value, timezone):
    """Return the naive UTC datetime ``value`` as text 'YYYY-MM-DD
    HH:MM:SS' in the time zone ``timezone`` (IANA name, None or unknown:
    UTC); '' for None."""
    if value is None:
        return ''
    try:
        zone = ZoneInfo(timezone or 'UTC')
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo('UTC')
    value = value.replace(tzinfo=dt.timezone.utc).astimezone(zone)
    return value.strftime('%Y-%m-%d %H:%M:%S')


class IssueRequest(metaclass=PoolMeta):
    __name__ = 'zt.issue.request'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['verify_slip'] = RPC(readonly=True)

    def slip_entries(self):
        """Return the ledger entries (zt.ledger.entry, oldest first) of
        this request: model 'zt.issue.request', record its id; read
        without access checks (the caller may read the request)."""
        Entry = Pool().get('zt.ledger.entry')
        with without_check_access():
            return Entry.search([
                    ('model', '=', self.__name__),
                    ('record', '=', self.id),
                    ], order=[('date', 'ASC'), ('id', 'ASC')])

    def slip_hash(self):
        """Return the hash (64 hex digits) of this request's last ledger
        entry, or slip_code.NO_ENTRY when it has none."""
        entries = self.slip_entries()
        return entries[-1].hash if entries else slip_code.NO_ENTRY

    def slip_content(self, user=None):
        """Return the content (dict, see slip.py) of this request's pick
        slip printed now by ``user`` (res.user; default: the current
        user): quantities in the line's unit, times in the company's
        time zone."""
        pool = Pool()
        User = pool.get('res.user')
        user = user or User(Transaction().user)
        timezone = self.company.timezone or 'UTC'
        with without_check_access():
            request = self.__class__(self.id)
            return {
                'number': request.number,
                'state': request.state,
                'company': request.company.rec_name,
                'warehouse': _name(request.warehouse),
                'production': _name(request.production),
                'from_location': _name(request.from_location),
                'requester': _name(request.requested_by
                    or request.requested_by_user or request.create_uid),
                'keeper': _name(request.issued_by
                    or request.issued_by_user),
                'note': request.note or '',
                'printed_by': user.rec_name,
                'printed_at': local_time(
                    dt.datetime.now(dt.timezone.utc).replace(
                        tzinfo=None, microsecond=0), timezone),
                'timezone': timezone,
                'qr': slip_code.payload(request.number, request.slip_hash()),
                'lines': [{
                        'code': line.product.code or '',
                        'name': line.product.name,
                        'lot': _name(line.lot),
                        'quantity': line.quantity,
                        'unit': line.unit.symbol if line.unit else '',
                        } for line in request.lines],
                'approvals': [{
                        'level': a.level,
                        'decision': a.decision,
                        'approver': _name(a.employee or a.user),
                        'date': local_time(a.date, timezone),
                        } for a in request.valid_approvals()],
                }

    @classmethod
    def verify_slip(cls, text):
        """Compare the QR text ``text`` (str) of a printed pick slip with
        the ledger, as the current user.  Returns a dict: result (a
        slip_code result code), number (str), message (str, translated)
        and newer (ids of the ledger entries recorded since printing,
        oldest first).

        The server decides who may ask, over RPC and in the wizard alike
        (root, e.g. ``ztinv verify-slip``, always may): a user in none of
        :data:`VERIFY_GROUPS` is refused (:class:`SlipAccessError`,
        recorded in the ledger as 'zt.issue.request.refused' with record
        id 0) before the text is looked at; a request the user may not
        read (access and record rules) is answered exactly like an
        unknown one; the entries since printing (newer and the lines of
        the message) are given only to a user who may read
        zt.ledger.entry (those its record rules let them read), others
        get the outcome without them.

        Raises :class:`SlipError` when ``text`` is no slip code."""
        cls.check_slip_verifier()
        found = {}

        def history(number):
            request = cls._slip_request(number)
            if request is None:
                return None
            found['request'] = request
            found['entries'] = request.slip_entries()
            return [e.hash for e in found['entries']]

        comparison = slip_code.compare(text, history)
        if comparison.code == slip_code.MALFORMED:
            raise SlipError(gettext('zt_inventory.msg_slip_malformed',
                    reason=comparison.reason))
        newer = [found['entries'][i] for i in comparison.newer]
        code = comparison.code
        if newer and cls._slip_ledger_readable():
            newer = cls._slip_readable_entries(newer)
            message = gettext('zt_inventory.msg_slip_changed',
                number=comparison.number, count=len(newer),
                changes=cls._slip_changes(found['request'], newer))
        elif newer:
            newer = []
            message = gettext('zt_inventory.msg_slip_changed_hidden',
                number=comparison.number)
        else:
            message = gettext('zt_inventory.msg_slip_%s' % code,
                number=comparison.number, count=0, changes='')
        return {
            'result': code,
            'number': comparison.number,
            'message': message,
            'newer': [e.id for e in newer],
            }

    @classmethod
    def check_slip_verifier(cls):
        """Raise :class:`SlipAccessError` (recorded as a refusal) unless
        the current user is root or in one of :data:`VERIFY_GROUPS`."""
        if Transaction().user == 0:
            return
        if any(in_group(g) for g in VERIFY_GROUPS):
            return
        User = Pool().get('res.user')
        raise refused(SlipAccessError(gettext(
                    'zt_inventory.msg_slip_verify_group',
                    user=User(Transaction().user).rec_name)),
            [], model=cls.__name__)

    @classmethod
    def _slip_request(cls, number):
        """Return the request numbered ``number`` that the current user
        may read (model access and record rules, also where the caller,
        e.g. a wizard transition, runs without access checks), or None."""
        ModelAccess = Pool().get('ir.model.access')
        with check_access():
            if not ModelAccess.check(cls.__name__, 'read',
                    raise_exception=False):
                return None
            requests = cls.search([('number', '=', number)], limit=1)
        return requests[0] if requests else None

    @classmethod
    def _slip_ledger_readable(cls):
        "Tell whether the current user may read zt.ledger.entry."
        ModelAccess = Pool().get('ir.model.access')
        with check_access():
            return ModelAccess.check('zt.ledger.entry', 'read',
                raise_exception=False)

    @classmethod
    def _slip_readable_entries(cls, entries):
        """Return those of ``entries`` (same order) that the record rules
        let the current user read."""
        Entry = Pool().get('zt.ledger.entry')
        with check_access():
            readable = {e.id for e in Entry.search(
                        [('id', 'in', [e.id for e in entries])])}
        return [e for e in entries if e.id in readable]

    @classmethod
    def _slip_changes(cls, request, entries):
        """Return the ledger ``entries`` as text, one line each: time in
        the company's time zone, event, user."""
        if not entries:
            return ''
        with without_check_access():
            timezone = cls(request.id).company.timezone
            return '\n'.join('%s  %s  %s' % (
                    local_time(e.date, timezone), e.event,
                    _name(e.employee or e.user))
                for e in entries)


def _name(record):
    "The rec_name of ``record`` (str), '' for None."
    return record.rec_name if record else ''


class PickSlip(Report):
    "Pick Slip (A4)"
    __name__ = 'zt.issue.request.slip'
    page = 'a4'
    # Overridden by tests to check that a missing font fails the print.
    fonts = pdf_font.CJK_FONTS

    @classmethod
    def _execute(cls, records, header, data, action):
        """Return ('pdf', bytes): the slip of the one request in
        ``records`` in the language of the context.  Raises
        :class:`SlipError` when no CJK font is installed or it lacks a
        glyph of the content."""
        request, = records
        lang = Transaction().context.get('language') or 'en'
        try:
            return 'pdf', slip.slip_pdf(request.slip_content(),
                page=cls.page, lang=lang, fonts=cls.fonts)
        except pdf_font.FontMissingError as error:
            raise SlipError(gettext('zt_inventory.msg_slip_font_missing',
                    error=str(error))) from error


class PickSlip80(PickSlip):
    "Pick Slip (80 mm)"
    __name__ = 'zt.issue.request.slip_80mm'
    page = '80mm'


class VerifySlipStart(ModelView):
    "Verify Pick Slip"
    __name__ = 'zt.issue.request.slip.verify.start'
    qr = fields.Text("QR Code", required=True,
        help="Scan or paste the text of the QR code printed on the slip.")


class VerifySlipResult(ModelView):
    "Verify Pick Slip"
    __name__ = 'zt.issue.request.slip.verify.result'
    result = fields.Selection(RESULTS, "Result", readonly=True)
    number = fields.Char("Number", readonly=True)
    message = fields.Text("Message", readonly=True)


class VerifySlip(Wizard):
    "Verify Pick Slip"
    __name__ = 'zt.issue.request.slip.verify'
    start = StateView('zt.issue.request.slip.verify.start',
        'zt_inventory.issue_request_slip_verify_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Verify", 'check', 'tryton-ok', default=True),
            ])
    check = StateTransition()
    result = StateView('zt.issue.request.slip.verify.result',
        'zt_inventory.issue_request_slip_verify_result_view_form', [
            Button("Verify Another", 'start', 'tryton-back'),
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_check(self):
        IssueRequest = Pool().get('zt.issue.request')
        verified = IssueRequest.verify_slip(self.start.qr)
        self.result.result = verified['result']
        self.result.number = verified['number']
        self.result.message = verified['message']
        return 'result'

    def default_result(self, fields):
        return {
            'result': self.result.result,
            'number': self.result.number,
            'message': self.result.message,
            }


def _start(config_file, database):
    """Load trytond's ``config_file`` and return the pool of ``database``.
    Raises ledger_verify.DatabaseUnavailable (``ztinv`` exits 2) when the
    file cannot be read or the database cannot be opened."""
    from trytond import config

    from .ledger_verify import DatabaseUnavailable
    if not os.path.isfile(config_file):
        raise DatabaseUnavailable(
            'cannot read the configuration file %s' % config_file)
    config.update_etc(config_file)
    # Pool() registers the name: look before, as trytond's dispatcher does.
    loaded = database in Pool.database_list()
    pool = Pool(database)
    if not loaded:
        try:
            pool.init()
        except Exception as error:
            raise DatabaseUnavailable('cannot open database %s: %s'
                % (database, error)) from error
    return pool


def main_slip(config_file, database, number, output, lang='en',
        page='a4', err=None):
    """Run ``ztinv slip``: write the pick slip of the request ``number``
    of ``database`` (read as root, in a read-only transaction) to the
    file ``output`` as PDF, on ``page`` ('a4' or '80mm') with the labels
    in ``lang``.  Returns 0, 1 when the slip cannot be printed (e.g. no
    CJK font) or ``output`` cannot be written ("cannot write <path>:
    <reason>"), no file written either way, and 2 for an unknown
    request."""
    err = err or sys.stderr
    pool = _start(config_file, database)
    report = 'zt.issue.request.slip' + ('_80mm' if page == '80mm' else '')
    with Transaction().start(database, 0, readonly=True,
            context={'language': lang}):
        Request = pool.get('zt.issue.request')
        Slip = pool.get(report, type='report')
        requests = Request.search([('number', '=', number)], limit=1)
        if not requests:
            print("ztinv slip: error: no request numbered %s" % number,
                file=err)
            return 2
        try:
            _, data, _, _ = Slip.execute([requests[0].id], {})
        except UserError as error:
            print("ztinv slip: error: %s" % error.message, file=err)
            return 1
    try:
        _write_file(output, bytes(data))
    except OSError as error:
        print("ztinv slip: error: cannot write %s: %s"
            % (output, error.strerror or error), file=err)
        return 1
    return 0


def _write_file(path, data):
    """Write ``data`` (bytes) to the file ``path`` whole or not at all: in
    a temporary file of the same folder renamed over ``path`` (with the
    permissions a new file gets).  Raises OSError, leaving nothing."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix='.ztinv-slip-',
        suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as file:
            file.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def main_verify(config_file, database, pdf=None, qr=None, out=None,
        err=None):
    """Run ``ztinv verify-slip``: read the QR text of the slip file
    ``pdf`` (or take ``qr``), compare it with the ledger of ``database``
    (as root, read-only) and print the result.  Returns 0 when the slip
    matches, 1 otherwise (changed, not in the ledger, unknown request,
    malformed text, unreadable file) with the reason."""
    out, err = out or sys.stdout, err or sys.stderr
    if pdf is not None:
        try:
            with open(pdf, 'rb') as file:
                qr = slip.read_slip_qr(file.read())
        except (OSError, ValueError) as error:
            print("ztinv verify-slip: error: %s: %s" % (pdf, error),
                file=err)
            return 1
    pool = _start(config_file, database)
    with Transaction().start(database, 0, readonly=True):
        Request = pool.get('zt.issue.request')
        try:
            result = Request.verify_slip(qr)
        except SlipError as error:
            print("ztinv verify-slip: error: %s" % error.message, file=err)
            return 1
    print("verify-slip: %s: %s" % (result['result'], result['message']),
        file=out)
    return 0 if result['result'] == slip_code.MATCH else 1
