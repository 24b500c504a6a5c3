"""/api/v1/categories/{code}/attributes (the open311 module's API): admins edit a category's questions and
Open311 publishes them."""

from __future__ import annotations


def test_admins_edit_a_categorys_questions_and_open311_publishes_them(client, db, city, make_key):
    from lianxin.defaults import category_by_path

    code = category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障").code
    admin = make_key("admin", "city")
    body = {
        "datatype": "singlevaluelist",
        "description": "灯杆是否倾斜",
        "required": True,
        "values": [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}],
    }
    put = client.put(f"/api/v1/categories/{code}/attributes/tilt", json=body, headers=admin)
    assert put.status_code == 200 and put.json()["order"] == 1
    assert (
        client.put(f"/api/v1/categories/{code}/attributes/tilt", json=body, headers=make_key("dispatcher")).status_code
        == 403
    )
    bad = client.put(f"/api/v1/categories/{code}/attributes/tilt", json=body | {"values": []}, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "values"
    listed = client.get(f"/api/v1/categories/{code}/attributes", headers=make_key("handler", "street")).json()
    assert [a["code"] for a in listed] == ["tilt"]
    definition = client.get(f"/open311/v2/services/{code}.json", params={"jurisdiction_id": city.jurisdiction.code})
    assert definition.json()["attributes"][0]["code"] == "tilt"
    assert client.delete(f"/api/v1/categories/{code}/attributes/tilt", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/categories/{code}/attributes/tilt", headers=admin).status_code == 404
    assert client.get("/api/v1/categories/NOPE/attributes", headers=admin).status_code == 404
