# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo scenario, played over XML-RPC with one proteus configuration per
user, so that the server checks access exactly as in production."""
import base64
import xmlrpc.client
from urllib.parse import quote

from . import materials as M

PASSWORDS = {u[0]: u[6] for u in M.USERS}
BADGES = {u[0]: u[4] for u in M.USERS}


class ScenarioError(Exception):
    "A step ended otherwise than the scenario expects."


class Session:
    "The proteus XML-RPC configurations of the users, by login."

    def __init__(self, settings, database):
        self.settings = settings
        self.database = database
        self.configs = {}

    def __getitem__(self, login):
        if login not in self.configs:
            self.configs[login] = self.connect(login)
        return self.configs[login]

    def connect(self, login):
        """Log ``login`` in over XML-RPC (common.db.login) and return a
        proteus config that sends the session, so that the password is
        hashed once per user and not at every call."""
        from proteus import config as pconfig
        url = 'http://%s:%s/%s/rpc/' % (
            self.settings.host, self.settings.port, quote(self.database))
        try:
            proxy = xmlrpc.client.ServerProxy(url, allow_none=True)
            user_id, token = proxy.common.db.login(
                login, {'password': PASSWORDS[login]}, 'en')[:2]
            session = base64.b64encode(('%s:%s:%s' % (
                        login, user_id, token)).encode()).decode()
            return pconfig.set_xmlrpc(url,
                headers=[('Authorization', 'Session ' + session)])
        except (xmlrpc.client.Error, OSError) as error:
            raise ScenarioError("login of %s failed: %s"
                % (login, error_text(error)))

    def model(self, login, name):
        "Return the proteus model ``name`` as seen by ``login``."
        from proteus import Model
        return Model.get(name, config=self[login])


def error_text(error):
    "The server's message of an XML-RPC fault (str), on one line."
    if isinstance(error, xmlrpc.client.Fault):
        text = error.faultString
        if isinstance(text, (list, tuple)):
            text = text[0]
        return ' '.join(str(text).split()).rstrip(' -')
    return ' '.join(str(error).split())


def say(label, who, text):
    "Print one step line: label, user, what happened."
    print("  %-4s %-10s %s" % (label, who, text), flush=True)


def expect_ok(label, who, what, func):
    "Run ``func``; raise :class:`ScenarioError` when the server refuses."
    try:
        return func()
    except xmlrpc.client.Fault as fault:
        say(label, who, "%s -> FAILED: %s" % (what, error_text(fault)))
        raise ScenarioError("step %s (%s: %s) failed: %s"
            % (label, who, what, error_text(fault)))


def expect_refused(label, who, what, func, contains=None):
    """Run ``func``, which the server must refuse (with ``contains`` in the
    message if given); print the server's message."""
    try:
        func()
    except xmlrpc.client.Fault as fault:
        message = error_text(fault)
        if contains and contains not in message:
            raise ScenarioError("step %s (%s: %s) was refused for another "
                "reason: %s" % (label, who, what, message))
        say(label, who, "%s -> REFUSED as expected: %s" % (what, message))
        return message
    say(label, who, "%s -> ACCEPTED, but must be refused" % what)
    raise ScenarioError("step %s (%s: %s) was accepted but must be refused"
        % (label, who, what))


def create_request(session, login, production_id, lines, info):
    """Create a request of ``login`` for the production with ``lines``
    (list of (product code, quantity)) and submit it; return its id."""
    Request = session.model(login, 'zt.issue.request')
    Production = session.model(login, 'production')
    Product = session.model(login, 'product.product')
    request = Request()
    request.production = Production(production_id)
    for code, quantity in lines:
        line = request.lines.new()
        line.product = Product(info['products'][code])
        line.quantity = quantity
    request.save()
    request.click('wait')
    return request.id


def request_step(session, label, login, production_id, lines, info):
    "Create and submit a request as a checked step; return its record."
    what = "create and submit a request for production %s" % production_id
    request_id = expect_ok(label, login, what, lambda: create_request(
            session, login, production_id, lines, info))
    request = session.model(login, 'zt.issue.request')(request_id)
    say(label, login, "%s: production %s %s (%s) worth %s, "
        "approvals needed: %s -> %s" % (
            request.number, request.production.rec_name,
            request.production.product.code,
            ', '.join('%s x %g' % (line.product.code, line.quantity)
                for line in request.lines),
            money(request.value), ', '.join(request.approval_levels),
            request.state))
    return request


def money(value):
    "Format a CNY amount."
    return '¥{:,.2f}'.format(value)


