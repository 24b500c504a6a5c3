def demo_hook(session, city) -> str:
    return ""
