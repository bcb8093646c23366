"""A fake Zalo Official Account Open API (openapi.zalo.me), OAuth v4 server (oauth.zaloapp.com) and webhook
emitter for end-to-end tests, written from /work/notes/zalo-oa-api.md. One aiohttp server answers both hosts:
point the API base and the OAuth base at ``base_url``.

The API answers HTTP 200 with ``{"error": 0, "message": "Success", "data": {...}}`` or ``{"error": <code>,
"message": <text>}``. It refuses a missing, unknown, expired or revoked ``access_token`` header (-216);
malformed bodies and unknown fields (-201 "<field> is invalid!"); values over a documented limit (-210
"Parameter exceeds allowable limit": a text over 2,000 characters, over 5 buttons, a button title over 20
characters, a query payload over 1,000 characters, more than one element, an image over 1 MB, a file over
5 MB); an upload older than 7 days (-100); and a consultation message to a user who has not interacted within
7 days (-230). Messages delivered more than 48 h after the user's last interaction are recorded in ``paid``.

The OAuth token endpoint answers HTTP 200 with ``{access_token, refresh_token, expires_in: "90000"}`` or
``{error, error_name, error_reason, error_description, ref_doc}``. Refresh tokens are single use and rotate;
issuing is atomic (nothing is awaited between checking a refresh token or code and spending it). Only one
token pair is valid at a time: the newest.

``emit()`` posts webhook events as Zalo does, signed
``mac=sha256(app_id + body + timestamp + OA secret key)``. Calls can be told to fail
(``fail(name, code, text, chat_id=user_id)``; the names are the keys of ``ENDPOINTS``).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from tests.platform_fake import FakePlatform
from tests.zalo_fake.oa_events import APP_ID, OA_ID, user_id_by_app

# the name given to fail() -> the path it scripts
ENDPOINTS = {
    "message/cs": "/v3.0/oa/message/cs",
    "upload/image": "/v2.0/oa/upload/image",
    "upload/file": "/v2.0/oa/upload/file",
    "getoa": "/v2.0/oa/getoa",
    "user/detail": "/v3.0/oa/user/detail",
    "access_token": "/v4/oa/access_token",
}
PERMISSION_PATH = "/v4/oa/permission"
SIGNATURE_HEADER = "X-ZEvent-Signature"
OA_NAME = "UBND xã Phú Thịnh"

ACCESS_LIFETIME = timedelta(hours=25)
CODE_LIFETIME = timedelta(minutes=10)
FREE_WINDOW = timedelta(hours=48)
REPLY_WINDOW = timedelta(days=7)
UPLOAD_LIFETIME = timedelta(days=7)
TEXT_LIMIT = 2000
BUTTON_LIMIT = 5
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
ELEMENT_TITLE_LIMIT = 100
ELEMENT_SUBTITLE_LIMIT = 500
IMAGE_LIMIT = 1024 * 1024
FILE_LIMIT = 5 * 1024 * 1024
VIETNAM = timezone(timedelta(hours=7))

BUTTON_TYPES = frozenset({"oa.query.hide", "oa.query.show", "oa.open.url", "oa.open.phone"})
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
IMAGE_TYPES = frozenset({"image/jpeg", "image/jpg", "image/png", "application/octet-stream"})
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
FILE_EXTENSIONS = (".pdf", ".doc", ".docx")
FILE_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/octet-stream",
    }
)

# OAuth errors. -14002 and -14003 are documented; -14014 is what the tests of our client expect for a
# refused refresh token; the others are this fake's choice (the real codes are not documented).
REF_DOC = "https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new"
INVALID_PARAMETER = (-14001, "Invalid parameter")
INVALID_APP_ID = (-14002, "Invalid appId")
INVALID_REDIRECT_URI = (-14003, "Invalid redirect uri")
INVALID_SECRET_KEY = (-14004, "Invalid secret key")
INVALID_REFRESH_TOKEN = (-14014, "Invalid refresh token")
INVALID_CODE = (-14019, "Invalid authorization code")
INVALID_CODE_VERIFIER = (-14020, "Invalid code verifier")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def code_challenge(code_verifier: str) -> str:
    """S256: base64url without padding of the SHA-256 digest of the verifier."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class OAuthError(Exception):
    def __init__(self, error: tuple[int, str], reason: str) -> None:
        super().__init__(reason)
        self.code, self.name = error
        self.reason = reason

    def body(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "error_name": self.name,
            "error_reason": self.reason,
            "error_description": f"{self.name}: {self.reason}",
            "ref_doc": REF_DOC,
        }


