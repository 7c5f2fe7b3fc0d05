"""What a client may send for a task: the limits of server/src/tasks/task-input.ts. The owner is never part
of the input (extra fields are refused): it comes from the verified token only. Strict types: pydantic 1
would otherwise turn 5 into "5" and "yes" into True."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from pydantic import BaseModel, StrictBool, StrictStr, validator

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000


def clean_title(value: Optional[str]) -> str:
    if value is None:
        raise ValueError("Title is required.")
    value = value.strip()
    if not value:
        raise ValueError("Title is required.")
    if len(value) > TITLE_MAX:
        raise ValueError(f"Title must be at most {TITLE_MAX} characters.")
    return no_nul(value)


def clean_description(value: Optional[str]) -> Optional[str]:
    if value is not None and len(value) > DESCRIPTION_MAX:
        raise ValueError(f"Description must be at most {DESCRIPTION_MAX} characters.")
    return None if value is None else no_nul(value)


def no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refused here as input, not failed there as an internal error.
    if "\x00" in value:
        raise ValueError("Text must not contain NUL characters.")
    return value


def clean_due_at(value: Any) -> Any:
    """An ISO 8601 string with an offset (as the GraphQL DateTime), stored as naive UTC to the millisecond."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("dueAt must be a date and time.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as error:
        raise ValueError("dueAt must be a date and time.") from error
    if parsed.tzinfo is None:
        raise ValueError("dueAt must name its time zone (e.g. 2026-12-31T17:00:00Z).")
    utc = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


class CreateTask(BaseModel):
    title: StrictStr
    description: Optional[StrictStr] = None
    dueAt: Optional[datetime] = None

    class Config:
        extra = "forbid"

    _title = validator("title", allow_reuse=True)(clean_title)
    _description = validator("description", allow_reuse=True)(clean_description)
    _due_at = validator("dueAt", pre=True, allow_reuse=True)(clean_due_at)


class UpdateTask(BaseModel):
    """Absent fields stay as they are; a null description or dueAt clears it; a null title or completed is refused."""

    title: Optional[StrictStr] = None
    description: Optional[StrictStr] = None
    dueAt: Optional[datetime] = None
    completed: Optional[StrictBool] = None

    class Config:
        extra = "forbid"

    _title = validator("title", allow_reuse=True)(clean_title)
    _description = validator("description", allow_reuse=True)(clean_description)
    _due_at = validator("dueAt", pre=True, allow_reuse=True)(clean_due_at)

    # pydantic 1 skips the validators above for None; these run first and refuse it.
    @validator("title", pre=True)
    def title_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Title is required.")
        return value

    @validator("completed", pre=True)
    def completed_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("completed must be true or false.")
        return value

    def changes(self) -> dict[str, Any]:
        given = self.__fields_set__
        changes: dict[str, Any] = {name: getattr(self, name) for name in ("title", "completed", "dueAt") if name in given}
        if "description" in given:
            changes["description"] = self.description or ""
        return changes
