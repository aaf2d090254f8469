"""Health probe, session auth for the browser app, and the single-page app shell."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .api_errors import ApiError
from .health import health_report
from .throttling import check_sign_in


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


def _me(user) -> dict[str, object]:
    return {"id": user.pk, "username": user.get_username(), "is_staff": user.is_staff}


@extend_schema(responses={200: inline_serializer("Csrf", {"csrfToken": serializers.CharField()})})
@api_view(["GET"])
@permission_classes([AllowAny])
@authentication_classes([])
def csrf(request: Request) -> Response:
    """Sets the ``csrftoken`` cookie the browser app sends back in ``X-CSRFToken``."""
    return Response({"csrfToken": get_token(request._request)})


@extend_schema(request=LoginSerializer, responses={200: dict})
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([])
def login_view(request: Request) -> Response:
    # DRF checks CSRF only for already-authenticated sessions; signing in must be protected too
    # (login CSRF would sign a victim into an attacker's account).
    SessionAuthentication().enforce_csrf(request._request)
    data = LoginSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    check_sign_in(request, data.validated_data["username"])  # 429 before the password is even checked
    user = authenticate(request._request, **data.validated_data)
    if user is None:
        raise ApiError(
            "invalid_credentials",
            "That username and password do not match an account.",
            status_code=status.HTTP_400_BAD_REQUEST,
            field="password",
        )
    login(request._request, user)
    return Response(_me(user))


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
@permission_classes([AllowAny])
def logout_view(request: Request) -> Response:
    logout(request._request)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: dict})
@api_view(["GET"])
def me(request: Request) -> Response:
    return Response(_me(request.user))


def root(request: HttpRequest) -> HttpResponse:
    return redirect("/app/")


def spa(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every /app/ route is the same React shell; the client router takes it from there."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(
            "<!doctype html><title>ML Designer</title><h1>ML Designer</h1>"
            "<p>The web app is not built yet. Run <code>make frontend</code> (or <code>make run</code>).</p>",
            status=503,
        )
    return HttpResponse(index.read_text(), content_type="text/html; charset=utf-8")
