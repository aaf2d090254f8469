"""/graphql/: graphene's view with the API's authentication, CSRF rule, limits and write budget.

- ``Authorization: Bearer <token>`` authenticates like REST (and needs no CSRF token); a bad token is a
  401. Without a token the browser session is used, and a POST must carry the CSRF token.
- Documents are bounded at parse time (lexical tokens, length) and by QueryLimitsRule (depth, cost,
  introspection) before anything executes.
- Mutations sent with a token count against that token's write rate limit, as REST writes do.
"""

from __future__ import annotations

import math

from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView, HttpError
from graphql import GraphQLError, OperationType, get_operation_ast, parse, specified_rules
from graphql.execution import ExecutionResult
from rest_framework.authentication import CSRFCheck

from .authentication import InvalidToken, authenticate_secret, bearer_secret
from .graphql_limits import QueryLimitsRule, parse_limits
from .throttling import RateLimited, check_token_write

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CodedHttpError(HttpError):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        response = HttpResponse(status=status, headers=headers or {})
        super().__init__(response, message)
        self.code = code


def _csrf_failure(request) -> str | None:
    check = CSRFCheck(lambda _request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


@method_decorator(csrf_exempt, name="dispatch")  # checked below, only for session (non-token) requests
class DesignerGraphQLView(GraphQLView):
    validation_rules = (*specified_rules, QueryLimitsRule)

    def dispatch(self, request, *args, **kwargs):
        secret = bearer_secret(request.META.get("HTTP_AUTHORIZATION", "").encode("latin-1", "replace"))
        try:
            if secret is not None:
                try:
                    token = authenticate_secret(secret)
                except InvalidToken as exc:
                    raise CodedHttpError(
                        401,
                        "invalid_token",
                        str(exc.detail),
                        {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
                    ) from None
                request.user, request.auth = token.user, token
            elif request.method not in SAFE_METHODS:
                reason = _csrf_failure(request)
                if reason:
                    raise CodedHttpError(403, "csrf_failed", f"CSRF check failed: {reason}")
        except HttpError as error:
            return self._error_response(request, error)
        return super().dispatch(request, *args, **kwargs)

    def _error_response(self, request, error: HttpError) -> HttpResponse:
        response = error.response
        response["Content-Type"] = "application/json"
        response.content = self.json_encode(request, {"errors": [self.format_error(error)]})
        return response

    @staticmethod
    def format_error(error):
        if isinstance(error, CodedHttpError):
            return {"message": error.message, "extensions": {"code": error.code}}
        return GraphQLView.format_error(error)

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        if isinstance(query, str) and query:
            try:
                document = parse(query, **parse_limits())
            except GraphQLError as exc:
                if "Parsing aborted" in exc.message:  # over a size limit, not a typo
                    exc.extensions = {**(exc.extensions or {}), "code": "query_too_large"}
                return ExecutionResult(errors=[exc])
            operation = get_operation_ast(document, operation_name)
            token = getattr(request, "auth", None)
            if operation is not None and operation.operation == OperationType.MUTATION and token is not None:
                try:
                    check_token_write(token)
                except RateLimited as exc:
                    raise CodedHttpError(
                        429, "rate_limited", str(exc.detail), {"Retry-After": str(math.ceil(exc.wait or 1))}
                    ) from None
        return super().execute_graphql_request(request, data, query, variables, operation_name, show_graphiql)
