# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The wizard *Export to Excel* of the cockpit reports: it records a
zt.cockpit.export and writes it at once or queues it (cockpit_export.py)."""
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .cockpit_export import STATES, direct_limit, dumps


class CockpitExportStart(ModelView):
    "Cockpit Export"
    __name__ = 'zt.cockpit.export.start'
    __string__ = "Export to Excel"

    report_model = fields.Char("Report Model", readonly=True)
    filters = fields.Text("Filters", readonly=True)
    rows_total = fields.Integer("Rows", readonly=True)
    direct_limit = fields.Integer("Rows Exported at Once", readonly=True,
        help="Larger exports run in the background: follow them in "
        "\"Cockpit Exports\".")
    export = fields.Many2One('zt.cockpit.export', "Export", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True)
    file = fields.Binary("File", filename='file_name', readonly=True)
    file_name = fields.Char("File Name", readonly=True)


class CockpitExportRun(Wizard):
    """Export the report of the current list to Excel, with the filters
    of the user's context: at once up to direct_limit() rows, else in the
    queue (see zt.cockpit.export)."""
    __name__ = 'zt.cockpit.export.run'

    start = StateView('zt.cockpit.export.start',
        'zt_inventory.cockpit_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateTransition()
    result = StateView('zt.cockpit.export.start',
        'zt_inventory.cockpit_export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def _report(self):
        "Return the name of the report model to export, checked."
        model = Transaction().context.get('active_model')
        Pool().get('zt.cockpit.export').check_exportable(model)
        return model

    def default_start(self, fields):
        pool = Pool()
        Export = pool.get('zt.cockpit.export')
        model = self._report()
        filters = Export.context_filters(model, Transaction().context)
        with Transaction().set_context(_check_access=True):
            total = pool.get(model).search_count([])
        return {'report_model': model, 'filters': dumps(filters),
            'rows_total': total, 'direct_limit': direct_limit()}

    def transition_export(self):
        pool = Pool()
        Export = pool.get('zt.cockpit.export')
        model = self._report()
        context = Transaction().context
        filters = Export.context_filters(model, context)
        with Transaction().set_context(_check_access=True):
            total = pool.get(model).search_count([])
        with without_check_access():
            export, = Export.create([{'report_model': model,
                        'filters': dumps(filters), 'rows_total': total}])
            if total <= direct_limit():
                Export.export_now([export])
            else:
                with Transaction().set_context(queue_name='zt_export'):
                    Export.__queue__.process([export])
        self.result.export = export
        return 'result'

    def default_result(self, fields):
        export = self.result.export
        with without_check_access():
            return {'export': export.id, 'state': export.state,
                'report_model': export.report_model,
                'filters': export.filters, 'rows_total': export.rows_total,
                'file': export.file, 'file_name': export.file_name}
