# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .exceptions import ActorError
from trytond.i18n import gettext


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'
    badge_code = fields.Char(
        "Badge Code", strip=True,
        help="The code printed on the employee's badge, scanned to prove "
        "who receives issued material.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('badge_code_unique', Unique(t, t.company, t.badge_code),
                'zt_inventory.msg_employee_badge_code_unique'),
            ]


def get_actor(company):
    """Return ``(user, employee)`` acting for ``company`` (records).

    The employee is the current user's employee and must belong to
    ``company``.  Raises :class:`ActorError` otherwise, also for root, which
    has no employee: every step of an issue request is traced to a person.
    """
    pool = Pool()
    User = pool.get('res.user')
    user = User(Transaction().user)
    employee = user.employee
    if not employee or employee.company != company:
        raise ActorError(gettext(
                'zt_inventory.msg_actor_no_employee',
                user=user.rec_name, company=company.rec_name))
    return user, employee


def in_group(xml_id):
    """Tell whether the current user is in group ``xml_id`` (str,
    ``'module.id'``)."""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    module, fs_id = xml_id.split('.')
    return ModelData.get_id(module, fs_id) in User.get_groups()
