"""The API's one error shape, for domain errors, validation errors, unknown paths and methods:

``{"code": "invalid", "message": "中文", "message_en": "English", "field": "content", "details": [...]}``

``code`` is machine-readable (``invalid`` 422, ``conflict``/``illegal_transition``/``stale_version`` 409,
``forbidden`` 403, ``not_found`` 404, ``unauthenticated`` 401, ``method_not_allowed`` 405, …);
``details`` lists every field error of a validation failure.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lianxin.errors import LianxinError, as_busy, busy_errors, out_of_range, out_of_range_errors


class Unauthenticated(LianxinError):
    code, http_status = "unauthenticated", 401


class FieldError(BaseModel):
    field: str | None = None
    message: str
    message_en: str


class ErrorOut(BaseModel):
    code: str
    message: str
    message_en: str
    field: str | None = None
    details: list[FieldError] = []


def _described(description: str) -> dict:
    return {"model": ErrorOut, "description": description}


# Documented on every API route (schemathesis holds us to it).
ERROR_RESPONSES: dict[int | str, dict] = {
    401: _described("未认证 / missing or invalid credentials"),
    403: _described("无权限 / outside the caller's roles or units"),
    404: _described("不存在 / not found"),
    409: _described("状态冲突或版本过期 / illegal transition or stale version"),
    413: _described("请求内容过大 / body, field or field count over the limits (lianxin.web.guard)"),
    422: _described("输入无效 / validation error"),
}

HTTP_MESSAGES = {
    401: ("unauthenticated", "请先登录或提供 API 密钥", "authentication required"),
    403: ("forbidden", "没有权限", "forbidden"),
    404: ("not_found", "接口或资源不存在", "no such endpoint or resource"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
    406: ("not_acceptable", "无法提供所请求的格式", "not acceptable"),
    413: ("too_large", "请求内容过大", "request entity too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "unsupported media type"),
    429: ("rate_limited", "操作过于频繁，请稍后再试", "too many requests: try again later"),
}

# Chinese for pydantic's error types (our own validators already write "中文 / English").
TYPE_ZH = {
    "missing": "为必填项",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "too_long": "项数过多",
    "too_short": "项数过少",
    "greater_than": "过小",
    "greater_than_equal": "过小",
    "less_than": "过大",
    "less_than_equal": "过大",
    "json_invalid": "不是有效的 JSON",
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "datetime_parsing": "应为带时区的日期时间",
    "datetime_type": "应为日期时间",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "timezone_aware": "须带时区",
    "int_from_float": "应为整数",
    "extra_forbidden": "不允许的字段",
    "string_pattern_mismatch": "格式不正确",
    "uuid_parsing": "格式不正确",
    "value_error": "取值无效",
}
LOCATIONS = {"body", "query", "path", "header", "cookie"}


def error_response(
    status: int,
    code: str,
    message: str,
    message_en: str,
    *,
    field: str | None = None,
    details: list[FieldError] | None = None,
    headers: dict | None = None,
) -> JSONResponse:
    body = ErrorOut(code=code, message=message, message_en=message_en, field=field, details=details or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def field_errors(errors: list[dict]) -> list[FieldError]:
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in LOCATIONS:
            loc = loc[1:]
        field = "body" if error.get("type") == "json_invalid" else (".".join(loc) or None)
        msg = str(error.get("msg", ""))
        if error.get("type") == "value_error" and " / " in msg:
            zh, en = msg.removeprefix("Value error, ").split(" / ", 1)
        else:
            zh = f"{field or '请求'}{TYPE_ZH.get(error.get('type', ''), '不正确')}"
            en = f"{field}: {msg}" if field else msg
        result.append(FieldError(field=field, message=zh, message_en=en))
    return result


def validation_response(errors: list[dict]) -> JSONResponse:
    details = field_errors(errors)
    first = details[0] if details else FieldError(message="输入无效", message_en="invalid input")
    return error_response(422, "invalid", first.message, first.message_en, field=first.field, details=details)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LianxinError)
    async def domain_error(request: Request, exc: LianxinError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else getattr(exc, "headers", None)
        return error_response(
            exc.http_status, exc.code, exc.message_zh, exc.message_en, field=exc.field, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(list(exc.errors()))

    @app.exception_handler(ValidationError)
    async def model_invalid(request: Request, exc: ValidationError) -> JSONResponse:
        return validation_response(exc.errors())

    async def out_of_range_error(request: Request, exc: Exception) -> JSONResponse:
        return await domain_error(request, out_of_range())

    for error in out_of_range_errors():
        app.add_exception_handler(error, out_of_range_error)

    async def busy_error(request: Request, exc: Exception) -> JSONResponse:
        response = await domain_error(request, as_busy(exc))
        response.headers["Retry-After"] = "2"
        return response

    for error in busy_errors():
        app.add_exception_handler(error, busy_error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return http_error_response(exc)


def http_error_response(exc: StarletteHTTPException) -> JSONResponse:
    """The API's error body for an HTTP error; also used by the outer app for /api/ paths no mount matched."""
    if exc.status_code == 400:  # a body that cannot be parsed at all is bad input like any other
        return error_response(
            422, "invalid", "请求体无法解析（须为 UTF-8 JSON）", "the body is not valid UTF-8 JSON", field="body"
        )
    code, zh, en = HTTP_MESSAGES.get(exc.status_code, ("error", "请求失败", str(exc.detail)))
    return error_response(exc.status_code, code, zh, en, headers=getattr(exc, "headers", None))
