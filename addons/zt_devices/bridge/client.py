# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A small JSON-RPC client of trytond (urllib only).

Tryton's JSON-RPC: POST ``{url}{database}/rpc/`` with ``{"id", "method",
"params"}``; ``common.db.login(login, {"password": pw}, language)`` answers
``[user_id, session, ...]`` and later calls send ``Authorization: Session
base64(login:user_id:session)``.  An expired session answers HTTP 401 (or
403): the client logs in again once and repeats the call.

Errors: :class:`Unavailable` (nothing answered: connection refused,
timeout, HTTP 5xx or 429: retry later), :class:`LoginRefused` (wrong
login or password), :class:`RpcError` (the server answered with an
error).  The password is never part of an error message.
"""
import base64
import http.client
import itertools
import json
import urllib.error
import urllib.request

SUBMIT = 'model.zt.device.scan.submit_signed'
ENROL = 'model.zt.device.enrol'


class Unavailable(Exception):
    "The server did not answer (connection, timeout, 5xx, 429): retry."


class LoginRefused(Exception):
    "The server refused the bridge's login or password."


class RpcError(Exception):
    """The server answered the call with an error; ``error`` is Tryton's
    error list (e.g. ['UserError', [message, description, ...]])."""

    def __init__(self, method, error):
        super().__init__("%s: %s" % (method, _error_text(error)))
        self.error = error


class RpcClient:
    """JSON-RPC client of database ``database`` at ``url`` (str ending with
    '/') as ``user`` with ``password`` (str; kept in memory only);
    ``timeout`` in seconds per HTTP request."""

    def __init__(self, url, database, user, password, timeout=10):
        self.endpoint = '%s%s/rpc/' % (url, database)
        self.user = user
        self._password = password
        self.timeout = timeout
        self._authorization = None
        self._ids = itertools.count(1)

    def __repr__(self):
        return '<RpcClient %s as %s>' % (self.endpoint, self.user)

    def login(self):
        """Open a session (``common.db.login``).  Raises LoginRefused,
        Unavailable or RpcError."""
        try:
            result = self._post('common.db.login',
                [self.user, {'password': self._password}, 'en'])
        except _HttpStatus as error:
            if error.status in {401, 403}:
                raise LoginRefused("the server refused the login of %r"
                    % self.user)
            raise RpcError('common.db.login', ['HTTP', [error.status]])
        if not isinstance(result, list) or len(result) < 2:
            raise LoginRefused("the server refused the login of %r"
                % self.user)
        token = '%s:%s:%s' % (self.user, result[0], result[1])
        self._authorization = 'Session ' + base64.b64encode(
            token.encode('utf-8')).decode('ascii')

    def call(self, method, *params):
        """Call ``method`` (e.g. 'model.zt.device.enrol') with ``params``
        and an empty context; log in first or again when the session
        expired.  Return the result."""
        for retry in [False, True]:
            if self._authorization is None:
                self.login()
            try:
                return self._post(method, [*params, {}])
            except _HttpStatus as error:
                if retry or error.status not in {401, 403}:
                    raise RpcError(method, ['HTTP', [error.status]])
                self._authorization = None

    def submit(self, events):
        """Post the signed ``events`` (list of dicts); return the server's
        answers (list of dicts {'device', 'counter', 'outcome', 'reason',
        'message', 'scan'}, one per event, same order).  Raises
        RpcError when the answer does not fit the events."""
        answers = self.call(SUBMIT, events)
        if not isinstance(answers, list) or len(answers) != len(events):
            raise RpcError(SUBMIT, ['BadAnswer', [
                        "%s answers for %d events" % (
                            len(answers) if isinstance(answers, list)
                            else type(answers).__name__, len(events))]])
        return answers

    def enrol(self, code, public_b64):
        """Enrol the public key ``public_b64`` with the enrolment ``code``;
        return the device code (str)."""
        return self.call(ENROL, code, public_b64)

    def _post(self, method, params):
        body = json.dumps({'id': next(self._ids), 'method': method,
                'params': params}).encode('utf-8')
        headers = {'Content-Type': 'application/json'}
        if self._authorization and method != 'common.db.login':
            headers['Authorization'] = self._authorization
        request = urllib.request.Request(self.endpoint, data=body,
            headers=headers, method='POST')
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as r:
                answer = json.loads(r.read())
        except urllib.error.HTTPError as error:
            error.close()
            if error.code >= 500 or error.code == 429:
                raise Unavailable("%s: HTTP %s" % (method, error.code))
            raise _HttpStatus(error.code)
        except (urllib.error.URLError, http.client.HTTPException,
                OSError, ValueError) as error:
            # URLError wraps refused connections; OSError covers timeouts
            # while reading; ValueError a cut JSON body.
            reason = getattr(error, 'reason', None) or error
            raise Unavailable("%s: %s" % (method, reason))
        if answer.get('error') is not None:
            raise RpcError(method, answer['error'])
        return answer.get('result')


class _HttpStatus(Exception):
    def __init__(self, status):
        super().__init__(status)
        self.status = status


def _error_text(error):
    "A short line of Tryton's error list ``error``."
    if isinstance(error, list) and error:
        kind, args = error[0], error[1:]
        if args and isinstance(args[0], list) and args[0]:
            return '%s: %s' % (kind, args[0][0])
        return str(kind)[:500]
    return str(error)[:500]
