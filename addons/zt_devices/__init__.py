# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import sys

# The PDA page's route registers itself with trytond's WSGI application,
# which a server imports before it loads the modules.  The plain modules
# (parser, bridge) are also imported where no server runs: there the web
# application is not loaded for nothing.
if 'trytond.wsgi' in sys.modules:
    from . import routes  # noqa: F401
