# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Excel export of the cockpit reports (see doc/cockpit.rst, "Excel
export").

Any report model named ``zt.cockpit.*`` (or Tryton's ``stock.reporting.*``)
is exported with the columns of its list view and the filters of the
user's context.  Small exports are written at once; larger ones run in
ir.queue and write their progress in their own transactions."""
import json
import xml.etree.ElementTree as ET

from trytond import backend, config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.pyson import PYSONDecoder
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from . import xlsx

STATES = [
    ('draft', "Draft"),
    ('running', "Running"),
    ('done', "Done"),
    ('failed', "Failed"),
    ]
# Model name prefixes that may be exported.
EXPORTABLE = ('zt.cockpit.', 'stock.reporting.')
# Context keys that are never filters of a report.
TECHNICAL_KEYS = {'language', 'language_direction', 'groups', 'locale',
    'client', 'employee', 'companies', 'date_format', 'active_test',
    'company_work_time', 'warehouse_locations'}
FIELD_TYPES = {
    'boolean': 'boolean',
    'integer': 'integer',
    'float': 'number',
    'numeric': 'number',
    'date': 'date',
    'datetime': 'datetime',
    'timestamp': 'datetime',
    }
# What names a unit or a currency in a header.
UNIT_LABELS = {'product.uom': 'symbol', 'currency.currency': 'code'}
SKIPPED_TYPES = {'one2many', 'many2many', 'binary', 'dict', 'one2one'}


def direct_limit():
    """Return the largest number of rows exported at once (int), from
    ``[zt_inventory] export_direct_rows`` (default 2000)."""
    return config.getint('zt_inventory', 'export_direct_rows', default=2000)


def progress_every():
    """Return every how many rows a queued export writes its progress
    (int), from ``[zt_inventory] export_progress_rows`` (default 500)."""
    return max(config.getint(
            'zt_inventory', 'export_progress_rows', default=500), 1)


def dumps(value):
    "Return ``value`` as JSON text, dates and Decimals as Tryton does."
    return json.dumps(value, cls=JSONEncoder, separators=(',', ':'),
        sort_keys=True)


def loads(text):
    "Return the value of JSON ``text`` written by dumps()."
    return json.loads(text or '{}', object_hook=JSONDecoder())


def tree_columns(arch, context):
    """Return the field names of the list view ``arch`` (XML text) in
    order, without the columns invisible under ``context`` (dict) and
    with their ``symbol`` attribute: list of (name, symbol or None)."""
    decoder = PYSONDecoder(context)
    result = []
    for node in ET.fromstring(arch).iter('field'):
        invisible = node.get('tree_invisible', '0')
        if invisible not in {'0', '1', ''}:
            invisible = decoder.decode(invisible)
        if invisible in {'1', True}:
            continue
        result.append((node.get('name'), node.get('symbol')))
    return result


class CockpitExport(ModelSQL, ModelView):
    "Cockpit Export"
    __name__ = 'zt.cockpit.export'
    __string__ = "Cockpit Export"

    user = fields.Many2One('res.user', "User", required=True, readonly=True)
    report_model = fields.Char("Report Model", required=True, readonly=True)
    report_name = fields.Function(
        fields.Char("Report"), 'get_report_name')
    filters = fields.Text("Filters", readonly=True,
        help="The filters of the report (its context) as JSON.")
    state = fields.Selection(STATES, "State", required=True, readonly=True,
        sort=False)
    progress = fields.Float("Progress", digits=(5, 2), readonly=True,
        help="Percentage of the rows written.")
    rows_done = fields.Integer("Rows Done", readonly=True)
    rows_total = fields.Integer("Rows Total", readonly=True)
    file = fields.Binary("File", filename='file_name', readonly=True)
    file_name = fields.Char("File Name", readonly=True)
    error = fields.Text("Error", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_user(cls):
        return Transaction().user

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_progress(cls):
        return 0

    @classmethod
    def default_rows_done(cls):
        return 0

    def get_report_name(self, name):
        Model = Pool().get('ir.model')
        return Model.get_name(self.report_model)

    def get_rec_name(self, name):
        return '%s #%s' % (self.report_name, self.id)

    @classmethod
    def check_exportable(cls, model):
        """Check that the user may export the report ``model`` (str).

        Raises UserError when it is not a report that may be exported and
        AccessError when the user may not read it."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        try:
            Model = pool.get(model)
        except KeyError:
            Model = None
        if (not Model or model == cls.__name__
                or not model.startswith(EXPORTABLE)
                or not issubclass(Model, ModelSQL)
                or not callable(getattr(Model, 'table_query', None))):
            raise UserError(gettext(
                    'zt_inventory.msg_cockpit_export_not_report',
                    model=model))
        with Transaction().set_context(_check_access=True):
            ModelAccess.check(model, 'read')

    @classmethod
    def context_model(cls, model):
        """Return the context model class of the report ``model`` (str)
        from its window action, or None."""
        pool = Pool()
        Action = pool.get('ir.action.act_window')
        with without_check_access():
            actions = Action.search([
                    ('res_model', '=', model),
                    ('context_model', '!=', None),
                    ], limit=1)
        return pool.get(actions[0].context_model) if actions else None

    @classmethod
    def context_filters(cls, model, context):
        """Return the filters of ``model`` (str) in ``context`` (dict):
        {name: value} of the fields of the report's context model found
        in the context, else of every non technical context key."""
        Context = cls.context_model(model)
        if Context:
            names = Context._fields.keys()
        else:
            names = {k for k in context if not k.startswith(('_', 'active_'))
                and k not in TECHNICAL_KEYS}
        return {n: context[n] for n in sorted(names)
            if n in context and n not in {'id', 'rec_name'}}

    @classmethod
    def filter_lines(cls, model, filters):
        """Return the filters for the sheet "Filters": list of (label,
        value as text); labels from the context model's fields."""
        Context = cls.context_model(model)
        with without_check_access():
            return [cls._filter_line(Context, n, v)
                for n, v in sorted(filters.items())]

    @classmethod
    def _filter_line(cls, Context, name, value):
        pool = Pool()
        field = Context._fields.get(name) if Context else None
        if field is None:
            return name, value
        if value is not None and field._type == 'many2one':
            value = pool.get(field.model_name)(value).rec_name
        elif value is not None and field._type == 'selection':
            value = dict(field.selection if isinstance(
                    field.selection, (list, tuple)) else []
                ).get(value, value)
        return field.string, value

    @classmethod
    def columns(cls, model):
        """Return the columns of ``model`` (str): list of dicts with name,
        string, type (an xlsx type), unit (the companion field's name or
        None), read (names to read) and num_format.  A model may declare
        ``_export_fields`` (list of names); else its list view's."""
        Model = Pool().get(model)
        names = getattr(Model, '_export_fields', None)
        if names:
            names = [(n, None) for n in names]
        else:
            view = Model.fields_view_get(view_type='tree')
            names = tree_columns(view['arch'], Transaction().context)
        definitions = Model.fields_get()
        return [c for c in (cls._column(Model, definitions, n, s)
                for n, s in names if n in definitions) if c]

    @classmethod
    def _column(cls, Model, definitions, name, symbol):
        definition = definitions[name]
        ftype = definition['type']
        if ftype in SKIPPED_TYPES:
            return None
        xtype = FIELD_TYPES.get(ftype, 'text')
        read = [name]
        if ftype in {'many2one', 'reference'}:
            read = [name + '.rec_name']
        elif ftype in {'selection', 'multiselection'}:
            read = [name + ':string']
        unit = symbol
        if not unit and xtype == 'number':
            unit = next((u for u in (['currency'] if ftype == 'numeric'
                        else ['unit']) if u in definitions), None)
        unit_read = None
        if unit in Model._fields:
            relation = getattr(Model._fields[unit], 'model_name', None)
            unit_read = unit + '.' + UNIT_LABELS.get(relation, 'rec_name')
        else:
            unit = None
        digits = definition.get('digits')
        num_format = None
        if xtype == 'number':
            if (isinstance(digits, (list, tuple))
                    and isinstance(digits[1], int)):
                num_format = '#,##0' + ('.' + '0' * digits[1]
                    if digits[1] else '')
            else:
                num_format = 'General'
        return {'name': name, 'string': definition['string'],
            'type': xtype, 'unit': unit, 'unit_read': unit_read,
            'read': read,
            'num_format': num_format, 'ftype': ftype}

    @classmethod
    def read_rows(cls, model, columns, progress=None):
        """Return the rows of ``model`` (str) under the current context as
        dicts of read values, in the model's order, reading as the user.
        ``progress`` is called with the number of rows read after each
        chunk of progress_every() rows."""
        Model = Pool().get(model)
        names = {r for c in columns for r in c['read']}
        names.update(c['unit_read'] for c in columns if c['unit_read'])
        rows = []
        with Transaction().set_context(_check_access=True):
            records = Model.search([])
            for sub in grouped_slice(records, progress_every()):
                rows.extend(Model.read([r.id for r in sub], list(names)))
                if progress:
                    progress(len(rows))
        return rows

    @classmethod
    def sheet(cls, model, columns, rows):
        """Return (xlsx.Column list, rows as value lists) for ``columns``
        and ``rows`` (see read_rows).  A unit shared by every row goes in
        the header; mixed units get a column of their own."""
        specs, getters = [], []
        for column in columns:
            unit_label, mixed = None, False
            if column['unit']:
                labels = {cls._label(r, column['unit_read'])
                    for r in rows}
                labels.discard(None)
                if len(labels) == 1:
                    unit_label, = labels
                elif len(labels) > 1:
                    mixed = True
            if column['type'] == 'datetime':
                unit_label = 'UTC'
            specs.append(xlsx.Column(column['string'], column['type'],
                    unit=unit_label, num_format=column['num_format']))
            getters.append(cls._getter(column))
            if mixed:
                specs.append(xlsx.Column(gettext(
                            'zt_inventory.msg_cockpit_export_unit_column',
                            column=column['string'])))
                getters.append(cls._unit_getter(column['unit_read']))
        return specs, [[g(r) for g in getters] for r in rows]

    @classmethod
    def _label(cls, row, unit_read):
        "Return the unit label of ``row`` read as ``unit_read``."
        unit, attr = unit_read.split('.', 1)
        return (row.get(unit + '.') or {}).get(attr)

    @classmethod
    def _unit_getter(cls, unit_read):
        return lambda row: cls._label(row, unit_read)

    @staticmethod
    def _getter(column):
        name, ftype = column['name'], column['ftype']
        if ftype in {'many2one', 'reference'}:
            return lambda row: (row.get(name + '.') or {}).get('rec_name')
        if ftype in {'selection', 'multiselection'}:
            return lambda row: row.get(name + ':string')
        if ftype == 'boolean':
            return lambda row: bool(row.get(name))
        return lambda row: row.get(name)

    def build(self, progress=None):
        """Return the workbook bytes of this export, reading the report
        as the current user with the recorded filters.  Raises what the
        report raises (AccessError, UserError) and ValueError on a value
        that does not fit its column."""
        pool = Pool()
        filters = loads(self.filters)
        with Transaction().set_context(filters):
            columns = self.columns(self.report_model)
            rows = self.read_rows(self.report_model, columns, progress)
            specs, values = self.sheet(self.report_model, columns, rows)
            lines = self.filter_lines(self.report_model, filters)
        title = pool.get('ir.model').get_name(self.report_model)
        return xlsx.workbook(specs, values, filters=lines, title=title)

    @property
    def export_file_name(self):
        return '%s-%s.xlsx' % (self.report_model.replace('.', '_'), self.id)

    @classmethod
    def export_now(cls, exports):
        """Write the file of ``exports`` in the current transaction: state
        done and progress 100, or the error raised."""
        for export in exports:
            data = export.build()
            cls.write([export], {
                    'file': data, 'file_name': export.export_file_name,
                    'state': 'done', 'progress': 100,
                    'rows_done': export.rows_total,
                    })

    @classmethod
    def process(cls, exports):
        """Queue task: write the file of each of ``exports``.

        Progress (percentage of rows read), the file and the final state
        are written in transactions of their own, committed at once, so
        that the user sees them while the task runs.  A failing export is
        marked failed with the error text and no file; the error is
        raised again (logged by the worker).  Database errors that the
        worker retries are raised without marking."""
        for export in exports:
            cls._store(export.id, {'state': 'running', 'progress': 0,
                    'rows_done': 0, 'error': None})
            total = export.rows_total or 0

            def progress(done, export_id=export.id, total=total):
                cls._store(export_id, {'rows_done': done,
                        'progress': round(
                            min(done / total, 1) * 99 if total else 0, 2)})
            try:
                data = export.build(progress)
            except backend.DatabaseOperationalError:
                raise
            except Exception as exception:
                message = getattr(exception, 'message', None) or str(
                    exception) or exception.__class__.__name__
                cls._store(export.id, {'state': 'failed', 'error': message,
                        'file': None})
                raise
            cls._store(export.id, {'state': 'done', 'progress': 100,
                    'rows_done': total, 'file': data,
                    'file_name': export.export_file_name})

    @classmethod
    def _store(cls, export_id, values):
        "Write ``values`` on the export in a new transaction, committed."
        with Transaction().new_transaction() as transaction, \
                without_check_access():
            Export = Pool().get(cls.__name__)
            Export.write([Export(export_id)], values)
            transaction.commit()


class Rule(metaclass=PoolMeta):
    "Record rules: the user's id for the rule on their own exports."
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name == 'zt.cockpit.export':
            context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if 'zt.cockpit.export' in model_names:
            key = (*key, Transaction().user)
        return key
