"""Builders of Telegram update JSON, as the Bot API sends them."""

from __future__ import annotations

import itertools
import time
from typing import Any

_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


def user(user_id: int, language_code: str | None = "vi", first_name: str = "Người dân") -> dict[str, Any]:
    result: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        result["language_code"] = language_code
    return result


def private_chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Người dân"}


def message(chat_id: int, *, language_code: str | None = "vi", **content: Any) -> dict[str, Any]:
    body = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": private_chat(chat_id),
        "from": user(chat_id, language_code),
        **content,
    }
    return {"message": body}


def text(chat_id: int, value: str, **options: Any) -> dict[str, Any]:
    return message(chat_id, text=value, **options)


def contact(chat_id: int, phone: str, *, own: bool = True) -> dict[str, Any]:
    shared = {"phone_number": phone, "first_name": "An", "user_id": chat_id if own else chat_id + 1}
    return message(chat_id, contact=shared)


def location(chat_id: int, latitude: float, longitude: float) -> dict[str, Any]:
    return message(chat_id, location={"latitude": latitude, "longitude": longitude})


def photo(chat_id: int, file_id: str = "photo-1", caption: str | None = None) -> dict[str, Any]:
    sizes = [
        {"file_id": f"{file_id}-s", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 1200},
        {"file_id": file_id, "file_unique_id": "m", "width": 1280, "height": 960, "file_size": 180_000},
    ]
    extra = {"caption": caption} if caption else {}
    return message(chat_id, photo=sizes, **extra)


def document(chat_id: int, name: str, mime: str, size: int = 50_000) -> dict[str, Any]:
    doc = {
        "file_id": f"doc-{name}",
        "file_unique_id": name,
        "file_name": name,
        "mime_type": mime,
        "file_size": size,
    }
    return message(chat_id, document=doc)


def sticker(chat_id: int) -> dict[str, Any]:
    return message(
        chat_id,
        sticker={
            "file_id": "st",
            "file_unique_id": "st",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        },
    )


def voice(chat_id: int) -> dict[str, Any]:
    return message(chat_id, voice={"file_id": "v", "file_unique_id": "v", "duration": 3})


def edited(chat_id: int, value: str) -> dict[str, Any]:
    body = text(chat_id, value)["message"]
    body["edit_date"] = int(time.time())
    return {"edited_message": body}


def callback(chat_id: int, data: str, message_id: int, *, language_code: str | None = "vi") -> dict[str, Any]:
    return {
        "callback_query": {
            "id": f"cb-{next(_callback_ids)}",
            "from": user(chat_id, language_code),
            "chat_instance": f"ci-{chat_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": private_chat(chat_id),
                "text": "…",
            },
        }
    }


def member_status(chat_id: int, status: str) -> dict[str, Any]:
    """my_chat_member: ``kicked`` when the user blocks the bot, ``member`` when they unblock it."""
    bot = {"id": 7000000001, "is_bot": True, "first_name": "Nghe Dân"}
    return {
        "my_chat_member": {
            "chat": private_chat(chat_id),
            "from": user(chat_id),
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": {"status": status, "user": bot, "until_date": 0}
            if status == "kicked"
            else {"status": status, "user": bot},
        }
    }


def group_chat(chat_id: int, title: str = "Văn phòng UBND xã") -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": title}


def group_text(chat_id: int, user_id: int, value: str, *, reply_to: int | None = None) -> dict[str, Any]:
    """A member writing in a group; ``reply_to`` answers one of the bot's messages (its id)."""
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": group_chat(chat_id),
        "from": user(user_id, "vi", first_name="Cán bộ"),
        "text": value,
    }
    if reply_to is not None:
        body["reply_to_message"] = {
            "message_id": reply_to,
            "date": int(time.time()),
            "chat": group_chat(chat_id),
            "from": {"id": 7000000001, "is_bot": True, "first_name": "Nghe Dân"},
            "text": "…",
        }
    return {"message": body}


def group_callback(chat_id: int, user_id: int, data: str, message_id: int) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": f"cb-{next(_callback_ids)}",
            "from": user(user_id, "vi", first_name="Cán bộ"),
            "chat_instance": f"ci-{chat_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": group_chat(chat_id),
                "text": "…",
            },
        }
    }


def removed_from_group(chat_id: int, by_user: int, status: str = "kicked") -> dict[str, Any]:
    """my_chat_member in a group: someone removed the bot (``kicked``), or it left (``left``)."""
    bot = {"id": 7000000001, "is_bot": True, "first_name": "Nghe Dân"}
    new: dict[str, Any] = {"status": status, "user": bot}
    if status == "kicked":
        new["until_date"] = 0
    return {
        "my_chat_member": {
            "chat": group_chat(chat_id),
            "from": user(by_user, "vi", first_name="Cán bộ"),
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": new,
        }
    }


def group_migrated(chat_id: int, to_chat_id: int, by_user: int) -> dict[str, Any]:
    """The service message in a group that was upgraded to a supergroup with a new id."""
    return {
        "message": {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "group", "title": "Văn phòng UBND xã"},
            "from": user(by_user, "vi", first_name="Cán bộ"),
            "migrate_to_chat_id": to_chat_id,
        }
    }
