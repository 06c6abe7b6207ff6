"""How API callers sign in: a personal API token as ``Authorization: Bearer …`` (core.services.token_authenticate).
Apart from api/main.py so that an app's router may name it for an operation (the field kit's sync) without a cycle."""

from __future__ import annotations

from ninja.security import HttpBearer

from ansinh.core.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user
