"""A signed-in test client for the web app: the pages' own login form, their CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf": token, "next": "/documents"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    page = client.get("/account")
    return re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)[1]
