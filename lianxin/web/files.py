"""Attachments (intake photos, reply proof) are never served as static files: residents reach them
through their private tracking link, staff through a login and the appeal's visibility check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from lianxin.appeals import queries
from lianxin.appeals.access import require_can_see
from lianxin.appeals.models import Attachment
from lianxin.errors import NotFound
from lianxin.orgs.models import User
from lianxin.web.deps import get_session, require_user
from lianxin.web.uploads import stored_path

router = APIRouter()


def attachment_response(request: Request, attachment: Attachment) -> FileResponse:
    path = stored_path(request.app.state.settings.upload_dir, attachment.storage_key)
    if not path.is_file():
        raise NotFound("附件文件不存在", "the attachment's file is missing")
    return FileResponse(
        path,
        media_type=attachment.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


@router.get("/t/{token}/files/{attachment_id}")
def resident_attachment(request: Request, token: str, attachment_id: int, session: Session = Depends(get_session)):
    appeal = queries.find_by_token(session, token)
    attachment = session.get(Attachment, attachment_id)
    if appeal is None or attachment is None or attachment.appeal_id != appeal.id:
        raise NotFound("附件不存在", "attachment not found")
    return attachment_response(request, attachment)


@router.get("/files/{attachment_id}")
def staff_attachment(
    request: Request, attachment_id: int, user: User = Depends(require_user), session: Session = Depends(get_session)
):
    """For staff pages: ``<img src="/files/{id}">``; 403 unless the user may see the appeal."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("附件不存在", "attachment not found")
    require_can_see(session, attachment.appeal, user)
    return attachment_response(request, attachment)