def decide(session, login, request_id, comment, button='approve'):
    "Run the decide wizard of ``login`` on a request; return its new state."
    from proteus import Wizard
    request = session.model(login, 'zt.issue.request')(request_id)
    wizard = Wizard('zt.issue.request.decide', [request],
        config=session[login])
    wizard.form.comment = comment
    wizard.execute(button)
    return session.model(login, 'zt.issue.request')(request_id).state


def approve_step(session, label, login, request, comment, expected):
    "Approve ``request`` as ``login``; check the new state is ``expected``."
    state = expect_ok(label, login, "approve %s" % request.number,
        lambda: decide(session, login, request.id, comment))
    say(label, login, "approves %s (\"%s\") -> %s" % (
            request.number, comment, state))
    if state != expected:
        raise ScenarioError("%s is %s after %s's approval, expected %s"
            % (request.number, state, login, expected))


def scans(request, info, badge):
    """What the keeper scans for ``request``: each line's GTIN once per unit
    up to 3 units, else keyed as ``N*GTIN``, then ``badge``."""
    lines = []
    for line in request.lines:
        code = info['gtins'][line.product.code]
        quantity = int(line.quantity)
        if quantity <= 3:
            lines.extend([code] * quantity)
        else:
            lines.append('%d*%s' % (quantity, code))
    lines.append(badge)
    return '\n'.join(lines)


def issue(session, login, request_id, text):
    "Run the issue wizard of ``login`` with the scans ``text``."
    from proteus import Wizard
    request = session.model(login, 'zt.issue.request')(request_id)
    wizard = Wizard('zt.issue.request.issue', [request],
        config=session[login])
    wizard.form.scans = text
    wizard.execute('issue')
    return session.model(login, 'zt.issue.request')(request_id).state


def play(settings, database, info):
    "Play the whole scenario; raise :class:`ScenarioError` on a deviation."
    from .report import report_issue
    session = Session(settings, database)
    prod1, prod2 = info['productions']
    print("  a. request within the manager's authority", flush=True)
    a = request_step(session, 'a1', 'staff', prod1,
        [('RM-1003', 8), ('RM-1004', 40), ('RM-1002', 3)], info)
    approve_step(session, 'a2', 'manager', a, "按BOM领料，同意 / per BOM, OK",
        'approved')
    print("  b. request over ¥5,000 with class-A material", flush=True)
    b = request_step(session, 'b1', 'staff', prod2,
        [('RM-2001', 2), ('RM-2004', 4)], info)
    approve_step(session, 'b2', 'manager', b, "servo motors for SD-750",
        'waiting')
    approve_step(session, 'b3', 'cfo', b, "class A, amount checked",
        'approved')
    print("  c. self-approval", flush=True)
    c = request_step(session, 'c1', 'lead', prod2, [('RM-2005', 2)], info)
    expect_refused('c2', 'lead', "approve own request %s (lead holds the "
        "department manager role too)" % c.number,
        lambda: decide(session, 'lead', c.id, "self-approval"),
        contains="Segregation of duties")
    expect_refused('c3', 'staff', "approve request %s (not an approver)"
        % c.number, lambda: decide(session, 'staff', c.id, "not mine"))

    def force_state():
        Request = session.model('staff', 'zt.issue.request')
        Request._proxy.write(
            [c.id], {'state': 'approved'}, Request._config.context)
    expect_refused('c4', 'staff', "write state 'approved' on %s over "
        "XML-RPC, bypassing the workflow" % c.number, force_state)
    print("  d. wrong badge at the counter", flush=True)
    d = request_step(session, 'd1', 'staff2', prod1,
        [('RM-1004', 20), ('RM-1008', 3)], info)
    approve_step(session, 'd2', 'manager', d, "OK", 'approved')
    text = scans(d, info, BADGES['staff'])
    expect_refused('d3', 'keeper', "issue %s scanning %s"
        % (d.number, text.replace('\n', ' | ')),
        lambda: issue(session, 'keeper', d.id, text))
    print("  e. issue with correct scans", flush=True)
    for label, request in [('e1', a), ('e2', b)]:
        text = scans(request, info, BADGES['staff'])
        state = expect_ok(label, 'keeper', "issue %s" % request.number,
            lambda: issue(session, 'keeper', request.id, text))
        say(label, 'keeper', "issues %s scanning %s -> %s" % (
                request.number, text.replace('\n', ' | '), state))
        if state != 'done':
            raise ScenarioError("%s is %s after the issue, expected done"
                % (request.number, state))
        report_issue(session, label, request.id)
