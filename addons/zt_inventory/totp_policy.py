# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Which groups a company requires to sign in with a one-time password
(totp.py), every change of it recorded in the ledger."""
from trytond.model import ModelSQL, Unique, fields
from trytond.pool import Pool, PoolMeta


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'
    totp_required_groups = fields.Many2Many(
        'zt.company.totp.group', 'company', 'group',
        "One-Time Password Required For",
        help="The members of these groups must sign in with a one-time "
        "password when the server's [session] authentications has "
        "password+totp.")


class CompanyTOTPGroup(ModelSQL):
    "Company Group Requiring One-Time Passwords"
    __name__ = 'zt.company.totp.group'
    __string__ = "Company Group Requiring One-Time Passwords"
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('company_group_unique', Unique(t, t.company, t.group),
                'zt_inventory.msg_company_totp_group_unique'),
            ]

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        """Record every change of the policy in the ledger: a group added,
        changed or removed ('zt.company.totp.group.<mode>')."""
        super().on_modification(mode, records, field_names=field_names)
        Entry = Pool().get('zt.ledger.entry')
        Entry.append([{
                    'company': r.company,
                    'warehouse': None,
                    'event': '%s.%s' % (cls.__name__, mode),
                    'record': r,
                    'payload': {
                        'company': r.company.rec_name,
                        'group': r.group.rec_name,
                        'group_id': r.group.id,
                        },
                    } for r in records])