def invalid(field: str) -> ApiError:
    return ApiError(-201, f"{field} is invalid!")


def too_big() -> ApiError:
    return ApiError(-210, "Parameter exceeds allowable limit")


@dataclass
class Upload:
    kind: str  # "image" | "file"
    at: datetime


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeZaloOA(FakePlatform):
    def __init__(
        self,
        *,
        app_id: str = APP_ID,
        app_secret: str = "app-secret-for-tests",
        oa_secret_key: str = "oa-secret-key-for-tests",
        oa_id: str = OA_ID,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_secret_key = oa_secret_key
        self.oa_id = oa_id
        self.now = now
        self._issued = itertools.count(0)
        self._access_revoked = False
        self.access_token = ""
        self.refresh_token = ""
        self.access_expires_at = now()
        self._issue()
        self.spent_refresh_tokens: list[str] = []
        self.refused_refresh_tokens: list[str] = []
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.paid: list[str] = []
        self.uploads: dict[str, tuple[str, bytes]] = {}
        self._uploaded: dict[str, Upload] = {}
        self.rejected: list[tuple[str, int, str]] = []
        self.last_interaction: dict[str, datetime] = {}
        self.followers: set[str] = set()
        self.display_names: dict[
            str, str
        ] = {}  # user_id -> name shown by user/detail ("Người dân" otherwise)
        self.emitted: list[tuple[str, dict[str, Any], int]] = []  # (url, body, HTTP status) of every emit()
        self.callback_url: str | None = None  # when set, /v4/oa/permission requires this redirect_uri
        self._codes: dict[str, tuple[str, datetime]] = {}
        self.hosted: dict[
            str, tuple[bytes, str]
        ] = {}  # files on the fake CDN: key -> (bytes, type)  # auth code -> (code challenge, issued at)

    def routes(self, app: web.Application) -> None:
        router = app.router
        router.add_post(ENDPOINTS["message/cs"], self._api(self._send))
        router.add_post(ENDPOINTS["upload/image"], self._api(self._upload_image))
        router.add_post(ENDPOINTS["upload/file"], self._api(self._upload_file))
        router.add_get(ENDPOINTS["getoa"], self._api(self._getoa))
        router.add_get(ENDPOINTS["user/detail"], self._api(self._user_detail))
        router.add_post(ENDPOINTS["access_token"], self._access_token)
        router.add_get(PERMISSION_PATH, self._permission)
        router.add_get("/cdn/{key}/{name}", self._cdn)
        router.add_route("*", "/{tail:.*}", self._unknown)

    # -- what tests read -----------------------------------------------------------------------------------
    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        return list(self.sent.get(user_id, []))

    def texts_to(self, user_id: str) -> list[str]:
        return [message["text"] for message in self.messages_to(user_id) if "text" in message]

    def buttons_to(self, user_id: str) -> list[list[dict[str, Any]]]:
        """One entry per message sent to the user (``[]`` for a message without buttons)."""
        result = []
        for message in self.messages_to(user_id):
            payload = message.get("attachment", {}).get("payload", {})
            result.append(
                [
                    {"title": button["title"], "type": button["type"], "payload": button["payload"]}
                    for button in payload.get("buttons", [])
                ]
            )
        return result

    def access_token_valid(self, token: str | None) -> bool:
        return (
            token is not None
            and token == self.access_token
            and self.now() < self.access_expires_at
            and not self._access_revoked
        )

    # -- what tests do -------------------------------------------------------------------------------------
    def expire_access_token(self) -> None:
        """The current access token stops working at once (-216); the refresh token still works."""
        self._access_revoked = True

    def authorize(self, code_challenge: str) -> str:
        """An OA admin consents: a one-time authorization code, valid 10 minutes, bound to the challenge."""
        code = f"code-{secrets.token_urlsafe(24)}"
        self._codes[code] = (code_challenge, self.now())
        return code

    def signature(self, raw: bytes, timestamp: str) -> str:
        """The ``X-ZEvent-Signature`` value Zalo sends for this body."""
        mac = hashlib.sha256(
            self.app_id.encode() + raw + timestamp.encode() + self.oa_secret_key.encode()
        ).hexdigest()
        return f"mac={mac}"

    async def emit(
        self,
        url: str,
        body: dict[str, Any],
        *,
        signature: str | None = None,
        raw: bytes | None = None,
        num_retry: int | None = None,
    ) -> int:
        """POST a webhook event to ``url`` as Zalo does; returns the HTTP status.

        The body is ``raw`` or the JSON of ``body`` (UTF-8, not ASCII-escaped); the signature covers those
        exact bytes and ``body["timestamp"]`` as text; ``signature`` replaces the header value (forgery
        tests); ``num_retry`` adds Zalo's retry header. A user interaction (``user_send_*``,
        ``anonymous_send_*``, ``follow``, ``user_submit_info``) opens the user's reply window
        (``last_interaction = now()``) before the post; ``follow``/``unfollow`` update ``followers``."""
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        if signature is None:
            signature = self.signature(data, _timestamp_text(body))
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
        if num_retry is not None:
            headers["num_retry"] = str(num_retry)
        self._record_event(body)
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=data, headers=headers) as response,
        ):
            await response.read()
            status = response.status
        self.emitted.append((url, body, status))
        self.notify()
        return status

    def _record_event(self, body: dict[str, Any]) -> None:
        event = body.get("event_name")
        if not isinstance(event, str):
            return
        who = body.get("follower") if event in ("follow", "unfollow") else body.get("sender")
        user = who.get("id") if isinstance(who, dict) else None
        if user is None:
            return
        user = str(user)
        if event == "follow":
            self.followers.add(user)
        elif event == "unfollow":
            self.followers.discard(user)
        if event in ("follow", "user_submit_info") or event.startswith(("user_send_", "anonymous_send_")):
            self.last_interaction[user] = self.now()

    # -- tokens --------------------------------------------------------------------------------------------
    def _issue(self) -> dict[str, Any]:
        number = next(self._issued)
        self.access_token = f"access-{number}"
        self.refresh_token = f"refresh-{number}"
        self.access_expires_at = self.now() + ACCESS_LIFETIME
        self._access_revoked = False
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": str(int(ACCESS_LIFETIME.total_seconds())),
        }

    def _grant(self, fields: dict[str, str]) -> dict[str, Any]:
        """Check and spend a refresh token or code, and issue new tokens: synchronous, hence atomic."""
        grant = fields.get("grant_type")
        expected = {
            "refresh_token": {"grant_type", "app_id", "refresh_token"},
            "authorization_code": {"grant_type", "app_id", "code", "code_verifier"},
        }.get(grant or "")
        if expected is None:
            raise OAuthError(INVALID_PARAMETER, "grant_type is invalid")
        missing, unknown = sorted(expected - set(fields)), sorted(set(fields) - expected)
        if missing or unknown:
            name = (missing or unknown)[0]
            raise OAuthError(INVALID_PARAMETER, f"{name} is {'missing' if missing else 'unknown'}")
        if fields["app_id"] != self.app_id:
            raise OAuthError(INVALID_APP_ID, "the app does not exist or is not active")
        if grant == "refresh_token":
            token = fields["refresh_token"]
            if token != self.refresh_token:
                self.refused_refresh_tokens.append(token)
                raise OAuthError(
                    INVALID_REFRESH_TOKEN, "the refresh token is unknown, expired or already used"
                )
            self.spent_refresh_tokens.append(token)
            return self._issue()
        bound = self._codes.pop(fields["code"], None)  # single use: any attempt burns the code
        if bound is None:
            raise OAuthError(INVALID_CODE, "the authorization code is unknown or already used")
        challenge, issued_at = bound
        if self.now() - issued_at > CODE_LIFETIME:
            raise OAuthError(INVALID_CODE, "the authorization code has expired")
        if code_challenge(fields["code_verifier"]) != challenge:
            raise OAuthError(INVALID_CODE_VERIFIER, "the code verifier does not match the code challenge")
        return self._issue()

    # -- the HTTP side -------------------------------------------------------------------------------------
    def _api(self, handle: Callable[[web.Request], Awaitable[dict[str, Any]]]) -> Handler:
        async def answer(request: web.Request) -> web.StreamResponse:
            try:
                if not self.access_token_valid(request.headers.get("access_token")):
                    raise ApiError(-216, "Access token is invalid")
                data = await handle(request)
            except ApiError as error:
                self.rejected.append((request.path, error.code, error.message))
                return web.json_response({"error": error.code, "message": error.message})
            finally:
                self.notify()
            return web.json_response({"error": 0, "message": "Success", "data": data})

        return answer

    def _script(self, name: str, user_id: str | None) -> None:
        failure = self.scripted_failure(name, user_id)
        if failure is not None:
            raise ApiError(failure.code, failure.description)

    def host(self, name: str, content: bytes, mime: str = "application/pdf") -> str:
        """Put a file on the fake's CDN (where files people send through Zalo live); returns its URL."""
        key = secrets.token_hex(8)
        self.hosted[key] = (content, mime)
        return f"{self.base_url}/cdn/{key}/{name}"

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        found = self.hosted.get(request.match_info["key"])
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found[0], content_type=found[1])

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        self.rejected.append((request.path, 404, "Not Found"))
        self.notify()
        return web.json_response({"error": 404, "message": "Not Found"}, status=404)

    async def _access_token(self, request: web.Request) -> web.StreamResponse:
        try:
            if request.headers.get("secret_key") != self.app_secret:
                raise OAuthError(INVALID_SECRET_KEY, "the secret_key header is missing or wrong")
            if request.query:
                raise OAuthError(INVALID_PARAMETER, f"{next(iter(request.query))} is unknown")
            if request.content_type != "application/x-www-form-urlencoded":
                raise OAuthError(INVALID_PARAMETER, "the body must be application/x-www-form-urlencoded")
            form = await request.post()
            # -- from here on nothing is awaited: checking and spending a token or code is atomic
            fields: dict[str, str] = {}
            for name in form:
                values = form.getall(name)
                if len(values) != 1 or not isinstance(values[0], str):
                    raise OAuthError(INVALID_PARAMETER, f"{name} is invalid")
                fields[name] = values[0]
            failure = self.scripted_failure("access_token", None)
            if failure is not None:
                raise OAuthError((failure.code, failure.description), "scripted failure")
            tokens = self._grant(fields)
        except OAuthError as error:
            self.rejected.append((request.path, error.code, error.name))
            return web.json_response(error.body())
        finally:
            self.notify()
        return web.json_response(tokens)

    async def _permission(self, request: web.Request) -> web.StreamResponse:
        """The OA admin opens the permission link and consents at once: a redirect to ``redirect_uri`` with
        ``code``, ``oa_id``, ``state`` and ``code_challenge``."""
        query = request.query
        try:
            for name in query:
                if name not in ("app_id", "redirect_uri", "code_challenge", "state"):
                    raise OAuthError(INVALID_PARAMETER, f"{name} is unknown")
            if query.get("app_id") != self.app_id:
                raise OAuthError(INVALID_APP_ID, "the app does not exist or is not active")
            redirect_uri = query.get("redirect_uri", "")
            if not redirect_uri or (self.callback_url is not None and redirect_uri != self.callback_url):
                raise OAuthError(INVALID_REDIRECT_URI, "")
            challenge = query.get("code_challenge", "")
            if not challenge:
                raise OAuthError(INVALID_PARAMETER, "code_challenge is missing")
        except OAuthError as error:
            self.rejected.append((request.path, error.code, error.name))
            return web.json_response(error.body())
        finally:
            self.notify()
        params = {"code": self.authorize(challenge), "oa_id": self.oa_id, "code_challenge": challenge}
        if "state" in query:
            params["state"] = query["state"]
        location = URL(redirect_uri).update_query(params)
        return web.Response(status=302, headers={"Location": str(location)})

    # -- API methods ---------------------------------------------------------------------------------------
    async def _send(self, request: web.Request) -> dict[str, Any]:
        _no_query(request)
        body = await _json_body(request)
        _only(body, {"recipient", "message"})
        recipient = body.get("recipient")
        if not isinstance(recipient, dict):
            raise invalid("recipient")
        if "anonymous_id" in recipient:
            # A visitor without an identified account: the id and the conversation, as Zalo's Java SDK
            # addresses them (SendFileAnonymousMessage).
            _only(recipient, {"anonymous_id", "conversation_id"})
            user = recipient.get("anonymous_id")
            if not isinstance(recipient.get("conversation_id"), str) or not recipient["conversation_id"]:
                raise invalid("conversation_id")
        else:
            _only(recipient, {"user_id"})
            user = recipient.get("user_id")
        if not isinstance(user, str) or not user:
            raise invalid("user_id")
        if "message" not in body:
            raise invalid("message")
        message = body["message"]
        self._validate_message(message)
        self._script("message/cs", user)
        now = self.now()
        last = self.last_interaction.get(user)
        if last is None or now - last > REPLY_WINDOW:
            raise ApiError(-230, "User has not interacted with the OA in the past 7 days")
        message_id = secrets.token_hex(10)
        self.sent.setdefault(user, []).append({**copy.deepcopy(message), "message_id": message_id})
        if now - last > FREE_WINDOW:
            self.paid.append(message_id)
        return {"message_id": message_id, "user_id": user, "sent_time": str(int(now.timestamp() * 1000))}

    def _validate_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not message:
            raise invalid("message")
        _only(message, {"text", "attachment"})
        if "attachment" not in message:
            _check_text(message.get("text"), "text")
            return
        attachment = message["attachment"]
        if not isinstance(attachment, dict):
            raise invalid("attachment")
        _only(attachment, {"type", "payload"})
        payload = attachment.get("payload")
        if not isinstance(payload, dict):
            raise invalid("payload")
        kind = attachment.get("type")
        if kind == "file":
            if "text" in message:
                raise invalid("text")
            _only(payload, {"token"})
            self._check_upload(payload.get("token"), "file", "token")
        elif kind != "template":
            raise invalid("type")
        elif "template_type" not in payload:
            _check_text(message.get("text"), "text")
            _only(payload, {"buttons"})
            _check_buttons(payload.get("buttons"))
        elif payload["template_type"] == "request_user_info":
            if "text" in message:
                raise invalid("text")
            _only(payload, {"template_type", "elements"})
            _check_user_info_element(_one_element(payload.get("elements")))
        elif payload["template_type"] == "media":
            if "text" in message:
                _check_text(message["text"], "text")
            _only(payload, {"template_type", "elements"})
            self._check_media_element(_one_element(payload.get("elements")))
        else:
            raise invalid("template_type")

    def _check_media_element(self, element: dict[str, Any]) -> None:
        _only(element, {"media_type", "attachment_id", "url"})
        if element.get("media_type") != "image":
            raise invalid("media_type")
        if ("attachment_id" in element) == ("url" in element):
            raise invalid("attachment_id")
        if "url" in element:
            if not _https(element["url"]):
                raise invalid("url")
        else:
            self._check_upload(element["attachment_id"], "image", "attachment_id")

    def _check_upload(self, key: Any, kind: str, field: str) -> None:
        upload = self._uploaded.get(key) if isinstance(key, str) else None
        if upload is None or upload.kind != kind:
            raise invalid(field)
        if self.now() - upload.at > UPLOAD_LIFETIME:
            raise ApiError(-100, "attachment_id was expired")

    async def _upload_image(self, request: web.Request) -> dict[str, Any]:
        name, content_type, data = await _multipart_file(request)
        self._script("upload/image", None)
        if (
            not data
            or not name.lower().endswith(IMAGE_EXTENSIONS)
            or content_type not in IMAGE_TYPES
            or not data.startswith(IMAGE_MAGIC)
        ):
            raise invalid("file")
        if len(data) > IMAGE_LIMIT:
            raise too_big()
        return {"attachment_id": self._store("image", name, data)}

    async def _upload_file(self, request: web.Request) -> dict[str, Any]:
        name, content_type, data = await _multipart_file(request)
        self._script("upload/file", None)
        if not data or not name.lower().endswith(FILE_EXTENSIONS) or content_type not in FILE_TYPES:
            raise invalid("file")
        if len(data) > FILE_LIMIT:
            raise too_big()
        return {"token": self._store("file", name, data)}

    def _store(self, kind: str, name: str, data: bytes) -> str:
        key = secrets.token_urlsafe(27)
        self.uploads[key] = (name, data)
        self._uploaded[key] = Upload(kind, self.now())
        return key

    async def _getoa(self, request: web.Request) -> dict[str, Any]:
        _no_query(request)
        self._script("getoa", None)
        return {
            "oa_id": self.oa_id,
            "name": OA_NAME,
            "description": "Trang tiếp nhận phản ánh, kiến nghị của người dân",
            "oa_alias": "ubndxaphuthinh",
            "is_verified": True,
            "oa_type": 2,
            "cate_name": "Cơ quan nhà nước",
            "num_follower": len(self.followers),
            "avatar": "https://s160-ava-talk.zadn.vn/oa/avatar.jpg",
            "cover": "https://s160-ava-talk.zadn.vn/oa/cover.jpg",
        }

    async def _user_detail(self, request: web.Request) -> dict[str, Any]:
        _only(dict(request.query), {"data"})
        try:
            query = json.loads(request.query.get("data", ""))
        except ValueError as error:
            raise invalid("data") from error
        if not isinstance(query, dict):
            raise invalid("data")
        _only(query, {"user_id"})
        user = query.get("user_id")
        if not isinstance(user, str) or not user:
            raise invalid("user_id")
        self._script("user/detail", user)
        last = self.last_interaction.get(user)
        if last is None and user not in self.followers:
            raise invalid("user_id")
        return {
            "user_id": user,
            "user_id_by_app": user_id_by_app(user),
            "user_external_id": "",
            "display_name": self.display_names.get(user, "Người dân"),
            "user_alias": "",
            "is_sensitive": False,
            "user_last_interaction_date": last.astimezone(VIETNAM).strftime("%d/%m/%Y") if last else "",
            "user_is_follower": user in self.followers,
            "avatar": "https://s120-ava-talk.zadn.vn/user/avatar.jpg",
            "avatars": {
                "120": "https://s120-ava-talk.zadn.vn/user/avatar.jpg",
                "240": "https://s240-ava-talk.zadn.vn/user/avatar.jpg",
            },
            "tags_and_notes_info": {"notes": [], "tag_names": []},
        }


