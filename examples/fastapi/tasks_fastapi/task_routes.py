"""The Task routes (issue 30 item 2; DESIGN.md "Contract"). Every route is behind get_current_user (the
router's dependency), and the owner of every read and write is the verified token's `sub`, nothing else.
Routes are plain `def`s: FastAPI runs them in its thread pool, where the blocking psycopg calls belong.
"""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status

from .auth import get_current_user
from .task_input import CreateTask, UpdateTask
from .task_store import InvalidCursor, TaskStore, decode_cursor, iso
from .token_verifier import Viewer

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100

router = APIRouter(dependencies=[Depends(get_current_user)])


def task_store(request: Request) -> TaskStore:
    return request.app.state.task_store


def not_found() -> HTTPException:
    # The same answer for a task that does not exist and one that is not yours: existence is never revealed.
    return HTTPException(status_code=404, detail="NOT_FOUND")


def task_json(row: dict[str, Any]) -> dict[str, Any]:
    """The GraphQL Task type's names; never the owner."""
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "completed": row["completed"],
        "dueAt": iso(row["dueAt"]),
        "createdAt": iso(row["createdAt"]),
        "updatedAt": iso(row["updatedAt"]),
    }


@router.get("/me")
def me(viewer: Viewer = Depends(get_current_user)) -> dict[str, str]:
    return {"id": viewer.user_id, "role": viewer.role}


@router.get("/tasks")
def list_tasks(
    limit: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX),
    cursor: Optional[str] = Query(None, max_length=1024),
    viewer: Viewer = Depends(get_current_user),
    store: TaskStore = Depends(task_store),
) -> dict[str, Any]:
    try:
        after = decode_cursor(cursor) if cursor else None
    except InvalidCursor:
        raise HTTPException(status_code=422, detail="cursor is not one this API handed out") from None
    items, next_cursor = store.page(viewer.user_id, limit, after)
    return {"items": [task_json(row) for row in items], "nextCursor": next_cursor}


@router.post("/tasks", status_code=status.HTTP_201_CREATED)
def create_task(body: CreateTask, viewer: Viewer = Depends(get_current_user), store: TaskStore = Depends(task_store)) -> dict[str, Any]:
    return task_json(store.create(viewer.user_id, body.title, body.description or "", body.dueAt))


@router.get("/tasks/{task_id}")
def get_task(task_id: str, viewer: Viewer = Depends(get_current_user), store: TaskStore = Depends(task_store)) -> dict[str, Any]:
    row = store.find(viewer.user_id, task_id)
    if row is None:
        raise not_found()
    return task_json(row)


@router.patch("/tasks/{task_id}")
def update_task(
    task_id: str, body: UpdateTask, viewer: Viewer = Depends(get_current_user), store: TaskStore = Depends(task_store)
) -> dict[str, Any]:
    row = store.update(viewer.user_id, task_id, body.changes())
    if row is None:
        raise not_found()
    return task_json(row)


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_task(task_id: str, viewer: Viewer = Depends(get_current_user), store: TaskStore = Depends(task_store)) -> Response:
    if not store.delete(viewer.user_id, task_id):
        raise not_found()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
