"""An aiogram HTTP session that sends Bot API calls as JSON rather than multipart forms.

The Bot API accepts both; building aiogram's multipart form took ~0.3 ms of a ~0.8 ms call (measured with
bench/intake.py). Calls uploading files still go as multipart, through aiogram itself.

It also keeps aiogram's response models alive. aiogram validates every answer with ``Response[T]``, a
pydantic generic model that pydantic caches only weakly; a garbage collection frees it and the next call
builds it again, ~15 ms of blocked event loop each time (552 rebuilds in 200 filings of bench/intake.py,
8 s of 47). Holding one per method makes each a one-time cost.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError, ClientTimeout

# Response[T] of every method called so far, held strongly for the life of the process (see above).
_RESPONSE_MODELS: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {}


def keep_response_model(method: TelegramMethod[Any]) -> None:
    if type(method) not in _RESPONSE_MODELS:
        _RESPONSE_MODELS[type(method)] = Response[method.__returning__]  # type: ignore[name-defined]


class JsonAiohttpSession(AiohttpSession):
    def build_json(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
        """The call as a JSON object, or None when it uploads files (then it must be multipart)."""
        files: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                body[key] = prepared
        return None if files else body

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        keep_response_model(method)
        body = self.build_json(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            limit = ClientTimeout(total=float(self.timeout if timeout is None else timeout))
            async with session.post(url, json=body, timeout=limit) as response:
                raw = await response.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            raise TelegramNetworkError(method=method, message=f"{type(error).__name__}: {error}") from error
        checked = self.check_response(bot=bot, method=method, status_code=response.status, content=raw)
        return cast(TelegramType, checked.result)
