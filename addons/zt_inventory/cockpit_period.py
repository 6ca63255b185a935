# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Closed stock periods the cockpit can trust.

The cockpit's reports start from the latest closed period's cache
(cockpit.closed_period).  Tryton 8.0 computes that cache with
``products_by_location``, whose company is the closing user's current
company (the context's), not the period's: closed by a script as root
without a company, or from another company, the cache mixes companies
(found by a break test on two companies sharing a storage location).
Here each period is closed in its own company's context, and a user
whose current company cannot be the period's is refused."""
from itertools import groupby

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Period(metaclass=PoolMeta):
    __name__ = 'stock.period'

    @classmethod
    def close(cls, periods):
        """Close ``periods`` company by company, each in the context of its
        company, so that the cache holds the quantities of that company's
        moves only.  Raises UserError when the user may not work in the
        period's company (it is not among the user's companies)."""
        User = Pool().get('res.user')
        transaction = Transaction()
        periods = sorted(periods, key=lambda p: p.company.id)
        for company, c_periods in groupby(periods, key=lambda p: p.company):
            c_periods = list(c_periods)
            with transaction.set_context(company=company.id):
                user = transaction.user
                if user and User(user).company != company:
                    raise UserError(gettext(
                            'zt_inventory.msg_period_close_company',
                            periods=', '.join(p.rec_name for p in c_periods),
                            company=company.rec_name))
                super().close(c_periods)
