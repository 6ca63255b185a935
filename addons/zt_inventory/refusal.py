# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Refused attempts in the ledger.

A refusal rolls its transaction back, and an entry written in it would be
rolled back too.  So :func:`refused` only notes the refusal, and the entry
is appended in a transaction of its own once the refused one has ended
(``Transaction.atexit``), whether it was rolled back or (the caller caught
the error) committed: the attempt happened either way."""
import functools
import logging
import sys

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import exceptions

logger = logging.getLogger(__name__)

# The errors by which this module refuses an action, and the event of each
# (default 'refused').
REFUSALS = (exceptions.ActorError, exceptions.SegregationOfDutiesError,
    exceptions.ApprovalRequiredError, exceptions.RequestStateError,
    exceptions.BOMExceededError, exceptions.ScanError,
    exceptions.StockUnavailableError, exceptions.ProductionIssuedError,
    exceptions.WorkflowFieldError, exceptions.LedgerAppendOnlyError,
    exceptions.ProductionInputsNotIssuedError, exceptions.TransferStateError)
EVENTS = {exceptions.ScanError: 'scan_rejected'}


def _chain_of(record):
    "Return (company id, warehouse id or None) of the chain of ``record``."
    if getattr(record, 'chain', None) and record.chain.company:
        # A ledger entry: the chain it is in.
        record = record.chain
    elif getattr(record, 'request', None) \
            and record.request.__name__ == 'zt.issue.request':
        # A request line: its request's chain.
        record = record.request
    company = getattr(record, 'company', None) \
        or Transaction().context.get('company')
    if hasattr(record, '_ledger_warehouse'):
        warehouse = record._ledger_warehouse()
    elif getattr(record, 'production', None):
        warehouse = record.production.warehouse
    else:
        warehouse = getattr(record, 'warehouse', None)
    return (int(company) if company else None,
        int(warehouse) if warehouse else None)


def refused(error, records, event='refused', model=None):
    """Note that ``error`` (a UserError) refused an action on ``records``
    (list of instances; empty for a record being created, then ``model``
    names its model) and return ``error``, to be raised by the caller::

        raise refused(ActorError(gettext(...)), requests)

    One ledger entry '<model>.<event>' per record (record id 0 for a
    creation) is appended after the current transaction ends, by the same
    user, with the payload: error (class name), message (as shown to the
    user, no values of the refused write) and reference (the record's
    name).  Records without a company (none in the record nor in the
    context) are logged, not recorded, as a chain needs a company."""
    transaction = Transaction()
    if transaction.database is None or getattr(error, '_zt_recorded', False):
        return error
    error._zt_recorded = True
    notes = []
    for record in records or ([None] if model else []):
        if record is None:
            company = transaction.context.get('company')
            notes.append((model, 0, None, int(company) if company else None,
                    None))
            continue
        company, warehouse = _chain_of(record)
        notes.append((record.__name__, record.id, record.rec_name, company,
                warehouse))
    payload = {
        'error': type(error).__name__,
        'message': getattr(error, 'message', str(error)),
        }
    transaction.atexit(_append, transaction.database.name, transaction.user,
        event, notes, payload)
    return error


def _append(database, user, event, notes, payload):
    "Append the noted refusals in a new transaction (the atexit callback)."
    try:
        with Transaction(new=True).start(database, user,
                context={'active_test': False}) as transaction:
            pool = Pool()
            Company = pool.get('company.company')
            Entry = pool.get('zt.ledger.entry')
            User = pool.get('res.user')
            if not User.search([('id', '=', user)], limit=1):
                # The refused transaction created the user: nobody to
                # trace the attempt to.
                logger.info("refusal by user %s not recorded: the user "
                    "was rolled back", user)
                return
            # The user's own company when the note has none or one that
            # does not exist (a client's context is not to be trusted).
            fallback, = User.read([user], ['company'])
            fallback = fallback['company']
            events = []
            for model, record, reference, company, warehouse in notes:
                if company is None or not Company.search(
                        [('id', '=', company)], limit=1):
                    company, warehouse = fallback, None
                if company is None:
                    logger.warning("refusal of %s,%s by user %s not "
                        "recorded: no company", model, record, user)
                    continue
                events.append({
                        'company': company,
                        'warehouse': warehouse,
                        'event': '%s.%s' % (model, event),
                        'record': pool.get(model)(record),
                        'payload': dict(payload, reference=reference),
                        })
            Entry.append(events)
            transaction.commit()
    except Exception:
        # Never hide the refusal the user must see behind this one.
        logger.exception("refusal of %s not recorded in the ledger",
            [n[:2] for n in notes])


def recorded(func):
    """Decorate the classmethod ``func`` so that a refusal it raises (one of
    :data:`REFUSALS`) is recorded with :func:`refused` for the records it
    was called on: its first argument (records, or a list of dicts for a
    creation, or ``mode, records`` for ``check_modification``).  A refusal
    is recorded once, by the innermost decorated call."""
    @functools.wraps(func)
    def wrapper(cls, *args, **kwargs):
        try:
            return func(cls, *args, **kwargs)
        except REFUSALS as error:
            first = args[0] if args else []
            if isinstance(first, str):
                records = args[1] if first != 'create' else []
            elif first and isinstance(first[0], dict):
                records = []
            else:
                records = list(first)
            raise refused(error, records, model=cls.__name__,
                event=EVENTS.get(type(error), 'refused'))
    return wrapper


def watch(model_name):
    """Watch the current transaction, which checks access to
    ``model_name`` (str) for a caller from outside: if it ends by raising an
    access error that no one recorded (Tryton's model, field, rule and
    button access, a module's refusal to modify a record...), the error is
    recorded as '<model>.refused' (record id 0, the model of the failing
    check if known, else the first one checked) once the transaction has
    ended.  Cheap: one callback per transaction."""
    transaction = Transaction()
    if transaction.database is None:
        return
    if getattr(transaction, '_zt_watched', None) is None:
        # The first model checked is the call's own (the button's, the
        # wizard's or the model called).
        transaction._zt_watched = [model_name]
        company = transaction.context.get('company')
        transaction.atexit(_record_uncaught, transaction.database.name,
            transaction.user, company if isinstance(company, int) else None,
            transaction._zt_watched)


def _record_uncaught(database, user, company, watched):
    """The atexit callback of :func:`watch`: it runs while the exception
    that ends the transaction, if any, is in flight."""
    error = sys.exc_info()[1]
    if (not isinstance(error, (AccessError, AccessButtonError))
            or getattr(error, '_zt_recorded', False)):
        return
    error._zt_recorded = True
    model = getattr(error, '_zt_model', None) or watched[0]
    _append(database, user, 'refused', [(model, 0, None, company, None)], {
            'error': type(error).__name__,
            'message': getattr(error, 'message', str(error)),
            })
