#!/usr/bin/env python3
"""Example service "inventory", in Python with the standard library only.

It proves that any language can join kong-registry through the plain HTTP API:

  1. PUT    /v1/services/inventory/instances/{id}            register (idempotent)
  2. PUT    /v1/services/inventory/instances/{id}/heartbeat  every heartbeatIntervalSeconds
     (the registry says how often); a 404 means the lease is gone: register again
  3. DELETE /v1/services/inventory/instances/{id}?drain=true on SIGTERM/SIGINT: weight 0 in Kong;
     keep serving for --drain-hold seconds while every Kong node takes that up
  4. DELETE /v1/services/inventory/instances/{id}            then exit 0

No gateway authentication (auth "none"). Every request except /health is echoed as JSON.
Run with --help for the options.
"""

import argparse
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVICE = "inventory"
HEADERS_OF_INTEREST = (
    "x-consumer-username",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-path",
    "x-forwarded-prefix",
    "x-real-ip",
    "x-kong-request-id",
    "via",
)


LEVELS = ["debug", "info", "warn", "error"]
_LEVEL = os.environ.get("LOG_LEVEL", "info")
LOG_FLOOR = LEVELS.index(_LEVEL) if _LEVEL in LEVELS else LEVELS.index("info")


def log(level, msg, **fields):
    """One JSON line per record on stderr at LOG_LEVEL or above (health probes are debug: a line a
    second per instance would hide the ones that matter); stdout only carries the ready line."""
    if LEVELS.index(level) < LOG_FLOOR:
        return
    record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": level,
              "service": SERVICE, "msg": msg, **fields}
    print(json.dumps(record), file=sys.stderr, flush=True)


def parse_args(argv):
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="inventory.py",
        description="Example service that registers with kong-registry over plain HTTP "
                    "(flags win over environment variables).")
    parser.add_argument("--port", type=int, default=int(env.get("PORT", "0")),
                        help="port to listen on, 0 = a free one (env PORT, default 0)")
    parser.add_argument("--host", default=env.get("HOST", "0.0.0.0"),
                        help="address to bind (env HOST, default 0.0.0.0)")
    parser.add_argument("--advertise-host", default=env.get("ADVERTISE_HOST") or None,
                        help="address Kong connects to (env ADVERTISE_HOST, "
                             "default: the address the registry sees us from)")
    parser.add_argument("--registry-url", default=env.get("REGISTRY_URL", "http://127.0.0.1:4000"),
                        help="registry base URL (env REGISTRY_URL, default http://127.0.0.1:4000)")
    parser.add_argument("--token", default=env.get("REGISTRY_TOKEN", ""),
                        help="service token: npx kong-registry token --service inventory "
                             "(env REGISTRY_TOKEN, required)")
    parser.add_argument("--instance-id", default=env.get("INSTANCE_ID") or None,
                        help="instance id (env INSTANCE_ID, default: <hostname>-<port>)")
    parser.add_argument("--prefix", default=env.get("PREFIX", "/inventory"),
                        help="gateway prefix (env PREFIX, default /inventory)")
    parser.add_argument("--ttl", type=int, default=int(env["TTL_SECONDS"]) if env.get("TTL_SECONDS") else None,
                        help="lease length in seconds (env TTL_SECONDS, default: the registry's)")
    parser.add_argument("--health-interval", type=int,
                        default=int(env["HEALTH_INTERVAL_SECONDS"]) if env.get("HEALTH_INTERVAL_SECONDS") else None,
                        help="seconds between Kong's health probes "
                             "(env HEALTH_INTERVAL_SECONDS, default: the registry's)")
    parser.add_argument("--drain-hold", type=float,
                        default=float(env.get("DRAIN_HOLD_SECONDS") or 6),
                        help="on SIGTERM: seconds at weight 0 before deregistering, so every Kong "
                             "node has stopped sending traffic (env DRAIN_HOLD_SECONDS, default 6)")
    args = parser.parse_args(argv)
    if args.drain_hold < 0:
        parser.error(f"--drain-hold must not be negative, got {args.drain_hold}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be 0..65535, got {args.port}")
    if not args.token:
        parser.error("a service token is required: --token or REGISTRY_TOKEN "
                     "(npx kong-registry token --service inventory)")
    if not args.prefix.startswith("/"):
        parser.error(f"--prefix must start with '/', got {args.prefix!r}")
    return args


