"""Open311 test harness: every GET is fetched as .json and .xml; the JSON is validated against the
GeoReport v2 schemas (tests/fixtures/open311) and the XML is parsed and must carry the same data."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from lianxin.api.keys import create_api_key

SCHEMAS = json.loads((Path(__file__).parent.parent / "fixtures" / "open311" / "georeport-v2.json").read_text())
LIST_TAGS = {"services", "service_requests", "errors", "attributes", "values", "endpoints", "formats", "notes"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def validate(name: str, data) -> None:
    schema = {"$ref": f"#/$defs/{name}", "$defs": SCHEMAS["$defs"]}
    jsonschema_rs.validator_for(schema, validate_formats=True).validate(data)


def xml_data(element):
    if element.tag in LIST_TAGS:
        return [xml_data(child) for child in element]
    if len(element):
        return {child.tag: xml_data(child) for child in element}
    return element.text or ""


def as_text(value):
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_xml(response) -> ElementTree.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(XML_DECLARATION)
    return ElementTree.fromstring(response.content)


class Open311:
    def __init__(self, client: TestClient, jurisdiction: str):
        self.client, self.defaults = client, {"jurisdiction_id": jurisdiction}

    def get(self, path: str, schema: str, expect: int = 200, **params):
        """GET ``path`` in both formats; returns the JSON data (checked against ``schema`` or ``errors``)."""
        params = self.defaults | params
        as_json = self.client.get(f"/open311/v2/{path}.json", params=params)
        as_xml = self.client.get(f"/open311/v2/{path}.xml", params=params)
        assert as_json.status_code == as_xml.status_code == expect, (as_json.text, as_xml.text)
        assert as_json.headers["content-type"] == "application/json; charset=utf-8"
        data = as_json.json()
        validate(schema if expect == 200 else "errors", data)
        assert xml_data(parse_xml(as_xml)) == as_text(data)
        return data

    def post(self, form: dict | list, expect: int = 200, fmt: str = "json", files=None, headers=None):
        form = self.defaults | form
        response = self.client.post(f"/open311/v2/requests.{fmt}", data=form, files=files, headers=headers)
        assert response.status_code == expect, response.text
        if fmt == "xml":
            root = parse_xml(response)
            return xml_data(root)
        data = response.json()
        validate("post_response" if expect == 200 else "errors", data)
        return data


@pytest.fixture
def o311(app, city):
    """Requests name the test city's jurisdiction (other tests' jurisdictions may share the database)."""
    with TestClient(app) as client:
        yield Open311(client, city.jurisdiction.code)


@pytest.fixture
def api_key(db, city):
    _, secret = create_api_key(db, jurisdiction_id=city.jid, name="市民App", channel="mobile")
    return secret
