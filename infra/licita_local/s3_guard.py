"""S3 front for the local runtime: moto, behind the checks real S3 makes on presigned requests.

moto accepts any presigned POST: a changed key, another content type, any size, an expired policy or a
forged signature all write the object. Real S3 refuses them, and the platform relies on that (an upload
URL is bound to one key, type and size range). This module runs moto's WSGI app in its own process behind
a middleware that checks, like S3:

- browser-form POST uploads (multipart/form-data): the policy's expiration, every condition (exact,
  ``eq``, ``starts-with``, ``content-length-range``; every form field must be covered by one), and its
  signature (SigV4 ``x-amz-signature`` or SigV2 ``signature``) with the secret of the access key;
- presigned URLs of any method (``X-Amz-Signature`` SigV4 or ``Signature`` SigV2 query auth): expiry
  and signature over the request as received;
- requests with no authentication at all are refused (buckets are private), except CORS preflights and
  moto's own ``/moto-api``.

Failures answer S3's XML error with S3's codes (403 AccessDenied / SignatureDoesNotMatch /
InvalidAccessKeyId, 400 EntityTooLarge / EntityTooSmall) and nothing reaches moto. Header-signed API calls
(boto3 clients) are passed through unchecked. After each successful write the bucket is mirrored to disk
(s3_store.py) so objects survive a restart. moto's SQS hot paths are sped up first (moto_speedups.py).

    python -m licita_local.s3_guard --port 4566 --data-dir .licita-local
"""

from __future__ import annotations

import argparse
import base64
import calendar
import hashlib
import hmac
import io
import json
import logging
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

log = logging.getLogger("licita.local.s3")

KEYS_ENV = "LICITA_LOCAL_S3_KEYS"  # JSON {access key id: secret} the front accepts signatures from
DUMMY_KEYS = {"testing": "testing"}
_POST_EXEMPT = {"policy", "signature", "x-amz-signature", "awsaccesskeyid", "file"}
_V2_SUBRESOURCES = {
    "acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy",
    "requestPayment", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions",
    "website", "response-content-type", "response-content-language", "response-expires",
    "response-cache-control", "response-content-disposition", "response-content-encoding", "restore",
    "select", "select-type", "object-lock",
}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> bytes:
        from xml.sax.saxutils import escape

        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{self.code}</Code>'
                f"<Message>{escape(self.message)}</Message><RequestId>{uuid.uuid4().hex[:16].upper()}"
                "</RequestId></Error>").encode()


def denied(message: str) -> S3Error:
    return S3Error(403, "AccessDenied", message)


def mismatch() -> S3Error:
    return S3Error(403, "SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you provided. "
                   "Check your key and signing method.")


