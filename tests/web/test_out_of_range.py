"""An id beyond any integer column is bad input on the web pages too, never a server error."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.helpers import login

HUGE = "227555564780631328030720"


@pytest.mark.parametrize("path", [f"/kb/{HUGE}", f"/staff/admin/units/{HUGE}", f"/hotspots/{HUGE}"])
def test_a_page_asked_for_an_id_beyond_any_integer_column_answers_without_a_server_error(client, city, path):
    login(client, city.users["admin"].username, PASSWORD)
    response = client.get(path)
    # SQLite cannot bind the number (422, "out of range"); PostgreSQL compares it and finds nothing (404).
    assert response.status_code in (404, 422), response.status_code
    assert response.status_code == 404 or "数值超出范围" in response.text