class RegistryError(Exception):
    """A reply from the registry: status and its {code, message} body."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class RegistryClient:
    """The three calls of the registration protocol, with the bearer token."""

    def __init__(self, base_url, token, instance_id, timeout=5.0):
        quoted = urllib.parse.quote(instance_id, safe="")
        self.instance_url = f"{base_url.rstrip('/')}/v1/services/{SERVICE}/instances/{quoted}"
        self.token = token
        self.timeout = timeout

    def _call(self, method, url, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as err:
            try:
                reply = json.loads(err.read() or b"{}")
            except ValueError:
                reply = {}
            raise RegistryError(err.code, reply.get("code", f"HTTP_{err.code}"),
                                reply.get("message", err.reason)) from None

    def register(self, body):
        return self._call("PUT", self.instance_url, body)

    def heartbeat(self):
        return self._call("PUT", self.instance_url + "/heartbeat")

    def drain(self):
        """Weight 0 in Kong, still registered: Kong stops sending new requests."""
        return self._call("DELETE", self.instance_url + "?drain=true")

    def deregister(self):
        return self._call("DELETE", self.instance_url)


def is_retryable(err):
    """Network errors, 429 and 5xx are worth retrying; other 4xx need a human."""
    if isinstance(err, RegistryError):
        return err.status == 429 or err.status >= 500
    return isinstance(err, (urllib.error.URLError, OSError, TimeoutError))


class Registration:
    """Registers, keeps the lease alive in a thread, re-registers when the lease is lost."""

    def __init__(self, client, body):
        self.client = client
        self.body = body
        self.stopping = threading.Event()
        self.interval = 5.0
        self.registered = threading.Event()
        self.fatal = None

    def register_until_done(self):
        delay = 0.5
        while not self.stopping.is_set():
            try:
                reply = self.client.register(self.body)
                self.interval = float(reply.get("heartbeatIntervalSeconds", self.interval))
                log("info", "registered", instanceId=reply["instance"]["instanceId"],
                    leaseExpiresAt=reply.get("leaseExpiresAt"), heartbeatIntervalSeconds=self.interval)
                self.registered.set()
                return True
            except Exception as err:  # noqa: BLE001 - every failure is classified below
                if not is_retryable(err):
                    self.fatal = err
                    log("error", "the registry refused this instance; giving up", error=str(err))
                    self.registered.set()
                    return False
                log("warn", "registration failed, retrying", error=str(err), delaySeconds=round(delay, 2))
                self.stopping.wait(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, 30.0)
        return False

    def run(self):
        if not self.register_until_done():
            return
        while not self.stopping.wait(self.interval):
            try:
                reply = self.client.heartbeat()
                self.interval = float(reply.get("heartbeatIntervalSeconds", self.interval))
            except RegistryError as err:
                if err.status == 404:
                    log("warn", "lease lost (heartbeat 404), registering again")
                    if not self.register_until_done():
                        return
                elif not is_retryable(err):
                    self.fatal = err
                    log("error", "heartbeat refused; giving up", error=str(err))
                    return
                else:
                    log("warn", "heartbeat failed, trying again next interval", error=str(err))
            except Exception as err:  # noqa: BLE001 - network trouble: the lease outlives one miss
                log("warn", "heartbeat failed, trying again next interval", error=str(err))

    def stop_and_deregister(self, heartbeat_thread, drain_hold_seconds):
        self.stopping.set()
        # Let a heartbeat (or re-registration) in flight finish first, so it cannot land after
        # the DELETE and bring the instance back.
        heartbeat_thread.join(timeout=self.client.timeout + 1)
        if drain_hold_seconds > 0:
            # Weight 0 first, and keep serving while the change reaches every Kong node.
            try:
                self.client.drain()
                log("info", "draining", holdSeconds=drain_hold_seconds)
                time.sleep(drain_hold_seconds)
            except Exception as err:  # noqa: BLE001 - deregistering is still right
                log("warn", "could not mark the instance draining", error=str(err))
        try:
            self.client.deregister()
            log("info", "deregistered")
        except Exception as err:  # noqa: BLE001 - the lease then expires on its own
            log("warn", "deregistration failed; the lease will expire on its own", error=str(err))


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        server_version = "inventory-example"

        def _send_json(self, status, body):
            text = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(text)

        def _handle(self):
            path = urllib.parse.urlsplit(self.path).path
            if path == "/health":
                draining = state["draining"]
                self._send_json(503 if draining else 200,
                                {"status": "draining" if draining else "ok", "service": SERVICE,
                                 "instanceId": state["instance_id"]})
                return
            self._send_json(200, {
                "service": SERVICE,
                "instanceId": state["instance_id"],
                "path": path,
                "method": self.command,
                "consumer": self.headers.get("x-consumer-username"),
                "headers": {name: self.headers[name] for name in HEADERS_OF_INTEREST if name in self.headers},
            })

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass  # replaced by log_request below: one JSON line per request

        def log_request(self, code="-", size="-"):
            path = urllib.parse.urlsplit(self.path).path
            # Kong's id for the request (X-Kong-Request-Id): request.id in Kong's log entry too.
            log("debug" if path == "/health" else "info", "request", method=self.command, path=path,
                status=int(code) if str(code).isdigit() else code,
                kongRequestId=self.headers.get("x-kong-request-id"))

    return Handler


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    state = {"draining": False, "instance_id": None}
    server = ThreadingHTTPServer((args.host, args.port), make_handler(state))
    server.daemon_threads = True
    port = server.server_address[1]
    instance_id = args.instance_id or re.sub(r"[^a-z0-9._-]+", "-", f"{socket.gethostname()}-{port}".lower())
    state["instance_id"] = instance_id
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    log("info", "listening", host=args.host, port=port)

    body = {"port": port, "prefix": args.prefix, "auth": "none", "version": "1.0.0",
            "metadata": {"language": "python"}}
    if args.advertise_host:
        body["host"] = args.advertise_host
    if args.ttl:
        body["ttlSeconds"] = args.ttl
    if args.health_interval:
        body["healthCheck"] = {"intervalSeconds": args.health_interval}
    registration = Registration(RegistryClient(args.registry_url, args.token, instance_id), body)

    shutdown = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: shutdown.set())

    heartbeat = threading.Thread(target=registration.run, name="heartbeat", daemon=True)
    heartbeat.start()
    # Ready line once registered (the server already answers meanwhile).
    while not registration.registered.wait(0.2):
        if shutdown.is_set():
            break
    if registration.fatal is not None:
        server.shutdown()
        return 1
    if registration.registered.is_set():
        print(json.dumps({"service": SERVICE, "instanceId": instance_id, "port": port}), flush=True)

    while not shutdown.wait(1):
        if registration.fatal is not None:
            server.shutdown()
            return 1
    log("info", "signal received, draining then deregistering")
    state["draining"] = True
    registration.stop_and_deregister(heartbeat, args.drain_hold)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
