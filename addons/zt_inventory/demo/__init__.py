# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""``ztinv demo``: build the demo database, play the scenario, serve."""
import os
import sys
import time

from . import anchors, server
from .server import DemoError

__all__ = ['run']

# The servo motor of step b: received in lots, issued to a production.
TRACED_PRODUCT = 'RM-2001'


def step(text):
    "Print a progress line and flush it at once."
    print(text, flush=True)


def run(config_file, database, serve=True):
    """Build the demo database ``database`` with ``config_file``, play the
    scenario over XML-RPC and serve until interrupted (unless not
    ``serve``).  Return the exit code (int)."""
    from .scenario import ScenarioError
    started = time.monotonic()
    config_file = os.path.abspath(config_file)
    process = None
    try:
        settings = server.read_settings(config_file)
        if server.port_open(settings.host, settings.port):
            # Checked before the database is dropped: a demo may be
            # serving it.
            raise DemoError("port %s:%s is already in use (is a demo "
                "running? stop it, or copy %s, change [web] listen and run "
                "./scripts/demo -c YOUR.conf)"
                % (settings.host, settings.port, config_file))
        step("[1/5] creating database %s" % server.create_database(
                settings, database))
        anchors.prepare()
        step("[2/5] activating %s and their dependencies, "
            "loading zh_CN (trytond-admin, about a minute)"
            % ', '.join(server.MODULES))
        server.activate_modules(config_file, database)
        step("[3/5] loading demo data")
        from . import data
        info = data.load(config_file, database)
        from . import history
        step("  %d days of history: %d receipts, productions issued "
            "through requests, transfers and counts, back-dated (%.0f s)"
            % history.summary(config_file, database))
        log_file = os.path.join(
            os.path.dirname(config_file), 'trytond-%s.log' % database)
        step("[4/5] starting trytond -c %s -d %s (log: %s)"
            % (config_file, database, log_file))
        process = server.start_server(
            config_file, database, settings, log_file)
        url = 'http://%s:%s/' % (settings.host, settings.port)
        step("[5/5] playing the scenario over XML-RPC on %s" % url)
        from . import scenario
        session = scenario.play(settings, database, info)
        scenario.play_rules(session, config_file, database)
        step("")
        anchor_file = anchors.anchor(config_file, database)
        step("Ledger: ztinv verify -c %s -d %s%s" % (config_file, database,
                ' --anchors %s' % anchor_file if anchor_file else ''))
        if verify(config_file, database, anchor_file):
            raise DemoError("the ledger of the demo does not verify")
        step("")
        step("Chain of custody: ztinv trace -c %s -d %s --product %s"
            % (config_file, database, TRACED_PRODUCT))
        if trace(config_file, database, TRACED_PRODUCT):
            raise DemoError("the trace of %s shows a broken entry"
                % TRACED_PRODUCT)
        print_logins(url, database)
        step("demo ready in %.0f s" % (time.monotonic() - started))
        if not serve:
            return 0
        step("serving %s#%s - press Ctrl-C to stop" % (url, database))
        code = server.serve_forever(process)
        process = None
        return code
    except (DemoError, ScenarioError) as exception:
        sys.stderr.write("ztinv demo: error: %s\n" % exception)
        return 1
    finally:
        server.stop_server(process)


def trace(config_file, database, product):
    "Print the result of ``ztinv trace``; return its exit code."
    from ..ledger_trace import main
    return main(config_file, database, product)


def verify(config_file, database, anchor_file=None):
    "Print the result of ``ztinv verify``; return its exit code."
    from ..ledger_verify import main
    return main(config_file, database, anchor_file=anchor_file)


def print_logins(url, database):
    "Print the demo logins and passwords of every role."
    from .materials import USERS
    step("")
    step("Demo logins (database %s, %s#%s):" % (database, url, database))
    width = max(len(user[2] or '') for user in USERS)
    for login, name, role, _, badge, _, password in USERS:
        step("  %-11s %-22s %-*s %s  %s" % (login, password, width,
                role or 'administrator', badge, name))