def _timestamp_text(body: dict[str, Any]) -> str:
    stamp = body.get("timestamp", "")
    return stamp if isinstance(stamp, str) else str(stamp)


def _no_query(request: web.Request) -> None:
    if request.query:
        raise invalid(next(iter(request.query)))


def _only(value: dict[str, Any], allowed: set[str]) -> None:
    for key in value:
        if key not in allowed:
            raise invalid(str(key))


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise invalid("body")
    try:
        body = json.loads(await request.read())
    except ValueError as error:  # also UnicodeDecodeError
        raise invalid("body") from error
    if not isinstance(body, dict):
        raise invalid("body")
    return body


async def _multipart_file(request: web.Request) -> tuple[str, str, bytes]:
    _no_query(request)
    if request.content_type != "multipart/form-data":
        raise invalid("file")
    form = await request.post()
    for name in form:
        if name != "file":
            raise invalid(name)
    values = form.getall("file", [])
    if len(values) != 1 or not isinstance(values[0], web.FileField):
        raise invalid("file")
    field = values[0]
    return field.filename or "", field.content_type, field.file.read()


def _check_text(value: Any, field: str) -> None:
    if not isinstance(value, str) or not value:
        raise invalid(field)
    if len(value) > TEXT_LIMIT:
        raise too_big()


