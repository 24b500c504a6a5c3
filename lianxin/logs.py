"""Application logging: one line per request and per job run, to stderr.

Plain ``key=value`` lines by default; one JSON object a line when ``LIANXIN_LOG_FORMAT=json`` (for a log
shipper). Each request gets an id (the caller's ``X-Request-ID`` when it is a sane token, else a new one),
echoed in the response header, so a resident's complaint about an error page can be found in the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_LOG = logging.getLogger("lianxin.request")
JOB_LOG = logging.getLogger("lianxin.jobs")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_FIELDS = "lianxin_fields"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, _FIELDS, {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in getattr(record, _FIELDS, {}).items() if v is not None)
        text = f"{self.formatTime(record, '%Y-%m-%d %H:%M:%S')} {record.levelname} {record.name} {record.getMessage()}"
        text = f"{text} {fields}" if fields else text
        return f"{text}\n{self.formatException(record.exc_info)}" if record.exc_info else text


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not the stream of the first caller (a
    test runner or a CLI runner swaps and closes its own)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(log_format: str = "plain", level: str = "INFO") -> None:
    """Send Lianxin's loggers to stderr in the chosen format (idempotent: one handler however often called)."""
    root = logging.getLogger("lianxin")
    root.setLevel(level.upper())
    handler = next((h for h in root.handlers if getattr(h, "lianxin", False)), None)
    if handler is None:
        handler = _StderrHandler()
        handler.lianxin = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False
    handler.setFormatter(_JsonFormatter() if log_format == "json" else _PlainFormatter())


def log(logger: logging.Logger, message: str, **fields) -> None:
    logger.info(message, extra={_FIELDS: fields})


class RequestLogMiddleware:
    """The outermost middleware: times the whole request and logs it once, after the response is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = dict((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", []))
        request_id = sent.get("x-request-id", "")
        if not _REQUEST_ID_RE.match(request_id):
            request_id = uuid.uuid4().hex[:16]
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            state = scope.get("state", {})
            log(
                REQUEST_LOG,
                f"{scope['method']} {scope['path']} {status}",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
                user=state.get("user_id"),  # set by the deps: the ORM objects are detached by now
                request_id=request_id,
            )
