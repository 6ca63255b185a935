# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Access checks on the actions nested in a call's One2Many and Many2Many
values.

Tryton checks model access, field access and record rules on what a call
names, and on the lines a plain One2Many or Many2Many value touches (its
setter runs with the caller's checks).  The setter of a Function field
runs without checks: through ``stock.shipment.in.incoming_moves`` a warehouse
keeper could write the ``unit_price`` of a move, or move it into another
warehouse, which a direct call refuses.  :class:`NestedAccessMixin` applies
to every nested action what Tryton applies to a direct call: before the
call, model and field access and the record rules on the records it names;
after it, the record rules on the records it wrote or created, as they are
then (a write may carry a record out of the user's warehouses).  Refusals
are Tryton's ``AccessError``, recorded in the ledger by ``refusal.watch``.
"""
from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .nested_actions import field_names, parse_actions
from .workflow_fields import check_workflow_fields

__all__ = ['check_nested', 'Pending', 'NestedAccessMixin']


class Pending:
    """The checks left once the call has run: the record rules on the
    records that nested actions wrote and created, as they are then."""

    def __init__(self):
        # (Target, ids, origin) with origin = (Model, field name)
        self.written = []
        # model name -> (Target, records created before the call, origin)
        self.created = {}

    def write(self, Target, ids, origin):
        "Check the write rule on ``ids`` of ``Target`` after the call."
        if ids:
            self.written.append((Target, ids, origin))

    def create(self, Target, origin):
        "Check the create rule on the ``Target`` records the call creates."
        name = Target.__name__
        if name not in self.created:
            created = Transaction().create_records[name]
            self.created[name] = (Target, len(created), origin)

    def check(self):
        """Raise :class:`AccessError` if a record written or created by a
        nested action breaks a record rule of the user (call it once the
        call has run, in its transaction)."""
        for Target, ids, origin in self.written:
            _check_rule(Target, ids, 'write', origin,
                'msg_nested_rule_written')
        for name, (Target, start, origin) in self.created.items():
            ids = Transaction().create_records[name][start:]
            _check_rule(Target, ids, 'create', origin,
                'msg_nested_rule_create')


def _relational(Model, values):
    """Yield ``(name, field)`` for each One2Many or Many2Many field
    (unwrapped from its Function field, if it has a setter) that
    ``values`` (dict) sets on ``Model``."""
    for name in sorted(values):
        field = Model._fields.get(name)
        if isinstance(field, fields.Function):
            if not field.setter:
                # Tryton refuses to set it.
                continue
            field = field._field
        if (isinstance(field, (fields.One2Many, fields.Many2Many))
                and values[name]):
            yield name, field


def _check_access(Target, modes, names=()):
    """Check the model access ``modes`` (list of str) on ``Target`` and the
    field access 'write' on its fields ``names`` (Tryton's own errors)."""
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    ModelFieldAccess = pool.get('ir.model.field.access')
    for mode in modes:
        ModelAccess.check(Target.__name__, mode)
    if names:
        ModelFieldAccess.check(Target.__name__, list(names), 'write')


def _check_rule(Target, ids, mode, origin, message):
    """Raise :class:`AccessError` with ``message`` (an id of this module's
    messages) if some of the existing records ``ids`` (int) of ``Target``
    are outside the user's record rules for ``mode`` ('read', 'write',
    'create' or 'delete').  Ids that do not exist are left to Tryton."""
    Rule = Pool().get('ir.rule')
    ids = sorted(set(ids))
    if not ids:
        return
    domain = Rule.domain_get(Target.__name__, mode=mode)
    if not domain:
        return
    existing, allowed = set(), set()
    with without_check_access(), inactive_records():
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS // 2):
            clause = ('id', 'in', list(sub_ids))
            existing.update(map(int, Target.search([clause], order=[])))
            allowed.update(
                map(int, Target.search([clause, domain], order=[])))
    refused = sorted(existing - allowed)
    if refused:
        raise _refusal(message, Target, refused, origin)


def _refusal(message, Target, ids, origin):
    "Return the AccessError ``message`` for ``ids`` of ``Target``."
    pool = Pool()
    Group = pool.get('res.group')
    User = pool.get('res.user')
    Model, name = origin
    names = Model.__names__(field=name)
    text = ', '.join(map(str, ids[:5])) + ('...' if len(ids) > 5 else '')
    with without_check_access():
        groups = Group.browse(User.get_groups())
        groups = ', '.join(g.rec_name for g in groups)
    error = AccessError(
        gettext('zt_inventory.' + message, ids=text,
            model=Target.__names__()['model'], field=names['field'],
            parent=names['model']),
        gettext('ir.msg_context_groups', groups=groups))
    # The records refused, for refusal.watch.
    error._zt_model = Target.__name__
    return error


def _check_workflow_fields(Target, values, creating):
    """Refuse in nested ``values`` (dict) the fields that only the workflow
    of ``Target`` sets (see workflow_fields.WorkflowFieldsMixin), as for a
    direct call: a move's state is set by its buttons only."""
    names = getattr(Target, '_outside_workflow_fields', None)
    if names is not None and isinstance(values, dict):
        check_workflow_fields(Target, values, names(), creating=creating)


def check_nested(Model, values, pending=None):
    """Check the actions nested in ``values`` (dict of a create or write of
    ``Model``) as Tryton checks a direct call, recursively, and return
    ``pending`` (a :class:`Pending`, new if None) with the checks to run
    once the call has run.

    Per action on the target model: 'create' needs create access and write
    access to the fields it sets; 'write' write access, field access and
    the write rule on its ids; One2Many 'add' and 'remove' write access (to
    the reverse field) and the write rule; Many2Many 'add' and 'remove'
    (links only) read access and the read rule; 'delete' delete access and
    the delete rule; 'copy' read and create access, field access to its
    default and the read rule on its ids.

    Raises Tryton's :class:`AccessError`.  Internal calls (no access check
    in the context, or root) are not checked."""
    if pending is None:
        pending = Pending()
    if not Transaction().check_access:
        return pending
    for name, field in _relational(Model, values):
        Target = field.get_target()
        origin = (Model, name)
        one2many = isinstance(field, fields.One2Many)
        for action, ids, nested in parse_actions(values[name]):
            if action in {'create', 'write', 'copy'}:
                _check_workflow_fields(Target, nested, action != 'write')
            if action == 'create':
                _check_access(Target, ['create'], nested)
                check_nested(Target, nested, pending)
                pending.create(Target, origin)
            elif action == 'write':
                _check_access(Target, ['write'], nested)
                _check_rule(
                    Target, ids, 'write', origin, 'msg_nested_rule_write')
                check_nested(Target, nested, pending)
                pending.write(Target, ids, origin)
            elif action in {'add', 'remove'} and one2many:
                _check_access(Target, ['write'], [field.field])
                _check_rule(
                    Target, ids, 'write', origin, 'msg_nested_rule_write')
                pending.write(Target, ids, origin)
            elif action in {'add', 'remove'}:
                _check_access(Target, ['read'])
                _check_rule(
                    Target, ids, 'read', origin, 'msg_nested_rule_read')
            elif action == 'delete':
                _check_access(Target, ['delete'])
                _check_rule(
                    Target, ids, 'delete', origin, 'msg_nested_rule_delete')
            elif action == 'copy':
                _check_access(
                    Target, ['read', 'create'], field_names(nested))
                _check_rule(
                    Target, ids, 'read', origin, 'msg_nested_rule_read')
                pending.create(Target, origin)
    return pending


class NestedAccessMixin:
    """Check the actions nested in the One2Many and Many2Many values of a
    create or write from outside (:func:`check_nested`), before the call,
    and the record rules on what they wrote and created, after it.

    ``preprocess_values``, the hook for values, runs without access checks
    (no way to tell an outside call from an internal one) and sees only
    the values before the call: the mixin wraps ``create`` and ``write``
    instead, as little as it can."""
    __slots__ = ()

    @classmethod
    def create(cls, vlist):
        vlist = list(vlist)
        pending = cls._check_nested_values('create', vlist)
        records = super().create(vlist)
        if pending is not None:
            pending.check()
        return records

    @classmethod
    def write(cls, *args):
        pending = cls._check_nested_values('write', args[1::2])
        result = super().write(*args)
        if pending is not None:
            pending.check()
        return result

    @classmethod
    def _check_nested_values(cls, mode, vlist):
        """Check the nested actions of ``vlist`` (list of dict) for a
        ``mode`` ('create' or 'write') call from outside; return the
        :class:`Pending` checks, or None for an internal call."""
        if not Transaction().check_access:
            return None
        # The call's own model first, as Tryton does (and so refusal.watch
        # records this model for a refusal that names none).
        Pool().get('ir.model.access').check(cls.__name__, mode)
        pending = Pending()
        for values in vlist:
            check_nested(cls, values, pending)
        return pending
