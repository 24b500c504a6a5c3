"""Languages for the web pages: Simplified Chinese first, English on request.

The language comes from ``?lang=en`` / ``?lang=zh-CN`` (remembered in the ``lianxin_lang`` cookie)
or from that cookie; anything else is zh-CN. Templates get ``t(key)`` for catalogue messages and
``tr(zh, en)`` for text written inline; domain packages add their own keys with ``register_messages``.
"""

from __future__ import annotations

from starlette.requests import Request

ZH, EN = "zh-CN", "en"
LANG_COOKIE = "lianxin_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    "site.name": ("连心 · 接诉即办", "Lianxin · Citizen Appeals"),
    "site.tagline": ("群众诉求，件件有着落、事事有回音", "Every appeal is answered and followed through"),
    "nav.submit": ("我要反映", "Submit an appeal"),
    "nav.track": ("查询进度", "Track an appeal"),
    "nav.stats": ("数据公开", "Public statistics"),
    "nav.login": ("工作人员登录", "Staff login"),
    "nav.logout": ("退出登录", "Log out"),
    "nav.skip": ("跳到主要内容", "Skip to main content"),
    "nav.menu": ("主导航", "Main navigation"),
    "ui.lang_switch": ("English", "中文"),
    "ui.lang_switch_label": ("切换到英文", "Switch to Chinese"),
    "ui.large_text": ("大字模式", "Large text"),
    "ui.hotline": ("服务热线", "Hotline"),
    "ui.call": ("一键呼叫", "Call now"),
    "ui.submit": ("提交", "Submit"),
    "ui.form_has_errors": (
        "表单有误，请按提示修改后重新提交（未保存任何内容）",
        "Please correct the marked fields and submit again (nothing was saved)",
    ),
    "login.title": ("工作人员登录", "Staff login"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.button": ("登录", "Log in"),
    "login.failed": ("用户名或密码错误", "Wrong username or password"),
    "login.welcome": ("您已登录：", "Logged in as "),
    "error.title": ("出错了", "Something went wrong"),
    "error.csrf": (
        "页面已过期或请求来源无法验证，请刷新页面后重试。",
        "The page expired or the request could not be verified; reload the page and try again.",
    ),
    "error.not_found": ("页面不存在", "Page not found"),
    "error.back": ("返回首页", "Back to the start page"),
    "field.required": ("此项为必填项", "This field is required"),
    "field.number": ("请输入数字", "Enter a number"),
    "field.choice": ("请选择一项", "Choose one of the options"),
    "field.invalid": ("填写内容无效", "This value is not valid"),
}

# English names of the timeline steps (the Chinese ones come from appeals.status.EVENT_LABELS_ZH).
EVENT_LABELS_EN: dict[str, str] = {
    "submitted": "Received",
    "answered": "Answered directly",
    "not_accepted": "Not accepted",
    "dispatched": "Dispatched",
    "redispatched": "Re-dispatched",
    "signed": "Signed for by the unit",
    "contacted": "The unit contacted you",
    "return_approved": "Sent back for re-dispatch",
    "extension_approved": "Deadline extended",
    "deferred": "Deferred with a plan",
    "deferral_cleared": "Deferral cleared",
    "replied": "Replied",
    "visited": "Return visit",
    "reopened": "Reopened",
    "requeued": "Reopened: back to the dispatch queue",
    "closed": "Closed",
    "merged": "Merged",
    "terminated": "Terminated",
    "main_replied": "The main appeal was replied",
}


def register_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Add a domain's messages to the catalogue (keys should start with the domain name)."""
    clash = set(messages) & set(MESSAGES)
    if clash and any(MESSAGES[k] != messages[k] for k in clash):
        raise ValueError(f"message keys already defined differently: {sorted(clash)}")
    MESSAGES.update(messages)


def pick_lang(request: Request) -> str:
    value = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or ZH
    return EN if value.lower().startswith("en") else ZH


def translate(key: str, lang: str) -> str:
    zh, en = MESSAGES.get(key, (key, key))
    return en if lang == EN else zh


def bilingual(zh: str, en: str, lang: str) -> str:
    return en if lang == EN and en else zh


def event_label(kind: str, label_zh: str, lang: str) -> str:
    return EVENT_LABELS_EN.get(kind, kind.replace("_", " ").capitalize()) if lang == EN else label_zh


def split_message(message: str, lang: str) -> str:
    """Validators write "中文 / English"; show the half for the language."""
    zh, sep, en = message.partition(" / ")
    return en.strip() if sep and lang == EN else zh.strip()
