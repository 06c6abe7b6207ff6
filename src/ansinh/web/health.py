"""For a load balancer (issue 12): /healthz says the process answers; /readyz says it can serve — the database
answers, every migration is applied, and the card-signing key is there. JSON, no sign-in, nothing personal."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _migrations() -> bool:
    try:
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False


def _signing_key() -> bool:
    from ansinh.cards import signing

    return (signing.keys_dir() / signing.PRIVATE_NAME).is_file()


@never_cache
def readyz(request):
    checks = {"database": _database()}
    checks["migrations"] = checks["database"] and _migrations()
    checks["signing_key"] = _signing_key()
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
