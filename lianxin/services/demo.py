def seed_demo(session, city):
    pass