def known_keys(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Access keys the front verifies against: ``LICITA_LOCAL_S3_KEYS``, the process's own, the dummy pair."""
    env = os.environ if env is None else env
    keys = dict(DUMMY_KEYS)
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        keys[env["AWS_ACCESS_KEY_ID"]] = env["AWS_SECRET_ACCESS_KEY"]
    if env.get(KEYS_ENV):
        keys.update(json.loads(env[KEYS_ENV]))
    return keys


# ------------------------------------------------------------------------------------------ signing
def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4 key: HMAC chain date → region → service → "aws4_request"."""
    return _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), "aws4_request")


def sign_v4(secret: str, credential: str, string_to_sign: str) -> str:
    _akid, date, region, service, _term = credential.split("/")
    return hmac.new(signing_key(secret, date, region, service), string_to_sign.encode(), hashlib.sha256).hexdigest()


def sign_v2(secret: str, string_to_sign: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _secret(keys: Mapping[str, str], akid: str) -> str:
    secret = keys.get(akid)
    if secret is None:
        raise S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    return secret


def _parse_query(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        k, _, v = part.partition("=")
        pairs.append((unquote(k.replace("+", "%20")), unquote(v.replace("+", "%20"))))
    return pairs


def _amz_date(value: str) -> float:
    try:
        return calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ"))
    except ValueError as exc:
        raise denied("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"") from exc


def check_query_v4(method: str, raw_path: str, raw_query: str, headers: Mapping[str, str],
                   keys: Mapping[str, str], now: float) -> None:
    """SigV4 query auth (a presigned URL): expiry, then the signature over the canonical request."""
    pairs = _parse_query(raw_query)
    params = dict(pairs)
    try:
        credential, signed, signature = (params["X-Amz-Credential"], params["X-Amz-SignedHeaders"],
                                         params["X-Amz-Signature"])
        date, expires = params["X-Amz-Date"], int(params["X-Amz-Expires"])
    except (KeyError, ValueError) as exc:
        raise S3Error(400, "AuthorizationQueryParametersError",
                      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                      "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.") from exc
    secret = _secret(keys, credential.split("/")[0])
    if now > _amz_date(date) + expires:
        raise denied("Request has expired")
    canonical_query = "&".join(sorted(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                                      for k, v in pairs if k != "X-Amz-Signature"))
    lower = {k.lower(): v for k, v in headers.items()}
    names = signed.split(";")
    canonical_headers = "".join(f"{n}:{' '.join(lower.get(n, '').split())}\n" for n in names)
    payload = params.get("X-Amz-Content-Sha256") or lower.get("x-amz-content-sha256") or "UNSIGNED-PAYLOAD"
    canonical = "\n".join([method.upper(), raw_path, canonical_query, canonical_headers, signed, payload])
    scope = credential.split("/", 1)[1]
    sts = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    if not _same(sign_v4(secret, credential, sts), signature):
        raise mismatch()


def check_query_v2(method: str, raw_path: str, raw_query: str, headers: Mapping[str, str],
                   keys: Mapping[str, str], now: float) -> None:
    """SigV2 query auth (what boto3 still presigns with in us-east-1 on a custom endpoint)."""
    pairs = _parse_query(raw_query)
    params = dict(pairs)
    try:
        akid, signature, expires = params["AWSAccessKeyId"], params["Signature"], int(params["Expires"])
    except (KeyError, ValueError) as exc:
        raise denied("Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
                     "parameters") from exc
    secret = _secret(keys, akid)
    if now > expires:
        raise denied("Request has expired")
    lower = {k.lower(): v for k, v in headers.items()}
    lower_params = {k.lower(): v for k, v in pairs}

    def std(name: str) -> str:
        return (lower.get(name) or lower_params.get(name) or "").strip()

    amz = {k: v for k, v in {**{k: v for k, v in lower_params.items() if k.startswith("x-amz-")},
                             **{k: v for k, v in lower.items() if k.startswith("x-amz-")}}.items()}
    resource = raw_path
    sub = sorted((k, v) for k, v in pairs if k in _V2_SUBRESOURCES)
    if sub:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in sub)
    sts = "\n".join([method.upper(), std("content-md5"), std("content-type"), str(expires),
                     *(f"{k}:{v.strip()}" for k, v in sorted(amz.items())), resource])
    if not _same(sign_v2(secret, sts), signature):
        raise mismatch()


# ------------------------------------------------------------------------------------------ POST policy
def _condition_failed(cond: Any) -> S3Error:
    return denied(f"Invalid according to Policy: Policy Condition failed: {json.dumps(cond)}")


def check_post_policy(bucket: str, fields: Mapping[str, str], file_size: int, keys: Mapping[str, str],
                      now: float) -> None:
    """Browser-form POST: signature over the base64 policy, expiry, every condition, no extra field."""
    f = {k.lower(): v for k, v in fields.items()}
    policy_b64 = f.get("policy")
    if not policy_b64:
        raise denied("Access Denied")
    if "x-amz-signature" in f:
        credential = f.get("x-amz-credential", "")
        if credential.count("/") != 4 or f.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
            raise S3Error(400, "InvalidArgument", "POST requires x-amz-algorithm and a valid x-amz-credential")
        expected = sign_v4(_secret(keys, credential.split("/")[0]), credential, policy_b64)
        provided = f["x-amz-signature"]
    elif "signature" in f and "awsaccesskeyid" in f:
        expected, provided = sign_v2(_secret(keys, f["awsaccesskeyid"]), policy_b64), f["signature"]
    else:
        raise S3Error(400, "InvalidArgument", "Bucket POST must contain a signature and an access key id")
    if not _same(expected, provided):
        raise mismatch()
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
        expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        conditions = policy["conditions"]
    except (ValueError, KeyError, TypeError) as exc:
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from exc
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    if now > expiration.timestamp():
        raise denied("Invalid according to Policy: Policy expired.")
    values = dict(f, bucket=bucket)
    covered = {"bucket"}
    for cond in conditions:
        if isinstance(cond, dict) and len(cond) == 1:
            ((name, want),) = cond.items()
            op, name = "eq", name.lower()
        elif isinstance(cond, list) and len(cond) == 3 and cond[0] == "content-length-range":
            low, high = int(cond[1]), int(cond[2])
            if file_size > high:
                raise S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
            if file_size < low:
                raise S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
            continue
        elif isinstance(cond, list) and len(cond) == 3 and str(cond[1]).startswith("$"):
            op, name, want = str(cond[0]).lower(), str(cond[1])[1:].lower(), cond[2]
        else:
            raise S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(cond)}")
        covered.add(name)
        got = values.get(name)
        if got is None and name not in values:
            raise _condition_failed(cond)
        if op == "eq" and got != str(want):
            raise _condition_failed(cond)
        if op == "starts-with" and not str(got).startswith(str(want)):
            raise _condition_failed(cond)
        if op not in ("eq", "starts-with"):
            raise S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(cond)}")
    extra = sorted(k for k in f if k not in covered and k not in _POST_EXEMPT and not k.startswith("x-ignore-"))
    if extra:
        raise denied(f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
    if "key" not in f:
        raise S3Error(400, "InvalidArgument", "Bucket POST must contain a field named 'key'.")


# ------------------------------------------------------------------------------------------ WSGI front
def _raw_path_query(environ: Mapping[str, Any]) -> tuple[str, str]:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path, _, query = str(raw).partition("?")
        if "://" in path:  # absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path, query
    return quote(environ.get("PATH_INFO", "/"), safe="/~!$&'()*+,;=:@"), str(environ.get("QUERY_STRING", ""))


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    out = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    for k in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(k):
            out[k.replace("_", "-").lower()] = str(environ[k])
    return out


class S3Guard:
    """WSGI middleware: refuses what S3 would refuse, mirrors successful writes to ``store``."""

    def __init__(self, app: WsgiApp, keys: Mapping[str, str], store: Any = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.app, self.keys, self.store, self.clock = app, dict(keys), store, clock

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            self.check(environ)
        except S3Error as err:
            log.info("s3 refused %s %s: %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                     err.code, err.message)
            body = err.body()
            start_response(f"{err.status} {'Forbidden' if err.status == 403 else 'Bad Request'}",
                           [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
            return [body]
        if self.store is None or environ.get("REQUEST_METHOD") not in ("PUT", "POST", "DELETE"):
            return self.app(environ, start_response)
        status_box: list[int] = []

        def capture(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status_box.append(int(status.split(maxsplit=1)[0]))
            return start_response(status, headers, *exc)

        body = b"".join(self.app(environ, capture))  # moto answers in memory; finish it before mirroring
        if status_box and status_box[0] < 300:
            bucket = unquote(_raw_path_query(environ)[0]).lstrip("/").split("/", 1)[0]
            if bucket and bucket != "moto-api":
                try:
                    self.store.sync(bucket)
                except Exception:
                    log.exception("could not mirror bucket %s to disk", bucket)
        return [body]

    def check(self, environ: dict[str, Any]) -> None:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        raw_path, raw_query = _raw_path_query(environ)
        if method == "OPTIONS" or raw_path.startswith("/moto-api"):
            return
        headers = _headers(environ)
        now = self.clock()
        names = {p.partition("=")[0] for p in raw_query.split("&")} if raw_query else set()
        if "X-Amz-Signature" in names or "X-Amz-Credential" in names:
            check_query_v4(method, raw_path, raw_query, headers, self.keys, now)
        elif "Signature" in names or "AWSAccessKeyId" in names:
            check_query_v2(method, raw_path, raw_query, headers, self.keys, now)
        elif method == "POST" and headers.get("content-type", "").startswith("multipart/form-data"):
            self._check_form_post(environ, raw_path)
        elif "authorization" not in headers:
            raise denied("Access Denied")

    def _check_form_post(self, environ: dict[str, Any], raw_path: str) -> None:
        from werkzeug.formparser import parse_form_data

        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(data)  # moto reads it again
        probe = dict(environ, **{"wsgi.input": io.BytesIO(data)})
        _stream, form, files = parse_form_data(probe)
        upload = files.get("file")
        size = 0
        if upload is not None:
            size = len(upload.stream.read())
        fields = {k: v for k, v in form.items()}
        bucket = unquote(raw_path).lstrip("/").split("/", 1)[0]
        check_post_policy(bucket, fields, size, self.keys, self.clock())


# ------------------------------------------------------------------------------------------ process
def build_app(data_dir: Path | None, keys: Mapping[str, str]) -> S3Guard:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from licita_local import moto_speedups

    moto_speedups.apply()  # SQS receive/delete without per-message datetime work (see that module)
    store = None
    if data_dir is not None:
        from licita_local.s3_store import ObjectStore

        store = ObjectStore(data_dir / "s3")
        restored = store.restore()
        if restored:
            log.info("restored %d S3 objects from %s", restored, store.root)
    app = DomainDispatcherApplication(create_backend_app)
    return S3Guard(app, keys, store)


def keep_alive_handler() -> type[Any]:
    """Moto's request handler with HTTP/1.1 keep-alive.

    Werkzeug's dev server answers every request with ``Connection: close`` and, after answering, drains
    whatever the socket still holds (which on a kept-alive connection is the next request). So each SQS or S3
    call paid a TCP connect and a new server thread, whose start waits for the GIL. Here the application reads
    the body through a ``LimitedStream`` of its Content-Length, werkzeug's drain sees an empty stream, the
    unread rest of the body is discarded after the answer, and the connection stays open. A chunked request
    body (nothing says where it ends) still closes the connection.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import DechunkedInput
    from werkzeug.wsgi import LimitedStream

    nothing_left = io.BytesIO()

    class KeepAliveRequestHandler(MotoRequestHandler):  # type: ignore[misc]
        _body: Any = None
        _socket_in: Any = None

        def setup(self) -> None:
            super().setup()
            # headers and body leave as two writes: without this, Nagle holds the body for the client's delayed
            # ACK (~40 ms) on a kept-alive connection
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def make_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().make_environ()
            if environ.get("wsgi.input_terminated"):
                self.close_connection = True
                environ["wsgi.input"] = DechunkedInput(self._socket_in)
                self._body = None
            else:
                self._body = LimitedStream(self._socket_in, int(environ.get("CONTENT_LENGTH") or 0))
                environ["wsgi.input"] = self._body
            return environ

        def send_header(self, keyword: str, value: str) -> None:
            if keyword.lower() == "connection" and value.lower() == "close" and not self.close_connection:
                return  # werkzeug's blanket close; http.server keeps an HTTP/1.1 connection open without it
            super().send_header(keyword, value)

        def run_wsgi(self) -> None:
            self._socket_in, self.rfile = self.rfile, nothing_left
            try:
                super().run_wsgi()
            finally:
                self.rfile = self._socket_in
            if self._body is not None and not self.close_connection:
                self._body.exhaust()  # what the application left unread, so the next request line parses

    return KeepAliveRequestHandler


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="licita_local.s3_guard", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", "-p", type=int, required=True)
    p.add_argument("--data-dir", type=Path, default=None, help="mirror S3 objects under <data dir>/s3")
    p.add_argument("--standby", action="store_true", help="import, then wait for a line on stdin (warm spare)")
    args = p.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LICITA_LOCAL_S3_LOG_LEVEL", "WARNING"), stream=sys.stderr,
                        format="%(asctime)s %(levelname).1s %(name)s: %(message)s")
    os.environ.setdefault("MOTO_PORT", str(args.port))  # moto builds SQS queue URLs with it
    # moto keeps every object under ~5 MiB in RAM: 50 uploads of a 0.75 MB edital grew this process by 33 MiB.
    # Above 64 KiB an object's bytes go to an (unlinked) temporary file, as S3 keeps them on disk.
    os.environ.setdefault("MOTO_S3_DEFAULT_KEY_BUFFER_SIZE", str(64 * 1024))
    from werkzeug.serving import make_server

    from licita_local.supervisor import exit_with_parent, wait_for_go

    exit_with_parent()
    if args.standby:
        import moto.s3.models
        import moto.s3.responses
        import moto.sqs.models
        import moto.sqs.responses  # noqa: F401 - what the first requests would import

        wait_for_go()
    app = build_app(args.data_dir, known_keys())
    server = make_server(args.host, args.port, app, threaded=True, request_handler=keep_alive_handler())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
