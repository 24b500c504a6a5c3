"""Form errors shown next to their fields: from a LianxinError's ``field`` or a Pydantic ValidationError.

Templates use ``errors.get(name)`` (one message per field) and ``errors.general`` for messages that
belong to no single field; the macros in ``templates/_forms.html`` render them with ARIA wiring.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from lianxin.errors import LianxinError
from lianxin.web.i18n import EN, split_message, translate

GENERAL = "__all__"

# Pydantic's own error types, worded for residents.
_PYDANTIC_KEYS = {
    "missing": "field.required",
    "string_too_short": "field.required",
    "float_parsing": "field.number",
    "int_parsing": "field.number",
    "enum": "field.choice",
    "literal_error": "field.choice",
}


class FormErrors(dict[str, str]):
    """field name → message in the page language; ``general`` lists the messages of no field."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def add(self, field: str | None, message: str) -> None:
        self.setdefault(field or GENERAL, message)

    def add_key(self, field: str | None, key: str) -> None:
        self.add(field, translate(key, self.lang))

    def add_exception(self, exc: LianxinError) -> None:
        self.add(exc.field, exc.message_en if self.lang == EN else exc.message_zh)

    def add_validation(self, exc: ValidationError, *, aliases: dict[str, str] | None = None) -> None:
        """Each Pydantic error goes to its field (``aliases`` maps model fields to form names)."""
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else None
            field = (aliases or {}).get(field, field) if field else None
            if error["type"] == "value_error":
                message = split_message(str(error["ctx"]["error"]) if "ctx" in error else error["msg"], self.lang)
            else:
                message = translate(_PYDANTIC_KEYS.get(error["type"], "field.invalid"), self.lang)
            self.add(field, message)

    @property
    def general(self) -> list[str]:
        return [self[GENERAL]] if GENERAL in self else []


def posted_form(max_files: int = 20) -> Callable[[Request], Awaitable[FormData]]:
    """A dependency that reads and parses the request's form on the event loop (reading the body awaits),
    so the handler that takes it can be a plain ``def`` and do its database work in the thread pool.

    A handler that touches the database must never be ``async def``: one blocked query on the event loop
    stops every other request, including the one holding the lock it waits for."""

    async def dependency(request: Request) -> FormData:
        return await request.form(max_files=max_files, max_fields=1000)

    return dependency
