# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Issuing approved requests: scan verification, then the production's input
moves are split, reserved without going negative and done in one
transaction, so that continental valuation posts the account move."""
from collections import Counter

from sql import For, Literal
from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import barcode, sod_rules
from .company import get_actor, in_group
from .exceptions import ActorError, ScanError, StockUnavailableError
from .issue_approval import RequestTraceMixin
from .refusal import recorded
from .trace import dumps, utc_now


class IssueRequestScan(RequestTraceMixin, ModelSQL, ModelView):
    "Material Issue Request Scan"
    __name__ = 'zt.issue.request.scan'
    __string__ = "Material Issue Request Scan"
    badge = fields.Many2One(
        'company.employee', "Badge Of", required=True, readonly=True)
    items = fields.Text("Items", readonly=True,
        help="JSON: scanned code -> quantity.")


class IssueRequest(metaclass=PoolMeta):
    __name__ = 'zt.issue.request'

    @classmethod
    def check_keeper(cls, requests):
        """Raise unless the actor may issue every request: an employee in
        the request's company whom no segregation-of-duties rule forbids to
        issue it (zt.sod.rule, duty 'issue_request.issue': by default
        neither the requester nor an approver; checked first, for root
        too), in the warehouse keeper group.  Returns {request: (user,
        employee)}."""
        Rule = Pool().get('zt.sod.rule')
        actors = {}
        for request in requests:
            user, employee = get_actor(request.company)
            Rule.check([request], sod_rules.ISSUE, employee=employee,
                user=user)
            if not in_group('zt_inventory.group_warehouse_keeper'):
                raise ActorError(gettext(
                        'zt_inventory.msg_issue_keeper_group',
                        request=request.rec_name))
            actors[request] = (user, employee)
        return actors

    @classmethod
    def verify_scans(cls, requests, text):
        """Check what the keeper scanned (``text``, one scan per line, see
        barcode.parse_scans) against ``requests`` and record an accepted
        scan for each; raises :class:`ScanError` saying what is wrong.

        Items: every code is a valid GTIN, equal to a product identifier, and
        the count per product equals the requested quantity (in the line's
        unit, which must be the product's unit counted by scanning).
        Badges: exactly the badges of the requesters, nothing else."""
        pool = Pool()
        Employee = pool.get('company.employee')
        Identifier = pool.get('product.identifier')
        Scan = pool.get('zt.issue.request.scan')
        History = pool.get('zt.issue.request.history')
        try:
            scanned = barcode.parse_scans(text)
        except ValueError as exception:
            raise ScanError(gettext(
                    'zt_inventory.msg_scan_quantity_zero',
                    scan=exception.args[0]))
        if not scanned:
            raise ScanError(gettext('zt_inventory.msg_scan_empty'))
        companies = {r.company.id for r in requests}
        badges = {e.badge_code: e for e in Employee.search([
                    ('badge_code', 'in', list(scanned)),
                    ('company', 'in', list(companies)),
                    ])}
        items = Counter()
        for code, count in scanned.items():
            if code in badges:
                continue
            try:
                barcode.check_gtin(code)
            except barcode.GTINError as error:
                raise ScanError(gettext(
                        'zt_inventory.msg_scan_gtin_%s' % error.reason,
                        code=code))
            identifiers = Identifier.search([('code', '=', code)])
            products = {i.product for i in identifiers}
            if len(products) != 1:
                raise ScanError(gettext(
                        'zt_inventory.msg_scan_unknown_code', code=code))
            product, = products
            items[product] += count
        expected = Counter()
        for request in requests:
            for line in request.lines:
                expected[line.product] += line.quantity
        for product in set(items) | set(expected):
            if items[product] != expected[product]:
                raise ScanError(gettext(
                        'zt_inventory.msg_scan_quantity_mismatch',
                        product=product.rec_name,
                        scanned='%g' % items[product],
                        expected='%g' % expected[product]))
        wanted = {r.requested_by for r in requests}
        got = set(badges.values())
        if got != wanted:
            raise ScanError(gettext(
                    'zt_inventory.msg_scan_badge_mismatch',
                    scanned=', '.join(sorted(e.rec_name for e in got))
                    or '-',
                    expected=', '.join(sorted(e.rec_name for e in wanted))))
        user = pool.get('res.user')(Transaction().user)
        Scan.create([{
                    'request': r.id,
                    'date': utc_now(),
                    'user': user.id,
                    'employee': user.employee.id,
                    'badge': r.requested_by.id,
                    'items': dumps({c: n for c, n in scanned.items()
                            if c not in badges}),
                    } for r in requests])
        History.record(requests, 'scanned')

    @classmethod
    def lock_for_issue(cls, requests):
        """Lock the rows of ``requests`` until the transaction ends, waiting
        for a concurrent issue to finish.

        Tryton's ``ModelSQL.lock`` does not wait (``NOWAIT``): a second issue
        of the same request while the first takes longer than the
        dispatcher's few retries (about 0.3 s) would end in a raw database
        error.  Waiting instead, the second transaction then fails to
        serialize (PostgreSQL runs Tryton at REPEATABLE READ), the dispatcher
        retries it on a fresh snapshot and it answers "already done" (public
        case C4).  SQLite has a single writer: Tryton's lock is enough."""
        if backend.name != 'postgresql':
            cls.lock(requests)
            return
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Literal(1),
                where=table.id.in_([r.id for r in requests]),
                for_=For('UPDATE')))

    @classmethod
    @recorded
    @without_check_access
    def issue_scanned(cls, requests, text):
        """Issue ``requests`` after verifying the scan ``text``: the entry
        point of the issue wizard and of integrations."""
        cls.lock_for_issue(requests)
        requests = cls.browse([r.id for r in requests])
        cls.check_approved(requests)
        cls.check_keeper(requests)
        cls.verify_scans(requests, text)
        cls.do(requests)

    @classmethod
    def check_scanned(cls, requests, actors):
        "Raise unless the actor recorded an accepted scan after approval."
        for request in requests:
            user, _ = actors[request]
            approved_at = max(
                (a.date for a in request.valid_approvals()), default=None)
            if not any(s.user == user and (
                        approved_at is None or s.date >= approved_at)
                    for s in request.scans):
                raise ScanError(gettext(
                        'zt_inventory.msg_scan_required',
                        request=request.rec_name))

    @classmethod
    @recorded
    @without_check_access
    def do(cls, requests):
        """Issue the material of ``requests`` (the lowest-level 'done').

        Every check runs here again for every caller: state and approvals on
        current values, the bill of materials, segregation of duties and a
        scan by the issuing keeper; then its writes run without access
        checks, as a button's body does.  The requests are locked first, so
        a concurrent second issue answers "already done"."""
        cls.lock_for_issue(requests)
        # Workflow.transition silently skips records in another state (a
        # waiting or done request): check them all before it filters.
        requests = cls.browse([r.id for r in requests])
        cls.check_approved(requests)
        cls._do(requests)

    @classmethod
    @Workflow.transition('done')
    def _do(cls, requests):
        pool = Pool()
        Move = pool.get('stock.move')
        History = pool.get('zt.issue.request.history')
        cls.check_bom(requests)
        actors = cls.check_keeper(requests)
        cls.check_scanned(requests, actors)
        moves = []
        for request in requests:
            for line in request.lines:
                moves.extend(line.prepare_moves())
        Move.save(moves)
        grouping = ('product', 'lot') if any(m.lot for m in moves) else (
            'product',)
        if not Move.assign_try(moves, with_childs=False, grouping=grouping):
            short = [m for m in Move.browse(moves) if m.state != 'assigned']
            move = short[0] if short else moves[0]
            raise StockUnavailableError(gettext(
                    'zt_inventory.msg_issue_stock_unavailable',
                    product=move.product.rec_name,
                    location=move.from_location.rec_name))
        Move.do(moves)
        now = utc_now()
        for request in requests:
            user, employee = actors[request]
            cls.write([request], {
                    'issued_by': employee.id,
                    'issued_by_user': user.id,
                    'issued_at': now,
                    })
        History.record(requests, 'issued')


class IssueRequestIssueStart(ModelView):
    "Issue Material"
    __name__ = 'zt.issue.request.issue.start'
    __string__ = "Issue Material"
    scans = fields.Text("Scans", required=True,
        help="Scan each item and the requester's badge; one scan per line. "
        "A keyed quantity may precede a code: 12*4006381333931.")
    expected = fields.Text("To Scan", readonly=True)


class IssueRequestIssue(Wizard):
    "Issue Material"
    __name__ = 'zt.issue.request.issue'
    start = StateView('zt.issue.request.issue.start',
        'zt_inventory.issue_request_issue_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Issue", 'issue', 'tryton-ok', default=True),
            ])
    issue = StateTransition()

    def default_start(self, fields):
        lines = []
        for request in self.records:
            for line in request.lines:
                lines.append('%s: %s %s × %s' % (
                        request.rec_name, line.product.rec_name,
                        line.quantity, line.unit.rec_name))
            lines.append('%s: %s' % (
                    request.rec_name, request.requested_by.rec_name))
        return {'expected': '\n'.join(lines)}

    def transition_issue(self):
        self.model.issue_scanned(self.records, self.start.scans)
        return 'end'

