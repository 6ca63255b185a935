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
