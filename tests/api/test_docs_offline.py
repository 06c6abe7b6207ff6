"""/api/v1/docs works without a network (issue 15): the Swagger UI's script and style come from ansinh's own
static files, never from a CDN, and they are served."""

import re

from django.test import Client


def test_the_api_docs_load_their_assets_from_ansinh_itself(client: Client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    assert "cdn" not in html.lower()
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 1000, asset
