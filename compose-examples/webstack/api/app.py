"""The webstack's API: notes kept in postgres, a hit counter in redis, JSON over HTTP.

Python's standard library server (ThreadingHTTPServer), Debian's psycopg2 and redis client.
Configuration comes from the environment: DATABASE_URL (postgres://user:password@host/db),
REDIS_URL (redis://host:6379/0), PORT (8000).

  GET  /            status: the postgres and redis versions this instance talks to
  GET  /healthz     200 when postgres and redis both answer, 503 otherwise
  POST /notes       {"text": "..."} → 201 and the stored row
  GET  /notes       the 20 newest rows
  GET  /notes/<id>  one row, or 404
  POST /hits        increments the redis counter "hits" and returns it
"""
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import psycopg2.pool
import redis

DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
PORT = int(os.environ.get("PORT", "8000"))
HOSTNAME = socket.gethostname()

cache = redis.Redis.from_url(REDIS_URL, socket_timeout=5, decode_responses=True)
db_pool = None


def connect(deadline_s=60):
    """The connection pool, once postgres accepts connections: a restarted db is waited for, not fatal."""
    global db_pool
    started = time.monotonic()
    while True:
        try:
            db_pool = psycopg2.pool.ThreadedConnectionPool(1, 8, DATABASE_URL, connect_timeout=5)
            return
        except psycopg2.OperationalError as err:
            if time.monotonic() - started > deadline_s:
                raise
            print(f"api: waiting for postgres: {str(err).strip().splitlines()[0]}", file=sys.stderr)
            time.sleep(1)


class Db:
    """A pooled connection for one request: committed when the block ends, rolled back on error."""

    def __enter__(self):
        self.conn = db_pool.getconn()
        return self.conn.cursor()

    def __exit__(self, kind, value, tb):
        try:
            if kind is None:
                self.conn.commit()
            else:
                self.conn.rollback()
        finally:
            # a broken connection is dropped from the pool, not handed to the next request
            db_pool.putconn(self.conn, close=bool(self.conn.closed))


def migrate():
    with Db() as cur:
        cur.execute(
            """CREATE TABLE IF NOT EXISTS notes (
                 id SERIAL PRIMARY KEY,
                 text TEXT NOT NULL,
                 created_at TIMESTAMPTZ NOT NULL DEFAULT now()
               )"""
        )


def note(row):
    return {"id": row[0], "text": row[1], "created_at": row[2].isoformat()}


class Handler(BaseHTTPRequestHandler):
    server_version = "webstack-api/1"

    def reply(self, status, body):
        data = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        try:
            if path == "/":
                with Db() as cur:
                    cur.execute("SHOW server_version")
                    pg = cur.fetchone()[0]
                self.reply(200, {"service": "api", "instance": HOSTNAME, "postgres": pg, "redis": cache.info("server")["redis_version"]})
            elif path == "/healthz":
                with Db() as cur:
                    cur.execute("SELECT 1")
                cache.ping()
                self.reply(200, {"postgres": "ok", "redis": "ok"})
            elif path == "/notes":
                with Db() as cur:
                    cur.execute("SELECT id, text, created_at FROM notes ORDER BY id DESC LIMIT 20")
                    rows = cur.fetchall()
                self.reply(200, [note(r) for r in rows])
            elif path.startswith("/notes/") and path[7:].isdigit():
                with Db() as cur:
                    cur.execute("SELECT id, text, created_at FROM notes WHERE id = %s", (int(path[7:]),))
                    row = cur.fetchone()
                if row:
                    self.reply(200, note(row))
                else:
                    self.reply(404, {"error": f"no note {path[7:]}"})
            else:
                self.reply(404, {"error": f"no route GET {path}"})
        except (psycopg2.Error, redis.RedisError) as err:
            self.reply(503, {"error": f"{type(err).__name__}: {err}".strip()})

    def do_POST(self):
        path = self.path.split("?", 1)[0].rstrip("/")
        try:
            if path == "/notes":
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    text = json.loads(self.rfile.read(length) or b"{}").get("text")
                except (ValueError, AttributeError):
                    text = None
                if not isinstance(text, str) or not text:
                    return self.reply(400, {"error": 'send {"text": "..."}'})
                with Db() as cur:
                    cur.execute("INSERT INTO notes (text) VALUES (%s) RETURNING id, text, created_at", (text,))
                    row = cur.fetchone()
                self.reply(201, note(row))
            elif path == "/hits":
                self.reply(200, {"hits": cache.incr("hits"), "instance": HOSTNAME})
            else:
                self.reply(404, {"error": f"no route POST {path}"})
        except (psycopg2.Error, redis.RedisError) as err:
            self.reply(503, {"error": f"{type(err).__name__}: {err}".strip()})

    def log_message(self, fmt, *args):
        # one line per request on stderr, without the health checks' noise
        if not self.path.startswith("/healthz"):
            sys.stderr.write(f"{self.address_string()} {fmt % args}\n")


def main():
    connect()
    migrate()
    server = ThreadingHTTPServer(("", PORT), Handler)
    server.daemon_threads = True
    # PID 1 gets no default SIGTERM action: stop serving when the runtime asks
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"api listening on :{PORT}", file=sys.stderr)
    server.serve_forever()
    db_pool.closeall()


if __name__ == "__main__":
    main()
