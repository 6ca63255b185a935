# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Real local receivers for the delivery tests: an HTTP webhook receiver
that deduplicates by idempotency key, and a minimal SMTP server."""
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

__all__ = ['WebhookReceiver', 'SMTPReceiver']


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every POST (path, query,
    headers in lower case, JSON body) and answers from ``script``: a list
    of (status, JSON answer) used in order, the last one repeated."""

    def __init__(self, script=None):
        self.script = list(script or [(200, {'errcode': 0,
                        'errmsg': 'ok'})])
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = json.loads(self.rfile.read(length) or b'null')
                parts = urlsplit(self.path)
                receiver.requests.append({
                        'path': parts.path,
                        'query': parse_qs(parts.query),
                        'headers': {k.lower(): v
                            for k, v in self.headers.items()},
                        'body': body,
                        })
                index = min(len(receiver.requests),
                    len(receiver.script)) - 1
                status, answer = receiver.script[index]
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return 'http://127.0.0.1:%s' % self.server.server_address[1]

    @property
    def delivered(self):
        """The messages the receiver keeps: one per idempotency key, as a
        well-behaved receiver deduplicates."""
        kept = {}
        for request in self.requests:
            key = request['headers'].get('idempotency-key')
            kept.setdefault(key, request)
        return list(kept.values())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *args):
        self.server.shutdown()
        self.server.server_close()


class SMTPReceiver:
    "A minimal SMTP server on 127.0.0.1 that records each message."

    def __init__(self):
        self.messages = []
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b'\r\n')

            def handle(self):
                self.reply('220 localhost ESMTP test')
                sender, recipients, data = None, [], None
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode().strip()
                    verb = command.split(' ', 1)[0].upper()
                    if verb in {'EHLO', 'HELO'}:
                        self.reply('250 localhost')
                    elif verb == 'MAIL':
                        sender = command.split(':', 1)[1].strip()
                        self.reply('250 OK')
                    elif verb == 'RCPT':
                        recipients.append(command.split(':', 1)[1].strip())
                        self.reply('250 OK')
                    elif verb == 'DATA':
                        self.reply('354 end with .')
                        lines = []
                        while True:
                            part = self.rfile.readline()
                            if part in {b'.\r\n', b'.\n', b''}:
                                break
                            lines.append(part)
                        data = b''.join(lines)
                        receiver.messages.append(
                            (sender, list(recipients), data))
                        recipients = []
                        self.reply('250 OK')
                    elif verb == 'QUIT':
                        self.reply('221 bye')
                        return
                    else:
                        self.reply('250 OK')

        self.server = socketserver.ThreadingTCPServer(
            ('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True)

    @property
    def uri(self):
        return 'smtp://127.0.0.1:%s' % self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *args):
        self.server.shutdown()
        self.server.server_close()
