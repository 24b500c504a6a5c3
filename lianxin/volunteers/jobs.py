def send_reminders(session, settings=None, now=None) -> int:
    return 0
