"""The admin page (`/admin`) and its API (`/api/admin/...`): documents per scope, upload,
delete, re-index with progress, and the audit log.

The page itself is static (ui/static/admin.html); its script calls the API with the
administrator's key, or with nothing extra behind single sign-on, where the proxy adds the
identity to every request. So there is no session cookie, and no cross-site request can act
as an administrator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from corpus.scopes import SHARED
from ui.admin import AdminError, Library, ReindexJob
from ui.door import Door
from ui.identity import Identity

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"admin.css": "text/css", "admin.js": "text/javascript"}
NOT_ADMIN = ("administrators only: sign in through the intranet as an administrator, or use "
             "a key named in TALENTHUB_ADMINS")


UploadedFile = Annotated[UploadFile, File(description="The document.")]
ScopeField = Annotated[str, Form(description="'shared' or a partner name.")]
ReplaceField = Annotated[bool, Form(description="Replace a document of the same name.")]


def admin_only(door: Door) -> Callable[..., Identity]:
    """A dependency: the caller, who must administer something (else 403)."""
    def dependency(who: Identity = Depends(door.caller)) -> Identity:
        if not who.is_admin:
            raise HTTPException(403, NOT_ADMIN)
        return who

    return dependency


def page_routes(router: APIRouter, path: str) -> None:
    """The admin page's static shell at `path`; its script shows the view the path names.
    Every view lives under `/admin/`, so that relative links (assets, each other, the API)
    work under any `--root-path`."""
    @router.get(path, include_in_schema=False)
    def shell() -> FileResponse:
        return FileResponse(STATIC / "admin.html", media_type="text/html")


def admin_router(door: Door, library: Library, job: ReindexJob) -> APIRouter:
    router = APIRouter(tags=["admin"])
    admin = admin_only(door)
    page_routes(router, "/admin/")

    @router.get("/admin", include_in_schema=False)
    def to_admin() -> RedirectResponse:
        return RedirectResponse("admin/")

    @router.get("/admin/static/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(404, "not found")
        return FileResponse(STATIC / name, media_type=ASSETS[name])

    @router.get("/api/admin/documents")
    def documents(who: Identity = Depends(admin)) -> dict[str, Any]:
        """Documents per scope with their status, and what the caller may change."""
        listing = library.listing(who)
        return {"user": who.user, "administers": who.admin,
                "writable": [s for s in listing if who.administers(s)],
                "new_partners": who.administers_all,
                "max_mb": library.settings.upload_max_mb,
                "scopes": {scope: [e.to_dict() for e in entries]
                           for scope, entries in listing.items()}}

    @router.post("/api/admin/documents", status_code=201)
    def upload(request: Request, file: UploadedFile, scope: ScopeField = SHARED,
               replace: ReplaceField = False,
               who: Identity = Depends(admin)) -> dict[str, str]:
        """Add a document to a scope's folder (it joins answers at the next re-index)."""
        declared = int(request.headers.get("content-length") or 0)
        if declared > library.max_bytes + 65_536:  # refuse before reading it all
            raise HTTPException(413, f"the upload is {declared / 1e6:.1f} MB; the limit is "
                                     f"{library.max_bytes / 1e6:.0f} MB")
        data = file.file.read(library.max_bytes + 1)
        with admin_errors():
            path = library.upload(who, scope, file.filename or "", data, replace=replace)
        return {"path": path}

    @router.delete("/api/admin/documents", status_code=204)
    def delete(scope: Annotated[str, Query()], path: Annotated[str, Query()],
               who: Identity = Depends(admin)) -> Response:
        """Delete a document file (it leaves answers at the next re-index)."""
        with admin_errors():
            library.delete(who, scope, path)
        return Response(status_code=204)

    @router.post("/api/admin/reindex", status_code=202)
    def reindex(who: Identity = Depends(admin)) -> dict[str, Any]:
        """Start a re-index in the background; poll GET for its progress."""
        with admin_errors():
            return job.start(who)

    @router.get("/api/admin/reindex")
    def progress(who: Identity = Depends(admin)) -> dict[str, Any]:
        return job.status(who)

    @router.get("/api/admin/audit")
    def audit_log(who: Identity = Depends(admin)) -> list[dict[str, Any]]:
        """The latest admin actions: who, what, when."""
        return library.audit_log(who)

    return router


@contextmanager
def admin_errors() -> Iterator[None]:
    """`AdminError` as an HTTP error with its status and one-line message."""
    try:
        yield
    except AdminError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
