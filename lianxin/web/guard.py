"""Bad input is refused at the door, before any middleware or route sees it (接诉即办: a clear message,
nothing changed).

``InputGuardMiddleware`` sits just inside ``SessionMiddleware`` and in front of CSRF, so it covers the
web pages, the JSON API (``/api``) and Open311 (``/open311``) alike. It refuses:

* a path or query string with a NUL byte, or whose percent-escapes are not UTF-8 (400 on Open311,
  422 elsewhere);
* a body larger than its limit, counted while it streams in (a ``Content-Length`` over the limit is
  refused before reading): ``MAX_UPLOAD_BODY_BYTES`` for ``multipart/form-data`` (photo forms),
  ``MAX_BODY_BYTES`` for everything else (413);
* a form (urlencoded or multipart) that cannot be parsed (multipart without a boundary, broken parts:
  422), with more than ``MAX_FIELDS`` fields or ``MAX_FILES`` files, or a field over
  ``MAX_FIELD_BYTES`` (413), or whose names, values or file names hold a NUL byte or bytes that are
  not UTF-8 (422);
* a JSON body that is not UTF-8, or with a NUL or a lone surrogate (``\\ud800``) in any string (422).

Refusals answer in the caller's language of errors: the bilingual error page on the web (JSON for JSON
clients), the API's ``{code, message, message_en, field}``, Open311's ``errors`` list. The same limits
are the ones every ``request.form(...)`` call uses (``FORM_LIMITS``), so a body that passes here parses
the same way downstream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_FIELD_BYTES = 1024 * 1024  # one form field (name and value)
MAX_FIELDS = 1000  # text fields of one form
MAX_FILES = 50  # file parts of one form (each form checks its own, lower count)
MAX_BODY_BYTES = 2 * 1024 * 1024  # urlencoded forms, JSON and anything else
MAX_UPLOAD_BODY_BYTES = 20 * 1024 * 1024  # multipart forms (photos, spreadsheets)
FORM_LIMITS = {"max_fields": MAX_FIELDS, "max_files": MAX_FILES, "max_part_size": MAX_FIELD_BYTES}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Refused(Exception):
    status: int
    zh: str
    en: str
    field: str | None = None


def _mb(n: int) -> int:
    return n // 1024 // 1024


def too_large(limit: int) -> Refused:
    return Refused(
        413, f"提交的内容过大（不超过 {_mb(limit)} MB）", f"the request body is larger than {_mb(limit)} MB", "body"
    )


def check_text(raw: bytes, where: str) -> str:
    """Raw bytes as text: refused if they hold a NUL or are not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(
            422, f"「{where}」含有无效字符（须为 UTF-8 编码）", f"{where}: not valid UTF-8 text", where
        ) from None
    if "\x00" in text:
        raise Refused(422, f"「{where}」含有不允许的空字符（NUL）", f"{where}: NUL characters are not allowed", where)
    return text


def check_string(value: str, where: str) -> None:
    """A decoded string (from JSON): no NUL, no lone surrogate."""
    if "\x00" in value:
        raise Refused(422, f"「{where}」含有不允许的空字符（NUL）", f"{where}: NUL characters are not allowed", where)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(
            422, f"「{where}」含有无效字符", f"{where}: invalid characters (lone surrogates)", where
        ) from None


def check_url(scope: Scope) -> None:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
    check_text(unquote_to_bytes(raw_path), "path")
    query = scope.get("query_string", b"")
    if query:
        check_text(unquote_to_bytes(query.replace(b"+", b" ")), "query")
    if "\x00" in scope["path"]:
        raise Refused(422, "「path」含有不允许的空字符（NUL）", "path: NUL characters are not allowed", "path")


