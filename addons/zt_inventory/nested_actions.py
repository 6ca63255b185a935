# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The actions of a One2Many or Many2Many value, without the ORM.

A caller writes the lines of a document through the document: the value of
a One2Many or Many2Many field is a list of actions in Tryton's syntax::

    [('create', [{...}, ...]),
     ('write', ids, {...}, ids, {...}, ...),
     ('add', ids), ('remove', ids), ('delete', ids),
     ('copy', ids[, default])]

``nested_access.py`` checks each of them as Tryton checks a direct call."""

__all__ = ['ACTIONS', 'parse_actions', 'field_names']

ACTIONS = {'create', 'write', 'add', 'remove', 'delete', 'copy'}


def _ids(value):
    "Return ``value`` (an id, a record or a sequence of them) as int list."
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value if v is not None]
    return [int(value)]


def parse_actions(actions):
    """Yield each action of ``actions`` (a One2Many or Many2Many value) as
    ``(action, ids, values)``: ``action`` is one of :data:`ACTIONS`,
    ``ids`` a list of int (empty for 'create'), ``values`` a dict (the
    values of a 'create' or 'write', the default of a 'copy', else empty).

    A 'create' yields one tuple per dict, a 'write' one per pair of ids and
    values (an odd last element is ignored, as Tryton ignores it).  A value
    that is not a list of actions and unknown actions are skipped: Tryton's
    setters refuse them (and the call with them)."""
    if not isinstance(actions, (list, tuple)):
        return
    for action in actions:
        if (not isinstance(action, (list, tuple)) or not action
                or action[0] not in ACTIONS):
            continue
        name, args = action[0], list(action[1:])
        if name == 'create':
            for values in (args[0] if args else None) or []:
                yield name, [], dict(values)
        elif name == 'write':
            for ids, values in zip(args[::2], args[1::2]):
                yield name, _ids(ids), dict(values or {})
        elif name == 'copy':
            default = args[1] if len(args) > 1 else None
            yield name, _ids(args[0] if args else None), dict(default or {})
        else:
            yield name, _ids(args[0] if args else None), {}


def field_names(values):
    """Return the field names (sorted list of str) that ``values`` (dict,
    e.g. the default of a copy) sets: ``'moves.origin'`` sets ``moves``."""
    return sorted({str(key).split('.', 1)[0] for key in values})
