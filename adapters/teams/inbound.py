"""What arrives at /api/messages, checked before the bot reads it.

The Bot Framework signs every activity it sends with a token in the Authorization header; the
token is checked before the body is read, so an activity without one costs no parsing. Then the
body, capped at MAX_BODY_BYTES, must be an activity the SDK and the bot can read, or it gets a
400 naming the problem (never a 500). The tenant comes next, and last the token once more, now
against the activity: its `serviceurl` claim must be the activity's serviceUrl, the only address
the bot will ever send to on that activity's behalf.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import requests
from aiohttp import web
from botbuilder.schema import Activity
from botbuilder.schema.teams import TeamsChannelData
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication
from msrest.exceptions import DeserializationError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from adapters.teams.references import tenant_of

log = logging.getLogger(__name__)

# Teams caps a message at about 28 KB and an Action.Execute carries only the card's inputs;
# 256 KB leaves room for both ten times over and keeps a flood of bodies cheap.
MAX_BODY_BYTES = 256 * 1024
# Activities nest a few levels (channelData, a card's data); this leaves room for any card
# and stops a body that only nests before it reaches a recursive reader.
MAX_DEPTH = 32

_LOOSE = ConfigDict(extra="allow", strict=True)
_Text = Annotated[str, StringConstraints(min_length=1)]


class Refused(Exception):
    """An activity the bot will not act on: the HTTP status and a reason for the sender."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{status}: {reason}")


class _Account(BaseModel):
    model_config = _LOOSE
    id: _Text


class _Activity(BaseModel):
    """What the SDK and the bot read without checking: the rest is optional."""

    model_config = _LOOSE
    type: _Text
    id: _Text  # part of the idempotency key of what the activity does
    serviceUrl: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+")]
    channelId: _Text
    from_: _Account = Field(alias="from")
    conversation: _Account
    recipient: _Account
    channelData: dict[str, Any] = {}
    # The SDK's Teams handler looks each member up by id.
    membersAdded: list[_Account] = []
    membersRemoved: list[_Account] = []


class Gate:
    """Authentication and tenant checks of /api/messages, with the SDK's own validation.

    `secured` is False only in the explicit development mode without credentials, where the
    SDK lets anything through; `tenant` is the one tenant accepted ('' for any).
    """

    def __init__(self, *, auth: BotFrameworkAuthentication, secured: bool, tenant: str) -> None:
        self._auth = auth
        self._secured = secured
        self._tenant = tenant

    def header(self, request: web.Request) -> str:
        """The Authorization header to check ('' when unsecured: nothing to check it with)."""
        return request.headers.get("Authorization", "") if self._secured else ""

    async def check_token(self, header: str) -> None:
        """Refuse (401) unless the header holds a token the Bot Framework signed for this bot:
        issuer, audience, expiry and signature, before anything reads the body."""
        await self._authenticate(Activity(), header)

    def check_tenant(self, activity: Activity) -> None:
        """Refuse (403) an activity from another tenant than the configured one."""
        if self._tenant and tenant_of(activity) != self._tenant:
            log.warning("teams: refused an activity from tenant %r", tenant_of(activity))
            raise Refused(403, "this bot serves another organisation")

    async def authenticate(self, header: str, activity: Activity) -> AuthenticateRequestResult:
        """The SDK's full check against the activity; its serviceUrl must be the token's."""
        result = await self._authenticate(activity, header)
        claims = result.claims_identity.claims if result.claims_identity else {}
        if self._secured and claims.get("serviceurl") != activity.service_url:
            # The SDK checks this for channel tokens only; a token without the claim (the
            # emulator's) must not let an activity name where the bot sends its answers.
            raise Refused(401, "the token does not vouch for this serviceUrl")
        return result

    async def _authenticate(self, activity: Activity, header: str) -> AuthenticateRequestResult:
        try:
            return await self._auth.authenticate_request(activity, header)
        except requests.RequestException as error:
            # The Bot Framework's signing keys could not be fetched: it will send again.
            log.warning("teams: cannot check tokens now: %s", error)
            raise Refused(503, "cannot check the token now, try again") from error
        except Exception as error:
            # botframework-connector 4.17 refuses a token with PermissionError, PyJWT's errors,
            # IndexError (a key it does not know) or a bare Exception (a wrong algorithm or
            # endorsement): whatever it raises, the token did not pass.
            log.info("teams: token refused: %s: %s", type(error).__name__, error)
            raise Refused(401, "a valid Bot Framework token is required") from error


async def read_activity(request: web.Request) -> Activity:
    """The request's activity, or Refused: 413 past MAX_BODY_BYTES, 415 if not JSON, 400 for
    a body that is not an activity the bot can read."""
    if request.content_type != "application/json":
        raise Refused(415, "an activity is sent as application/json")
    raw = await _read_capped(request)
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise Refused(400, "the body is not UTF-8") from error
    except RecursionError as error:
        raise Refused(400, "the body nests too deeply") from error
    except ValueError as error:
        raise Refused(400, "the body is not JSON") from error
    return parse_activity(body)


def parse_activity(body: Any) -> Activity:
    """The activity in a parsed JSON body, or Refused (400) naming what is wrong with it."""
    if not isinstance(body, dict):
        raise Refused(400, "the body is not an object")
    if _depth_exceeds(body, MAX_DEPTH):
        raise Refused(400, f"the body nests more than {MAX_DEPTH} levels")
    if body.get("type") == "invoke" and not (isinstance(body.get("name"), str) and body["name"]):
        raise Refused(400, "name: an invoke names what it invokes")
    try:
        _Activity.model_validate(body)
        activity = Activity().deserialize(body)
        # The SDK's Teams handler reads channelData as this model, unguarded.
        TeamsChannelData().deserialize(activity.channel_data or {})
        return activity
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Refused(400, f"{where}: {first['msg']}") from error
    except DeserializationError as error:
        raise Refused(400, "a field of the activity has the wrong shape") from error


async def _read_capped(request: web.Request) -> bytes:
    too_big = Refused(413, f"an activity is at most {MAX_BODY_BYTES // 1024} KB")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_big
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY_BYTES:  # sent without a length, or a false one
            raise too_big
    return bytes(body)


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        if children and depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