def check_urlencoded(body: bytes) -> None:
    """The same split the form parser makes (on ``&``), with the same limits, on the raw bytes."""
    fields = [part for part in body.split(b"&") if part]
    if len(fields) > MAX_FIELDS:
        raise Refused(
            413, f"表单字段过多（最多 {MAX_FIELDS} 个）", f"too many form fields (at most {MAX_FIELDS})", "body"
        )
    for part in fields:
        if len(part) > MAX_FIELD_BYTES:
            raise Refused(
                413,
                f"表单字段过大（每项不超过 {_mb(MAX_FIELD_BYTES)} MB）",
                f"a form field is larger than {_mb(MAX_FIELD_BYTES)} MB",
                "body",
            )
        name, _, value = part.partition(b"=")
        where = check_text(unquote_to_bytes(name.replace(b"+", b" ")), "field")[:64] or "field"
        check_text(unquote_to_bytes(value.replace(b"+", b" ")), where)


class StrictMultiPartParser(MultiPartParser):
    """Starlette's parser, checking each text part, name and file name as raw bytes before decoding."""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._current_part.content_disposition)
        for key in (b"name", b"filename"):
            if key in options:
                check_text(options[key], "field" if key == b"name" else "filename")
        super().on_headers_finished()

    def on_part_end(self) -> None:
        if self._current_part.file is None:
            check_text(bytes(self._current_part.data), self._current_part.field_name[:64] or "field")
        super().on_part_end()


async def check_multipart(scope: Scope, body: bytes) -> None:
    async def stream():
        yield body

    parser = StrictMultiPartParser(
        Headers(scope=scope), stream(), max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        if "maximum" in exc.message.lower():
            raise Refused(413, "表单字段或文件过多、过大", f"the form is too large: {exc.message}", "body") from None
        raise Refused(422, "表单格式无效，无法解析", f"the form cannot be parsed: {exc.message}", "body") from None
    await form.close()


def _walk(value, where: str) -> None:
    if isinstance(value, str):
        check_string(value, where)
    elif isinstance(value, list):
        for item in value:
            _walk(item, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_string(key, "key")
            _walk(item, key[:64])


def check_json(body: bytes) -> None:
    text = check_text_json(body)
    try:
        data = json.loads(text)
    except ValueError:
        return  # not JSON at all: the route's own parser answers that
    _walk(data, "body")


def check_text_json(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(422, "请求体不是有效的 UTF-8", "the body is not valid UTF-8", "body") from None


async def check_body(scope: Scope, body: bytes) -> None:
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        check_urlencoded(body)
    elif content_type == "multipart/form-data":
        await check_multipart(scope, body)
    elif content_type == "application/json" or content_type.endswith("+json"):
        check_json(body)


def body_limit(scope: Scope) -> int:
    content_type = Headers(scope=scope).get("content-type", "").lower()
    return MAX_UPLOAD_BODY_BYTES if content_type.startswith("multipart/") else MAX_BODY_BYTES


async def read_body(scope: Scope, receive: Receive, limit: int) -> tuple[bytes, list[Message]]:
    """The whole body, refused as soon as it passes ``limit``; plus any non-body message received."""
    length = Headers(scope=scope).get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise too_large(limit)
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), []


def refusal(scope: Scope, refused: Refused) -> Response:
    path = scope["path"]
    if path.startswith("/open311/"):
        from lianxin.open311.render import errors_response

        status = 413 if refused.status == 413 else 400
        return errors_response("xml" if path.endswith(".xml") else "json", status, f"{refused.zh} / {refused.en}")
    if path.startswith("/api/"):
        from lianxin.api.errors import error_response

        code = "too_large" if refused.status == 413 else "invalid"
        return error_response(refused.status, code, refused.zh, refused.en, field=refused.field)
    from lianxin.web import error_page, wants_json

    request = Request(scope)
    if wants_json(request):
        return JSONResponse(
            {
                "code": "too_large" if refused.status == 413 else "invalid",
                "message_zh": refused.zh,
                "message_en": refused.en,
                "field": refused.field,
            },
            status_code=refused.status,
        )
    return error_page(request, refused.status, refused.zh, refused.en)


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_url(scope)
            if scope["method"] not in BODY_METHODS:
                await self.app(scope, receive, send)
                return
            body, pending = await read_body(scope, receive, body_limit(scope))
            await check_body(scope, body)
        except Refused as refused:
            response = refusal(scope, refused)
            if refused.status == 413:
                response.headers["connection"] = "close"  # the rest of the body is never read
            await response(scope, receive, send)
            return
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *pending]

        async def replay_receive() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replay_receive, send)
