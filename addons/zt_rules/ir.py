# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        "Add ``user_id``: alerts are shown to the users an action names."
        context = super()._get_context(model_name)
        context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        return super()._get_cache_key(model_names) + (Transaction().user,)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('zt.rule|run_hourly', "Run Hourly Inventory Rules"),
                ('zt.rule|run_daily', "Run Daily Inventory Rules"),
                ('zt.rule.event|process_pending',
                    "Process Pending Inventory Rule Events"),
                ('zt.notification|deliver_due',
                    "Deliver Due Notifications"),
                ('product.template|compute_abc_classes_cron',
                    "Compute ABC Classes"),
                ])
