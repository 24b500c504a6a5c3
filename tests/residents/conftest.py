from tests.web.conftest import app, client  # noqa: F401  (the web fixtures: an app on the test's session)
