"""The application: one store per process (`state.Service`), the routes of `api.py` and
`pages.py`, and errors as people and programs read them (never a traceback)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from thidua.service import api, pages
from thidua.service.auth import KeyFolder, Keys, OpenStore, Verifier
from thidua.service.state import Failure, Service, Settings

log = logging.getLogger("thidua.service")


def create_app(settings: Settings | None = None, keys: Keys | None = None) -> FastAPI:
    """The application for one store (`uvicorn --factory thidua.service.app:create_app` reads the
    settings from the environment that `thidua serve` sets)."""
    settings = settings or Settings.from_env()
    if keys is None and settings.keys:
        keys = KeyFolder(settings.keys)
    service = Service(settings, keys or OpenStore())
    if keys is None:  # the log's own actors (issue 17): enforcing as soon as `thidua init` made the store so
        from thidua.actors.gate import StoreKeys

        service.keys = StoreKeys(settings.db, lambda: service.ctx.plugins)
        service.verifier = Verifier(service.keys)
    app = FastAPI(
        title="thidua",
        version="1",
        summary="Thi đua – khen thưởng: events in, decisions out (CONTRACT.md §3)",
        description=(
            "Documents are the engine's own JSON, byte for byte what `thidua … --format json` prints "
            "for the same log position. Errors: `{error, exit_code}` (and `problems` for bad lines); "
            "the exit code is the command line's."
        ),
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service

    @app.middleware("http")
    async def store_mode(request: Request, call_next: Any) -> Response:
        try:
            response = await call_next(request)
        except Exception as exc:  # logged here with its traceback; the answer never carries one
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            response = await failure(
                request, Failure(500, 1, f"internal error ({type(exc).__name__}); see the server's log")
            )
        response.headers["X-Thidua-Store"] = service.mode
        return response

    @app.exception_handler(Failure)
    async def failure(request: Request, exc: Failure) -> Response:
        if request.url.path.startswith("/v1/"):
            return JSONResponse(exc.body(), status_code=exc.status)
        return pages.error_page(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"key": ".".join(str(p) for p in e.get("loc", ())[1:]) or "(request)", "reason": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['key']}: {p['reason']}" for p in problems)
        failure_ = Failure(422 if request.url.path.startswith("/v1/") else 400, 2, message, problems=problems)
        return await failure(request, failure_)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return await failure(request, Failure(exc.status_code, 2, str(exc.detail)))

    app.include_router(api.router)
    app.include_router(pages.router)
    pages.mount_static(app)
    return app