def _https(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("https://") and len(value) > len("https://")


def _digits(value: Any) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _check_buttons(buttons: Any) -> None:
    if not isinstance(buttons, list) or not buttons:
        raise invalid("buttons")
    if len(buttons) > BUTTON_LIMIT:
        raise too_big()
    for button in buttons:
        if not isinstance(button, dict):
            raise invalid("buttons")
        _only(button, {"title", "type", "payload"})
        title = button.get("title")
        if not isinstance(title, str) or not title:
            raise invalid("title")
        if len(title) > TITLE_LIMIT:
            raise too_big()
        kind = button.get("type")
        if kind not in BUTTON_TYPES:
            raise invalid("type")
        payload = button.get("payload")
        if kind in ("oa.query.hide", "oa.query.show"):
            if not isinstance(payload, str) or not payload:
                raise invalid("payload")
            if len(payload) > PAYLOAD_LIMIT:
                raise too_big()
        elif kind == "oa.open.url":
            if not isinstance(payload, dict) or set(payload) != {"url"} or not _https(payload["url"]):
                raise invalid("payload")
        elif (
            not isinstance(payload, dict)
            or set(payload) != {"phone_code"}
            or not _digits(payload["phone_code"])
        ):
            raise invalid("payload")


def _one_element(elements: Any) -> dict[str, Any]:
    if not isinstance(elements, list) or not elements or not isinstance(elements[0], dict):
        raise invalid("elements")
    if len(elements) > 1:
        raise too_big()
    return elements[0]


def _check_user_info_element(element: dict[str, Any]) -> None:
    _only(element, {"title", "subtitle", "image_url"})
    for field, limit in (("title", ELEMENT_TITLE_LIMIT), ("subtitle", ELEMENT_SUBTITLE_LIMIT)):
        value = element.get(field)
        if not isinstance(value, str) or not value:
            raise invalid(field)
        if len(value) > limit:
            raise too_big()
    if "image_url" in element and not _https(element["image_url"]):
        raise invalid("image_url")
