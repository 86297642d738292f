#!/usr/bin/env python3
"""A small HTTP(S) server for stepfn's HTTP invoker tests, on 127.0.0.1 only.

Prints "PORT <n>" on stdout once it listens on a free port, and exits when its standard input
closes (the test that started it ended) or after --lifetime seconds, whichever comes first.

Routes (any method):
  /echo                 200 JSON: method, path, query, headers (lower-case names), body, json, peer_port
  /json                 200, the request body sent back as application/json
  /status/<code>[/text] that status; a JSON body {"message": ...} (or text/plain with /text)
  /error-object[/<code>] {"error": "Custom.Error", "cause": "from the server"} with 200 (or <code>)
  /text                 200 text/plain "hello"
  /big?bytes=N          200 JSON string of about N bytes
  /close                closes the connection without answering
  /hang                 never answers (until the client goes away or the server stops)
  /slow-body            200 JSON sent in five pieces 0.1 s apart
  /redirect             302 to /echo (relative Location); /redirect-other?port=N to 127.0.0.1:N/echo
  /oauth/token          OAuth client credentials: needs Basic client:secret and grant_type=client_credentials
  /oauth/count          how many tokens /oauth/token handed out
  /bearer               200 when "Authorization: Bearer tok-..." is present, else 401
"""
import argparse
import base64
import http.server
import json
import select
import socket
import ssl
import sys
import threading
import time
import urllib.parse

STOP = threading.Event()
TOKENS = {"count": 0}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the test's output stays readable
        pass

    def _send(self, code, body, content_type="application/json", extra=None):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        body = self._body()
        if path == "/echo":
            text = body.decode("utf-8", "replace")
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = None
            self._send(200, json.dumps({
                "method": self.command, "path": path, "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": text, "json": parsed, "peer_port": self.client_address[1]}))
        elif path == "/json":
            self._send(200, body or b"null")
        elif path.startswith("/status/"):
            parts = path.split("/")
            code = int(parts[2])
            if len(parts) > 3 and parts[3] == "text":
                self._send(code, "plain failure %d" % code, "text/plain")
            else:
                self._send(code, json.dumps({"message": "status %d" % code}))
        elif path.startswith("/error-object"):
            parts = path.split("/")
            code = int(parts[2]) if len(parts) > 2 else 200
            self._send(code, json.dumps({"error": "Custom.Error", "cause": "from the server"}))
        elif path == "/text":
            self._send(200, "hello", "text/plain; charset=utf-8")
        elif path == "/big":
            n = int(urllib.parse.parse_qs(url.query).get("bytes", ["1000"])[0])
            self._send(200, json.dumps("x" * n))
        elif path == "/close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif path == "/hang":
            # Holds the connection without answering; ends when the client closes it.
            deadline = time.time() + 120
            while not STOP.is_set() and time.time() < deadline:
                readable, _, _ = select.select([self.connection], [], [], 0.1)
                if readable:
                    break  # the client sent nothing more than its request: it closed or reset
            self.close_connection = True
        elif path == "/slow-body":
            pieces = [b'{"slow":', b' [1,', b' 2,', b' 3]', b'}']
            total = sum(len(p) for p in pieces)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(total))
            self.end_headers()
            for p in pieces:
                self.wfile.write(p)
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/redirect":
            self._send(302, "", "text/plain", {"Location": "/echo"})
        elif path == "/redirect-other":
            port = urllib.parse.parse_qs(url.query).get("port", ["1"])[0]
            self._send(302, "", "text/plain", {"Location": "http://127.0.0.1:%s/echo" % port})
        elif path == "/oauth/token":
            auth = self.headers.get("Authorization", "")
            form = urllib.parse.parse_qs(body.decode("utf-8"))
            good = auth == "Basic " + base64.b64encode(b"client:secret").decode()
            if not good or form.get("grant_type") != ["client_credentials"]:
                self._send(401, json.dumps({"error": "invalid_client"}))
                return
            with LOCK:
                TOKENS["count"] += 1
                n = TOKENS["count"]
            self._send(200, json.dumps({"access_token": "tok-%d" % n, "token_type": "Bearer", "expires_in": 3600}))
        elif path == "/oauth/count":
            with LOCK:
                n = TOKENS["count"]
            self._send(200, json.dumps({"count": n}))
        elif path == "/bearer":
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer tok-"):
                self._send(200, json.dumps({"authorized": auth[len("Bearer "):]}))
            else:
                self._send(401, json.dumps({"message": "no token"}))
        else:
            self._send(404, json.dumps({"message": "no route " + path}))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        pass  # a refused TLS handshake or a reset is part of the tests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca", help="require client certificates signed by this CA")
    ap.add_argument("--lifetime", type=float, default=600)
    args = ap.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.client_ca)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)

    def watch_stdin():
        try:
            sys.stdin.read()
        finally:
            STOP.set()
            server.shutdown()

    threading.Thread(target=watch_stdin, daemon=True).start()
    timer = threading.Timer(args.lifetime, lambda: (STOP.set(), server.shutdown()))
    timer.daemon = True
    timer.start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
