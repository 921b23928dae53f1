def test_the_openapi_schema_describes_every_endpoint(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Townhall API"
    assert schema["info"]["version"] == "1"
    paths = schema["paths"]
    assert set(paths) >= {
        "/api/v1/members",
        "/api/v1/members/{member_id}",
        "/api/v1/activities",
        "/api/v1/sources",
    }
    assert set(paths["/api/v1/activities"]) == {"get", "post"}
    components = schema["components"]
    assert components["securitySchemes"]["ApiAuth"] == {"type": "http", "scheme": "bearer"}
    for name in (
        "MemberPage",
        "MemberOut",
        "IdentityOut",
        "ActivityPage",
        "IngestOut",
        "SourceList",
    ):
        assert name in components["schemas"], name


def test_the_batch_body_is_documented_with_the_import_format(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/activities"]["post"]["requestBody"]
    options = body["content"]["application/json"]["schema"]["oneOf"]
    assert options[0]["items"] == {"$ref": "#/components/schemas/ActivityRecordIn"}
    assert options[0]["maxItems"] == 10_000
    record = schema["components"]["schemas"]["ActivityRecordIn"]
    assert set(record["required"]) == {"source", "external_id", "kind", "occurred_at", "actor"}
    assert "PersonIn" in schema["components"]["schemas"]
    responses = schema["paths"]["/api/v1/activities"]["post"]["responses"]
    assert {"200", "400", "401", "403", "413"} <= set(responses)


def test_the_member_detail_documents_the_merge_redirect(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/members/{member_id}"]["get"]["responses"]
    assert responses["307"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MergedOut"
    }


def test_the_docs_page_loads(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content
