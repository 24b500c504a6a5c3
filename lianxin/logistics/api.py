"""客货邮 API (being built)."""

from fastapi import APIRouter

router = APIRouter(prefix="/logistics", tags=["客货邮 logistics"])
