from httpx import AsyncClient as AsyncTestClient


async def test_home_page_full_and_fragment(client: AsyncTestClient) -> None:
    full = await client.get("/")
    assert full.status_code == 200
    assert "<html" in full.text and 'id="main"' in full.text
    fragment = await client.get("/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "The city&#39;s AI startup hub" in fragment.text or "The city's AI startup hub" in fragment.text


async def test_health_reports_database_and_jobs(client: AsyncTestClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["jobs"]["queued"] == 0
