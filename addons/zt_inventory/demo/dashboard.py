# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo managers' cockpit: the Manager Cockpit board opens at their
login, and their dashboard (module dashboard) shows the cockpit charts."""

from . import materials as M

# Roles (of materials.USERS) whose users get the Manager Cockpit.
MANAGER_ROLES = {'department_manager', 'finance_director',
    'production_manager'}
# The actions of their dashboard (dashboard.action), in order.
DASHBOARD_ACTIONS = ['act_cockpit_board_turnover_graph',
    'act_cockpit_board_age_graph', 'act_cockpit_board_safety',
    'act_cockpit_board_flow_graph']


def manager_logins():
    "Return the logins (list of str) of the demo users of MANAGER_ROLES."
    return [login for login, _, role, *_ in M.USERS
        if role and MANAGER_ROLES & set(role.split('+'))]


def setup(config):
    """Give every demo manager the Manager Cockpit at login
    (res.user actions) and the cockpit charts on their dashboard; return
    their logins (list of str)."""
    from proteus import Model
    User = Model.get('res.user')
    Action = Model.get('ir.action')
    ActWindow = Model.get('ir.action.act_window')
    ModelData = Model.get('ir.model.data')

    def act_window(fs_id):
        return ActWindow(
            ModelData.get_id('zt_inventory', fs_id, config.context))
    # res.user actions are ir.action records
    board_id = act_window('act_dashboard_manager').action.id
    logins = manager_logins()
    for user in User.find([('login', 'in', logins)]):
        user.actions.append(Action(board_id))
        user.dashboard_layout = 'square'
        for fs_id in DASHBOARD_ACTIONS:
            user.dashboard_actions.new(act_window=act_window(fs_id))
        user.save()
    return logins
