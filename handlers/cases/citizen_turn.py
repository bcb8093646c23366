"""One turn of a conversation: the state loaded for one incoming event and the replies it produces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from handlers.cases.desk import Desk
from handlers.cases.draft import Draft
from handlers.cases.services import Office
from handlers.kernel.catalogue import Catalogue
from handlers.kernel.catalogue.keys import Msg
from handlers.kernel.config import IntakeConfig
from handlers.kernel.events import ChatEvent
from handlers.kernel.formatting import format_date, format_datetime
from handlers.kernel.labels import KIND_LABELS, KIND_NOUNS, STATUS_LABELS, commune_in_sentence
from handlers.kernel.mail import Mailbox
from handlers.kernel.ports import UnitOfWork
from handlers.kernel.replies import Choice, InputRequest, Reply
from models.citizen import Citizen
from models.commune import Commune, PetitionField, Village
from models.conversation import Conversation
from models.enums import CaseKind, CaseStatus

# Sentences that speak of something only some channels offer: the ability, and the sentence without it.
TYPED_FORMS: dict[Msg, tuple[str, Msg]] = {
    Msg.COMMON_EXPECTS_CHOICE: ("buttons", Msg.COMMON_EXPECTS_CHOICE_TYPED),
    Msg.HELP_CHOOSE: ("buttons", Msg.HELP_CHOOSE_TYPED),
    Msg.LOCATION_ASK: ("location", Msg.LOCATION_ASK_TYPED),
    Msg.COMMON_EXPECTS_LOCATION: ("location", Msg.COMMON_EXPECTS_LOCATION_TYPED),
    Msg.IDENTITY_PHONE_ASK: ("contact", Msg.IDENTITY_PHONE_ASK_TYPED),
    Msg.COMMON_EXPECTS_PHONE: ("contact", Msg.COMMON_EXPECTS_PHONE_TYPED),
    Msg.CONFERENCE_ASK_PHONE: ("contact", Msg.CONFERENCE_ASK_PHONE_TYPED),
    Msg.CONFERENCE_EXPECTS_PHONE: ("contact", Msg.CONFERENCE_EXPECTS_PHONE_TYPED),
    Msg.ATTACHMENTS_ASK: ("documents", Msg.ATTACHMENTS_ASK_PHOTOS),
}


class Turn:
    """The state of one chat for the length of one event, plus the replies being written to it."""

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        event: ChatEvent,
        conversation: Conversation,
        commune: Commune | None,
        catalogue: Catalogue,
        config: IntakeConfig,
        now: datetime,
        channel_key: Msg,
        office: Office | None = None,
    ) -> None:
        self.uow = uow
        self.office = office
        self.mail = Mailbox(uow, event_key=event.event_key, now=now)
        self.event = event
        self.conversation = conversation
        self.commune = commune
        self._citizen: Citizen | None = None
        self._citizen_loaded = False
        self.catalogue = catalogue
        self.config = config
        self.now = now
        self.channel_key = channel_key
        self.draft = Draft.from_json(conversation.draft)
        self.started_step = conversation.step  # where the event found the conversation
        self.replies: list[Reply] = []
        self.submitting = False
        self.case_id: int | None = None
        self.is_new = False  # first event ever seen from this chat
        self._fields: Sequence[PetitionField] | None = None
        self._villages: Sequence[Village] | None = None

    # -- language and text -------------------------------------------------------------------------
    @property
    def language(self) -> str:
        return self.conversation.language or "vi"

    def set_language(self, language: str, source: str) -> None:
        self.conversation.language = language
        self.conversation.language_source = source
        if self._citizen is not None:
            self._citizen.language = language

    def t(self, key: Msg, **params: object) -> str:
        """The sentence in the citizen's language and the commune's words — in its typed form where the
        channel cannot do what it would ask (press a button, share a place or a phone number, send a file)."""
        variant = TYPED_FORMS.get(key)
        if variant is not None and not getattr(self.event.surface, variant[0]):
            key = variant[1]
        defaults: dict[str, object] = {"channel": self.catalogue.text(self.language, self.channel_key)}
        if self.commune is not None:
            defaults["commune"] = (
                commune_in_sentence(self.commune) if self.language == "vi" else self.commune.name
            )
            defaults["hotline"] = self.commune.hotline
        defaults.update(params)
        return self.catalogue.text(self.language, key, **defaults)

    def say(self, key: Msg, **params: object) -> None:
        self.replies.append(Reply(self.t(key, **params), language=self.language))

    def say_text(self, text: str) -> None:
        self.replies.append(Reply(text, language=self.language))

    def greet(self) -> None:
        """The welcome; on a channel that lists no commands itself (Zalo, the console), with what to type."""
        self.say(Msg.COMMON_GREETING)
        if not self.event.command_menu:
            self.say(Msg.COMMON_TYPE_HELP)

    def ask(
        self,
        text: str,
        choices: Sequence[Choice] = (),
        *,
        request: InputRequest | None = None,
        request_label: str = "",
    ) -> None:
        """Send a question; its choices carry a fresh ``ask_seq`` so older buttons become stale."""
        self.conversation.ask_seq += 1
        self.replies.append(
            Reply(
                text,
                tuple(choices),
                ask_seq=self.conversation.ask_seq,
                request=request,
                request_label=request_label,
                language=self.language,
            )
        )

    def when(self, moment: datetime) -> str:
        return format_datetime(self.catalogue, self.language, moment)

    def day(self, moment: date | datetime) -> str:
        return format_date(self.catalogue, self.language, moment)

    def kind_label(self, kind: CaseKind) -> str:
        return self.t(KIND_LABELS[kind])

    def kind_noun(self, kind: CaseKind) -> str:
        return self.t(KIND_NOUNS[kind])

    def status_label(self, status: CaseStatus) -> str:
        return self.t(STATUS_LABELS[status])

    # -- state -------------------------------------------------------------------------------------
    @property
    def step(self) -> str:
        return self.conversation.step

    async def fields(self) -> Sequence[PetitionField]:
        if self._fields is None:
            self._fields = await self.uow.communes.fields(self._commune_id()) if self.commune else []
        return self._fields

    async def villages(self) -> Sequence[Village]:
        if self._villages is None:
            self._villages = await self.uow.communes.villages(self._commune_id()) if self.commune else []
        return self._villages

    async def field_label(self, slug: str | None) -> str:
        for item in await self.fields():
            if item.slug == slug:
                return item.label_for(self.language)
        return slug or ""

    async def village_name(self, village_id: int | None) -> str | None:
        for village in await self.villages():
            if village.id == village_id:
                return village.name
        return None

    def _commune_id(self) -> int:
        if self.commune is None:
            raise RuntimeError("no commune chosen for this conversation")
        return self.commune.id

    @property
    def citizen_id(self) -> int | None:
        return self.conversation.citizen_id

    async def citizen(self) -> Citizen | None:
        """The citizen behind this chat in this commune, loaded only by the steps that need it."""
        if not self._citizen_loaded:
            self._citizen_loaded = True
            if self.commune is not None and self.conversation.citizen_id is not None:
                self._citizen = await self.uow.citizens.get(self.commune.id, self.conversation.citizen_id)
                if self._citizen is not None and self._citizen.language != self.language:
                    self._citizen.language = self.language
        return self._citizen

    def use_citizen(self, citizen: Citizen | None) -> None:
        self._citizen, self._citizen_loaded = citizen, True
        self.conversation.citizen_id = citizen.id if citizen else None

    async def ensure_citizen(self) -> Citizen:
        """The citizen behind this chat, created on first need (never before a commune is chosen)."""
        citizen = await self.citizen()
        if citizen is None:
            citizen = Citizen(
                commune_id=self._commune_id(),
                channel=self.event.channel,
                account_id=self.event.sender_id,
                chat_id=self.event.chat_id,
                language=self.language,
                created_at=self.now,
            )
            await self.uow.citizens.add(citizen)
            self.use_citizen(citizen)
        return citizen

    def desk(self) -> Desk | None:
        """The office desk, to post a card or notify staff from a citizen's turn (None without an office)."""
        if self.office is None or self.commune is None:
            return None
        return Desk(
            uow=self.uow,
            catalogue=self.catalogue,
            office=self.office,
            mail=self.mail,
            now=self.now,
            commune=self.commune,
        )

    def reset_draft(self, draft: Draft | None = None) -> None:
        self.draft = draft or Draft()
        self.conversation.draft_started_at = self.now if draft is not None else None

    def save(self) -> None:
        self.conversation.draft = self.draft.to_json()
        self.conversation.updated_at = self.now
