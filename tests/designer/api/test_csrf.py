"""Every unsafe route refuses a signed-in browser session without the CSRF token, and accepts the same
request with an API token and no CSRF token at all (a browser never sends the token by itself)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve

from tests.designer.api import world as w

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_user_model, tmp_path) -> w.World:
    return w.build_world(django_user_model, tmp_path)


def allowed_methods(path: str) -> set[str] | None:
    func = resolve(path).func
    if hasattr(func, "actions"):  # a viewset route: the router's method -> action map
        return {m.upper() for m in func.actions}
    view = getattr(func, "cls", None) or getattr(func, "view_class", None)
    if view is not None:
        return {m.upper() for m in view.http_method_names if hasattr(view, m)}
    return None  # a plain function view: it decides itself


def unsafe_requests(world: w.World):
    """One URL per route (Alice's first identifier for each parameter) and each unsafe method."""
    seen = set()
    for template, url in w.concrete_urls(world):
        if template in seen:
            continue
        seen.add(template)
        allowed = allowed_methods(url)
        for method in w.UNSAFE:
            if allowed is None or method.upper() in allowed:
                yield template, url, method


def is_csrf_refusal(response) -> bool:
    if response.status_code != 403:
        return False
    body = response.content.decode("utf-8", "replace")
    return "CSRF" in body or "csrf" in body


def test_session_writes_need_the_csrf_token_on_every_route(world) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.alice)
    before = w.snapshot(world)
    families, problems = set(), []
    for template, url, method in unsafe_requests(world):
        response = getattr(browser, method)(url, {"name": "x"}, content_type="application/json")
        families.add((template, method))
        if not is_csrf_refusal(response):
            problems.append(f"{method.upper()} {url}: {response.status_code} {response.content[:120]!r}")
    graphql = browser.post(
        "/graphql/",
        {"query": 'mutation { cancelRun(id: "x") { run { id } } }'},
        content_type="application/json",
    )
    if not is_csrf_refusal(graphql):
        problems.append(f"POST /graphql/: {graphql.status_code}")
    assert not problems, "\n".join(problems)
    assert len(families) >= 20
    assert w.snapshot(world) == before


def test_token_writes_need_no_csrf_token(world) -> None:
    api = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {world.token}"})
    problems = []
    for _template, url, method in unsafe_requests(world):
        if "/auth/" in url:
            continue  # sign-in, sign-up and sign-out are about the browser session
        response = getattr(api, method)(url, {"name": "x"}, content_type="application/json")
        if is_csrf_refusal(response) or response.status_code == 401:
            problems.append(f"{method.upper()} {url}: {response.status_code} {response.content[:120]!r}")
    assert not problems, "\n".join(problems)
