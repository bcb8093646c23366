"""Keys of the message catalogue. Code names a sentence by key; the sentence lives in the TOML files."""

from __future__ import annotations

from enum import StrEnum


class Msg(StrEnum):
    """Every user-facing sentence, by key (``section.name`` in ``vi.toml`` / ``en.toml``)."""

    # common
    COMMON_GREETING = "common.greeting"
    COMMON_MENU = "common.menu"
    COMMON_MENU_FILE = "common.menu_file"
    COMMON_MENU_TRACK = "common.menu_track"
    COMMON_MENU_MINE = "common.menu_mine"
    COMMON_MENU_HELP = "common.menu_help"
    COMMON_SKIP = "common.skip"
    COMMON_BACK = "common.back"
    COMMON_STALE_CHOICE = "common.stale_choice"
    COMMON_EXPECTS_CHOICE = "common.expects_choice"
    COMMON_EXPECTS_TEXT = "common.expects_text"
    COMMON_EXPECTS_LOCATION = "common.expects_location"
    COMMON_EXPECTS_FILE = "common.expects_file"
    COMMON_EXPECTS_PHONE = "common.expects_phone"
    COMMON_UNSUPPORTED = "common.unsupported"
    COMMON_EMPTY = "common.empty"
    COMMON_SYSTEM_ERROR = "common.system_error"
    COMMON_NOT_SAVED = "common.not_saved"
    COMMON_NOT_SAVED_NO_HOTLINE = "common.not_saved_no_hotline"
    COMMON_CHOOSE_COMMUNE = "common.choose_commune"
    COMMON_UNKNOWN_COMMAND = "common.unknown_command"
    COMMON_NO_COMMUNE = "common.no_commune"

    # what
    WHAT_STICKER = "what.sticker"
    WHAT_VOICE = "what.voice"
    WHAT_AUDIO = "what.audio"
    WHAT_VIDEO = "what.video"
    WHAT_VIDEO_NOTE = "what.video_note"
    WHAT_ANIMATION = "what.animation"
    WHAT_POLL = "what.poll"
    WHAT_EDITED = "what.edited"
    WHAT_CONTACT = "what.contact"
    WHAT_LOCATION = "what.location"
    WHAT_FILE = "what.file"
    WHAT_OTHER = "what.other"

    # help
    HELP_GENERAL = "help.general"
    HELP_CURRENT_STEP = "help.current_step"
    HELP_MENU = "help.menu"
    HELP_CONSENT = "help.consent"
    HELP_KIND = "help.kind"
    HELP_FIELD = "help.field"
    HELP_CONTENT = "help.content"
    HELP_LOCATION = "help.location"
    HELP_VILLAGE = "help.village"
    HELP_ATTACHMENTS = "help.attachments"
    HELP_IDENTITY = "help.identity"
    HELP_SUMMARY = "help.summary"
    HELP_TRACK = "help.track"

    # consent
    CONSENT_ASK = "consent.ask"
    CONSENT_AGREE = "consent.agree"
    CONSENT_DISAGREE = "consent.disagree"
    CONSENT_GRANTED = "consent.granted"
    CONSENT_REFUSED = "consent.refused"
    CONSENT_ALREADY = "consent.already"
    CONSENT_WITHDRAW_ASK = "consent.withdraw_ask"
    CONSENT_WITHDRAW_CONFIRM = "consent.withdraw_confirm"
    CONSENT_WITHDRAW_KEEP = "consent.withdraw_keep"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    CONSENT_WITHDRAW_KEPT = "consent.withdraw_kept"
    CONSENT_WITHDRAW_NONE = "consent.withdraw_none"
    CONSENT_NEEDED_KHIEU_NAI = "consent.needed_khieu_nai"
    CONSENT_NEEDED_TO_CAO = "consent.needed_to_cao"
    CONSENT_GIVE_IDENTITY = "consent.give_identity"
    CONSENT_SEND_ANONYMOUS = "consent.send_anonymous"
    CONSENT_OTHER_KIND = "consent.other_kind"

    # kind
    KIND_ASK = "kind.ask"
    KIND_PHAN_ANH = "kind.phan_anh"
    KIND_KIEN_NGHI = "kind.kien_nghi"
    KIND_KHIEU_NAI = "kind.khieu_nai"
    KIND_TO_CAO = "kind.to_cao"
    KIND_HOI_DAP = "kind.hoi_dap"
    KIND_TO_CAO_NOTICE = "kind.to_cao_notice"

    # field
    FIELD_ASK = "field.ask"

    # content
    CONTENT_ASK = "content.ask"
    CONTENT_ASK_QUESTION = "content.ask_question"
    CONTENT_TOO_SHORT = "content.too_short"
    CONTENT_TOO_LONG = "content.too_long"
    CONTENT_SHORTEN = "content.shorten"
    CONTENT_SPLIT = "content.split"
    CONTENT_SPLIT_DONE = "content.split_done"
    CONTENT_FILE_KEPT = "content.file_kept"
    CONTENT_PREFILLED = "content.prefilled"

    # location
    LOCATION_ASK = "location.ask"
    LOCATION_SHARE = "location.share"
    LOCATION_RECEIVED = "location.received"
    LOCATION_TEXT_RECEIVED = "location.text_received"
    LOCATION_TOO_SHORT = "location.too_short"
    LOCATION_TOO_LONG = "location.too_long"
    LOCATION_VILLAGE_ASK = "location.village_ask"
    LOCATION_VILLAGE_UNKNOWN = "location.village_unknown"

    # attachments
    ATTACHMENTS_ASK = "attachments.ask"
    ATTACHMENTS_DONE = "attachments.done"
    ATTACHMENTS_RECEIVED = "attachments.received"
    ATTACHMENTS_FULL = "attachments.full"
    ATTACHMENTS_BAD_TYPE = "attachments.bad_type"
    ATTACHMENTS_TOO_BIG = "attachments.too_big"
    ATTACHMENTS_UNNAMED = "attachments.unnamed"

    # identity
    IDENTITY_SAVED_ASK = "identity.saved_ask"
    IDENTITY_USE_SAVED = "identity.use_saved"
    IDENTITY_ENTER_NEW = "identity.enter_new"
    IDENTITY_NAME_ASK = "identity.name_ask"
    IDENTITY_NAME_INVALID = "identity.name_invalid"
    IDENTITY_PHONE_ASK = "identity.phone_ask"
    IDENTITY_PHONE_SHARE = "identity.phone_share"
    IDENTITY_PHONE_RECEIVED = "identity.phone_received"
    IDENTITY_PHONE_INVALID = "identity.phone_invalid"
    IDENTITY_ADDRESS_ASK = "identity.address_ask"
    IDENTITY_ADDRESS_INVALID = "identity.address_invalid"

    # summary
    SUMMARY_ASK = "summary.ask"
    SUMMARY_SEND = "summary.send"
    SUMMARY_EDIT = "summary.edit"
    SUMMARY_CANCEL = "summary.cancel"
    SUMMARY_NO_LOCATION = "summary.no_location"
    SUMMARY_NO_ATTACHMENTS = "summary.no_attachments"
    SUMMARY_ATTACHMENTS_COUNT = "summary.attachments_count"
    SUMMARY_ANONYMOUS = "summary.anonymous"
    SUMMARY_SENDER = "summary.sender"
    SUMMARY_EDIT_ASK = "summary.edit_ask"
    SUMMARY_PART_KIND = "summary.part_kind"
    SUMMARY_PART_FIELD = "summary.part_field"
    SUMMARY_PART_CONTENT = "summary.part_content"
    SUMMARY_PART_LOCATION = "summary.part_location"
    SUMMARY_PART_ATTACHMENTS = "summary.part_attachments"
    SUMMARY_PART_IDENTITY = "summary.part_identity"
    SUMMARY_ATTACHMENTS_RESET = "summary.attachments_reset"

    # receipt
    RECEIPT_TEXT = "receipt.text"
    RECEIPT_CARRY_OVER_ASK = "receipt.carry_over_ask"
    RECEIPT_CARRY_OVER_SEND = "receipt.carry_over_send"
    RECEIPT_CARRY_OVER_DROP = "receipt.carry_over_drop"
    RECEIPT_CARRY_OVER_DROPPED = "receipt.carry_over_dropped"

    # draft
    DRAFT_CANCELLED = "draft.cancelled"
    DRAFT_NOTHING = "draft.nothing"
    DRAFT_RESUME_ASK = "draft.resume_ask"
    DRAFT_RESUME_CONTINUE = "draft.resume_continue"
    DRAFT_RESUME_NEW = "draft.resume_new"
    DRAFT_EXPIRED = "draft.expired"
    DRAFT_OFFER_TEXT = "draft.offer_text"
    DRAFT_OFFER_SEND = "draft.offer_send"
    DRAFT_OFFER_NO = "draft.offer_no"

    # track
    TRACK_ASK = "track.ask"
    TRACK_NOT_FOUND = "track.not_found"
    TRACK_BAD_CODE = "track.bad_code"
    TRACK_STATUS = "track.status"
    TRACK_TIMELINE_LINE = "track.timeline_line"
    TRACK_MINE_HEADER = "track.mine_header"
    TRACK_MINE_LINE = "track.mine_line"
    TRACK_MINE_FOOTER = "track.mine_footer"
    TRACK_MINE_NONE = "track.mine_none"
    TRACK_RESUME_HINT = "track.resume_hint"

    # status
    STATUS_MOI_TIEP_NHAN = "status.moi_tiep_nhan"
    STATUS_DA_THU_LY = "status.da_thu_ly"
    STATUS_DANG_XU_LY = "status.dang_xu_ly"
    STATUS_CHO_BO_SUNG = "status.cho_bo_sung"
    STATUS_DA_CO_KET_QUA = "status.da_co_ket_qua"
    STATUS_DA_DONG = "status.da_dong"
    STATUS_KHONG_THU_LY = "status.khong_thu_ly"
    STATUS_DA_CHUYEN = "status.da_chuyen"
    STATUS_TRUNG = "status.trung"
    STATUS_DA_RUT = "status.da_rut"

    # event
    EVENT_SUBMITTED = "event.submitted"
    EVENT_WITHDRAWN = "event.withdrawn"
    EVENT_ACCEPTED = "event.accepted"
    EVENT_ASSIGNED = "event.assigned"
    EVENT_INFO_REQUESTED = "event.info_requested"
    EVENT_INFO_RECEIVED = "event.info_received"
    EVENT_DECLINED = "event.declined"
    EVENT_FORWARDED = "event.forwarded"
    EVENT_MERGED = "event.merged"
    EVENT_RECLASSIFIED = "event.reclassified"
    EVENT_NOTE = "event.note"
    EVENT_PROGRESS = "event.progress"
    EVENT_RESULT_SUBMITTED = "event.result_submitted"
    EVENT_RESULT_RETURNED = "event.result_returned"
    EVENT_RESULT_APPROVED = "event.result_approved"
    EVENT_CLOSED = "event.closed"
    EVENT_REOPENED = "event.reopened"

    # console
    CONSOLE_INTRO = "console.intro"
    CONSOLE_CHOICE_LINE = "console.choice_line"
    CONSOLE_REQUEST_CONTACT = "console.request_contact"
    CONSOLE_REQUEST_LOCATION = "console.request_location"
    CONSOLE_ATTACH_HINT = "console.attach_hint"
    CONSOLE_BAD_LOCATION = "console.bad_location"
    CONSOLE_BAD_FILE = "console.bad_file"
    CONSOLE_BYE = "console.bye"

    # cli
    CLI_DB_UPGRADED = "cli.db_upgraded"
    CLI_DB_CURRENT = "cli.db_current"
    CLI_DB_BEHIND = "cli.db_behind"
    CLI_DB_UNREACHABLE = "cli.db_unreachable"
    CLI_COMMUNE_IMPORTED = "cli.commune_imported"
    CLI_COMMUNE_INVALID = "cli.commune_invalid"
    CLI_COMMUNE_MISSING_FILE = "cli.commune_missing_file"
    CLI_NO_COMMUNE = "cli.no_commune"
    CLI_NONE = "cli.none"

    # kind_noun
    KIND_NOUN_PHAN_ANH = "kind_noun.phan_anh"
    KIND_NOUN_KIEN_NGHI = "kind_noun.kien_nghi"
    KIND_NOUN_KHIEU_NAI = "kind_noun.khieu_nai"
    KIND_NOUN_TO_CAO = "kind_noun.to_cao"
    KIND_NOUN_HOI_DAP = "kind_noun.hoi_dap"

    # format
    FORMAT_DATETIME = "format.datetime"
    FORMAT_DATE = "format.date"

    # channel
    CHANNEL_TELEGRAM = "channel.telegram"
    CHANNEL_ZALO = "channel.zalo"
    CHANNEL_CONSOLE = "channel.console"

    # language
    LANGUAGE_ASK = "language.ask"
    LANGUAGE_VI = "language.vi"
    LANGUAGE_EN = "language.en"
    LANGUAGE_SET = "language.set"
