# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The PDA scan page, served by trytond itself.

A plain page (no build step, no framework) for the keeper's issue step on
a phone: it signs in and calls the same RPC methods as any client
(zt.device.scan.submit_unsigned, zt.issue.request.issue_from_scans), so
every decision stays on the server.  Static files only: no data is put
into the page by the server."""
import os

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from trytond.wsgi import app

STATIC = os.path.join(os.path.dirname(__file__), 'static')
FILES = {
    'pda': ('pda.html', 'text/html; charset=utf-8'),
    'pda.js': ('pda.js', 'text/javascript; charset=utf-8'),
    'pda.css': ('pda.css', 'text/css; charset=utf-8'),
    }
HEADERS = {
    # the page talks only to the server it came from
    'Content-Security-Policy': (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
    }


@app.route('/<database_name>/zt_devices/<name>', methods={'GET'})
def pda(request, database_name, name):
    "Serve the PDA page's file ``name`` (one of FILES)."
    if name not in FILES:
        raise NotFound()
    filename, content_type = FILES[name]
    with open(os.path.join(STATIC, filename), 'rb') as file:
        return Response(file.read(), content_type=content_type,
            headers=HEADERS)
