# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Fields that only the workflow methods set.

Tryton does not enforce ``readonly`` on the server: a caller from outside
(RPC, import) could otherwise write ``state`` and skip every check."""
from trytond.i18n import gettext

from .exceptions import WorkflowFieldError


def check_workflow_fields(Model, values, names):
    """Raise :class:`WorkflowFieldError` if ``values`` (dict) sets one of
    ``names`` (set of field names of ``Model``) to a value: None, an empty
    list and the ``draft`` state of a new or copied record pass."""
    for name in sorted(set(values) & names):
        value = values[name]
        if value is None or value == [] or (
                name == 'state' and value == 'draft'):
            continue
        names = Model.__names__(field=name)
        raise WorkflowFieldError(gettext(
                'zt_inventory.msg_workflow_field',
                field=names['field'], model=names['model']))


def check_line_actions(Line, actions, names):
    """Apply :func:`check_workflow_fields` to the values that One2Many
    ``actions`` (list of tuples, Tryton's create/write syntax) give to
    ``Line``: nested writes are not checked as coming from outside."""
    for action in actions or []:
        if action[0] == 'create':
            for values in action[1]:
                check_workflow_fields(Line, values, names)
        elif action[0] == 'write':
            for values in action[2::2]:
                check_workflow_fields(Line, values, names)


class WorkflowFieldsMixin:
    """Refuse a value of the fields that only the workflow sets (by default
    ``state``; see :meth:`_outside_workflow_fields`) from a caller from
    outside: in a write (RPC, import) and in a creation, where the created
    records are checked (Tryton runs ``preprocess_values`` without access
    checks, so it cannot tell an outside caller).  The refusal is recorded
    in the ledger (an access error: see refusal.watch)."""
    __slots__ = ()

    @classmethod
    def _outside_workflow_fields(cls):
        "Return the names (set) of the fields set by the workflow only."
        return {'state'}

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if not external:
            return
        names = cls._outside_workflow_fields()
        if mode == 'write' and values:
            check_workflow_fields(cls, values, names)
        elif mode == 'create':
            for record in records:
                check_workflow_fields(cls,
                    {n: getattr(record, n, None) for n in names}, names)
