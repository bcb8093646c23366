"""A chat conversation's state, kept in the database so restarts and several workers lose nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import JSON_TYPE, AwareDateTime, Base, JsonDict


class Conversation(Base):
    """Where one chat stands in the conversation engine: the step, the draft and the language.

    ``ask_seq`` grows every time a question is asked; choices carry it, so a button from an old
    question is recognised as stale instead of being applied to the current one. ``version`` guards
    against two workers updating the same chat at once (optimistic locking). The repository loads and
    saves it explicitly (``ConversationRepository.save``): it is read and written on every turn.
    """

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    commune_id: Mapped[int | None] = mapped_column(default=None)
    citizen_id: Mapped[int | None] = mapped_column(default=None)
    language: Mapped[str | None] = mapped_column(String(5), default=None)
    language_source: Mapped[str | None] = mapped_column(String(20), default=None)
    draft: Mapped[JsonDict] = mapped_column(JSON_TYPE, default_factory=dict)
    draft_started_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), default=None)
    ask_seq: Mapped[int] = mapped_column(default=0)
    # The citizen blocked the bot from this chat; cleared when they write again.
    unreachable: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1, init=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
