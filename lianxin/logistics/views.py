"""客货邮 pages (being built)."""

from fastapi import APIRouter

router = APIRouter()
