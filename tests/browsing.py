"""Steps the browser tests share."""

from __future__ import annotations

from factories import PASSWORD


def sign_in(page, url: str, username: str, password: str = PASSWORD) -> None:
    """Signs ``username`` in on the login page of the server at ``url`` (with the factories' password unless told
    another)."""
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
