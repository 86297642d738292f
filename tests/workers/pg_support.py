"""What the PostgreSQL command tests share (workers_park, workers_fault, serve_postgres): psql,
a database URL with another name, bounded waiting, and a loopback HTTP service that records the
task tokens a `.waitForTaskToken` request carries."""
import http.server
import json
import subprocess
import threading
import time
import urllib.parse


class Failed(Exception):
    pass


def psql(url, sql):
    return subprocess.run(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def with_dbname(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def until(what, check, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise Failed("gave up waiting: " + what)


def serve_posts(answer):
    """An HTTP service on 127.0.0.1 that answers every POST with JSON: answer(headers, body bytes)
    returns the reply's bytes. A client that went away (a worker killed mid-call) is ignored."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            reply = answer(self.headers, self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve_tokens(tokens):
    """A service that answers as SQS would and records the token in each request's body under its
    "n": tokens[n] = [token, ...]."""
    def answer(headers, body):
        request = json.loads(body or b"{}")
        tokens.setdefault(request.get("n"), []).append(request.get("token"))
        return b'{"MessageId":"m"}'

    return serve_posts(answer)
