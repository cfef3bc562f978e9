"""A fake Microsoft Teams: the Bot Framework connector at the activities' serviceUrl, and the
people who post activities to the bot's /api/messages exactly as Teams sends them.

The connector records every call the bot makes (replies, proactive messages, updates, member
lookups) and keeps each personal chat as Teams would show it, so tests read the cards the bot
sent and click their buttons (Action.Execute invokes, or Action.Submit messages) as people do.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

import aiohttp
import jwt
import pytest
from aiohttp import web
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

TENANT = "tenant-acme"
BOT_ID = "28:procurebot-app"
BOT_NAME = "procurebot"
CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class TeamsUser:
    """Someone in the tenant, with their personal chat with the bot."""

    id: str
    name: str
    email: str  # the `mail` attribute, which the user or an admin may set to anything
    aad_object_id: str
    conversation_id: str
    timezone: str = "America/New_York"
    upn: str = ""  # the user principal name; the same as `email` unless a test says otherwise


@dataclass
class Posted:
    """One activity the bot put in a chat; `card` is the current version after updates."""

    id: str
    conversation_id: str
    activity: dict[str, Any]
    reply_to: str | None = None
    versions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The message's text ('' for a card)."""
        return str(self.activity.get("text") or "")

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card the message holds, if any."""
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == CARD:
                return dict(attachment["content"])
        return None

    @property
    def adaptive_card(self) -> dict[str, Any]:
        """The Adaptive Card the message holds; fails the test when it holds none."""
        card = self.card
        assert card is not None, f"no card in {self.activity}"
        return card

    @property
    def images(self) -> list[dict[str, Any]]:
        """The inline images the message carries (attachments with an image/* type)."""
        return [
            a
            for a in self.activity.get("attachments") or []
            if str(a.get("contentType", "")).startswith("image/")
        ]

    def shows(self, text: str) -> bool:
        """Whether the message (text or card) contains `text`."""
        return text in self.text or text in json.dumps(self.card or {}, ensure_ascii=False)


@dataclass
class Fault:
    method: str  # "POST" (send), "PUT" (update) or "GET" (member lookup)
    times: int
    status: int
    retry_after: float | None = None


class FakeTeams:
    """The connector service and the Teams client side of every personal chat."""

    def __init__(self) -> None:
        self.users: dict[str, TeamsUser] = {}  # by Teams user id
        self.chats: dict[str, list[Posted]] = {}  # by conversation id
        self.calls: list[tuple[str, str, dict[str, Any] | None]] = []
        self.bot_url = ""
        self.service_url = ""
        # When set, every call must carry this bearer token, as the real connector requires.
        self.require_token: str | None = None
        # When set, the Authorization header sent with each activity (a signed token).
        self.authorize: Callable[[dict[str, Any]], str] | None = None
        self._ids = itertools.count(1)
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> str:
        """Serve the connector on a free port; returns its URL (the serviceUrl)."""
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{reply_to}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.service_url = f"http://{host}:{port}/"
        self._session = aiohttp.ClientSession()
        return self.service_url

    async def close(self) -> None:
        """Stop serving."""
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def add_user(self, email: str, name: str) -> TeamsUser:
        """A person in the tenant (Teams knows their email; activities do not carry it)."""
        n = next(self._ids)
        user = TeamsUser(
            id=f"29:user-{n}",
            name=name,
            email=email,
            aad_object_id=f"00000000-0000-0000-0000-{n:012d}",
            conversation_id=f"a:personal-chat-{n}",
        )
        self.users[user.id] = user
        self.chats.setdefault(user.conversation_id, [])
        return user

    def add_channel(self, channel_id: str) -> None:
        """A channel of a team the bot was added to (its conversation id, '19:…@thread.tacv2')."""
        self.chats.setdefault(channel_id, [])

    def channel(self, channel_id: str) -> list[Posted]:
        """The threads the bot started in a channel (their first message), oldest first."""
        return [p for p in self.chats[channel_id] if p.reply_to is None]

    def replies(self, channel_id: str, thread: Posted) -> list[Posted]:
        """The replies in a channel thread, oldest first."""
        return [p for p in self.chats[channel_id] if p.reply_to == thread.id]

    def user(self, email: str) -> TeamsUser:
        """The Teams user with this email."""
        found = [u for u in self.users.values() if u.email == email]
        assert found, f"{email} is not in the fake tenant"
        return found[0]

    def fail(
        self, *, method: str, times: int, status: int, retry_after: float | None = None
    ) -> None:
        """Answer the next `times` POST (send), PUT (update) or GET (member) calls with
        `status`."""
        self._faults.append(Fault(method, times, status, retry_after))

    def faults_left(self) -> int:
        """How many injected failures have not happened yet."""
        return sum(f.times for f in self._faults)

    # ------------------------------------------------------------------ the connector

    def _fault(self, method: str, request: web.Request) -> web.Response | None:
        if self.require_token and request.headers.get("Authorization") != (
            f"Bearer {self.require_token}"
        ):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        for fault in self._faults:
            if fault.method == method and fault.times > 0:
                fault.times -= 1
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return web.json_response(
                    {"error": {"code": "Throttled" if fault.status == 429 else "ServiceError"}},
                    status=fault.status,
                    headers=headers,
                )
        return None

    async def _create(self, request: web.Request) -> web.Response:
        """Create a conversation: in Teams, with channelData.channel, a new channel thread."""
        body = await request.json()
        self.calls.append(("POST", request.path, body))
        failed = self._fault("POST", request)
        if failed is not None:
            return failed
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        tenant = ((body.get("channelData") or {}).get("tenant") or {}).get("id")
        if not body.get("isGroup") or channel not in self.chats or tenant != TENANT:
            # What Teams says when the bot is not in the team (or the id is wrong).
            return web.json_response({"error": {"code": "BotNotInConversationRoster"}}, status=403)
        posted = Posted(
            id=f"1{next(self._ids):012d}", conversation_id=channel, activity=body["activity"]
        )
        self.chats[channel].append(posted)
        thread = f"{channel};messageid={posted.id}"
        return web.json_response(
            {"id": thread, "activityId": posted.id, "serviceUrl": self.service_url}, status=201
        )

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(("POST", request.path, body))
        failed = self._fault("POST", request)
        if failed is not None:
            return failed
        cid = request.match_info["cid"]
        reply_to = request.match_info.get("reply_to")
        if ";messageid=" in cid:  # a channel thread: the message is a reply in it
            cid, _, reply_to = cid.partition(";messageid=")
        if cid not in self.chats:
            return web.json_response({"error": {"code": "ConversationNotFound"}}, status=404)
        posted = Posted(
            id=f"1{next(self._ids):012d}",
            conversation_id=cid,
            activity=body,
            reply_to=reply_to,
        )
        self.chats[cid].append(posted)
        return web.json_response({"id": posted.id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(("PUT", request.path, body))
        failed = self._fault("PUT", request)
        if failed is not None:
            return failed
        found = self._find(request.match_info["cid"], request.match_info["aid"])
        if found is None:
            return web.json_response({"error": {"code": "ActivityNotFound"}}, status=404)
        found.versions.append(found.activity)
        found.activity = body
        return web.json_response({"id": found.id})

    async def _member(self, request: web.Request) -> web.Response:
        self.calls.append(("GET", request.path, None))
        failed = self._fault("GET", request)
        if failed is not None:
            return failed
        user = self.users.get(request.match_info["uid"])
        if user is None or request.match_info["cid"] != user.conversation_id:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response(
            {
                "id": user.id,
                "name": user.name,
                "aadObjectId": user.aad_object_id,
                **({"email": user.email} if user.email else {}),
                **({"userPrincipalName": user.upn or user.email} if user.upn or user.email else {}),
                "tenantId": TENANT,
                "userRole": "user",
            }
        )

    def _find(self, cid: str, aid: str) -> Posted | None:
        return next((p for p in self.chats.get(cid, []) if p.id == aid), None)

    # ------------------------------------------------------------------ reading chats

    def chat(self, email: str) -> list[Posted]:
        """What the bot posted in the person's chat, oldest first, as it shows now."""
        return list(self.chats[self.user(email).conversation_id])

    def texts(self, email: str) -> list[str]:
        """The text messages in the person's chat, oldest first."""
        return [p.text for p in self.chat(email) if p.text]

    def last(self, email: str) -> Posted:
        """The bot's newest message in the person's chat."""
        chat = self.chat(email)
        assert chat, f"the bot never wrote to {email}"
        return chat[-1]

    def last_card(self, email: str, number: str) -> Posted:
        """The newest card in the person's chat that mentions the request number."""
        found = [p for p in self.chat(email) if p.card is not None and p.shows(number)]
        assert found, f"no card for {number} in {email}'s chat: {self.texts(email)}"
        return found[-1]

    def proactive(self) -> list[tuple[str, dict[str, Any] | None]]:
        """Messages the bot started (not replies to an activity)."""
        return [
            (path, body)
            for method, path, body in self.calls
            if method == "POST" and path.endswith("/activities")
        ]

    # ------------------------------------------------------------------ acting as a person

    def activity(self, user: TeamsUser, kind: str, **extra: Any) -> dict[str, Any]:
        """An activity from `user` shaped as Teams sends it."""
        now = datetime.now(UTC)
        return {
            "type": kind,
            "id": f"f:{next(self._ids)}",
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "localTimestamp": now.isoformat(),
            "localTimezone": user.timezone,
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id},
            "conversation": {
                "conversationType": "personal",
                "tenantId": TENANT,
                "id": user.conversation_id,
            },
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "locale": "en-US",
            "channelData": {"tenant": {"id": TENANT}},
            **extra,
        }

    async def post(
        self, activity: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """POST an activity to the bot; (status, the JSON body, or the text of any other)."""
        assert self._session is not None and self.bot_url
        if headers is None and self.authorize is not None:
            headers = {"Authorization": self.authorize(activity)}
        async with self._session.post(
            self.bot_url, json=activity, headers=headers or {}
        ) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    async def say(self, email: str, text: str) -> int:
        """The person types a message to the bot."""
        user = self.user(email)
        status, _ = await self.post(
            self.activity(
                user,
                "message",
                text=text,
                textFormat="plain",
                entities=[
                    {
                        "type": "clientInfo",
                        "locale": "en-US",
                        "country": "US",
                        "platform": "Web",
                        "timezone": user.timezone,
                    }
                ],
            )
        )
        return status

    async def install(self, email: str) -> int:
        """The app is installed for the person (personal scope): installationUpdate, then the
        conversationUpdate that adds the bot and the person to the chat."""
        user = self.user(email)
        status, _ = await self.post(
            self.activity(
                user,
                "installationUpdate",
                action="add",
                channelData={"tenant": {"id": TENANT}, "source": {"name": "message"}},
            )
        )
        assert status in (200, 201), status
        status, _ = await self.post(
            self.activity(
                user,
                "conversationUpdate",
                membersAdded=[{"id": BOT_ID}, {"id": user.id, "aadObjectId": user.aad_object_id}],
            )
        )
        return status

    async def click(
        self,
        email: str,
        posted: Posted,
        title: str,
        inputs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Click the button called `title` (in the card or in one of its show-cards) with
        Action.Execute, filling `inputs` by id; Teams then shows the card the bot answered
        in place of the clicked one. Returns the invoke response body."""
        card = posted.card
        assert card is not None, "not a card"
        button = find_action(card, title)
        data = {**form_defaults(card), **(button.get("data") or {}), **(inputs or {})}
        return await self.execute(email, posted, verb=button["verb"], data=data)

    async def execute(
        self, email: str, posted: Posted, *, verb: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Send an adaptiveCard/action invoke as if a card in `posted` was clicked."""
        user = self.user(email)
        activity = self.activity(
            user,
            "invoke",
            name="adaptiveCard/action",
            replyToId=posted.id,
            value={
                "action": {"type": "Action.Execute", "verb": verb, "data": data},
                "trigger": "manual",
            },
        )
        status, body = await self.post(activity)
        assert status == 200, (status, body)
        if body and body.get("type") == CARD and posted.conversation_id == user.conversation_id:
            posted.versions.append(posted.activity)
            posted.activity = {
                **posted.activity,
                "attachments": [{"contentType": CARD, "content": body["value"]}],
            }
        return dict(body or {})

    async def search(
        self, email: str, *, dataset: str, text: str, skip: int = 0, top: int = 15
    ) -> tuple[int, Any]:
        """Type into a typeahead (an Input.ChoiceSet with Data.Query): the `application/search`
        invoke Teams sends; (status, the invoke answer)."""
        activity = self.activity(
            self.user(email),
            "invoke",
            name="application/search",
            value={
                "queryText": text,
                "queryOptions": {"skip": skip, "top": top},
                "dataset": dataset,
            },
        )
        return await self.post(activity)

    async def submit(
        self, email: str, posted: Posted, title: str, inputs: dict[str, Any] | None = None
    ) -> int:
        """Click a button as an Action.Submit (a message with the data as value)."""
        card = posted.card
        assert card is not None
        button = find_action(card, title)
        value = {**form_defaults(card), **(button.get("data") or {}), **(inputs or {})}
        status, _ = await self.post(
            self.activity(self.user(email), "message", replyToId=posted.id, value=value)
        )
        return status


class FakeBotFramework:
    """The Bot Framework's token side: an OpenID metadata document and its signing keys
    (JWKS), and tokens signed as the Bot Framework signs what it sends to a bot.

    Served from a thread of its own: botframework-connector fetches keys with a blocking
    `requests.get` on the bot's event loop, which a server on that loop could never answer.
    """

    ISSUER = "https://api.botframework.com"  # what the SDK's public-cloud check requires

    def __init__(self, *, app_id: str) -> None:
        self.app_id = app_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-bot-framework-key"
        # What the bot presents to the connector when it answers (checked by FakeTeams).
        self.outbound_token = f"bot-to-channel-{uuid.uuid4().hex}"
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        documents: dict[str, dict[str, Any]] = {
            "/keys": {"keys": [{**jwk, "kid": self.kid, "use": "sig", "endorsements": ["msteams"]}]}
        }
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _documents_handler(documents))
        base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.metadata_url = f"{base}/.well-known/openidconfiguration"
        documents[urlparse(self.metadata_url).path] = {
            "issuer": self.ISSUER,
            "jwks_uri": f"{base}/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def trust(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make the bot's SDK take its keys from here (the public-cloud checks stay as they are)
        and hand out `outbound_token` instead of asking Microsoft Entra for one."""
        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", self.metadata_url)
        token = self.outbound_token
        monkeypatch.setattr(
            MicrosoftAppCredentials, "get_access_token", lambda _self, force_refresh=False: token
        )

    def token(
        self,
        *,
        service_url: str,
        audience: str | None = None,
        issuer: str = ISSUER,
        lifetime: timedelta = timedelta(hours=1),
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
    ) -> str:
        """A token for an activity, as the Bot Framework signs it; change an argument to
        forge one."""
        now = datetime.now(UTC)
        claims = {
            "iss": issuer,
            "aud": audience or self.app_id,
            "serviceurl": service_url,
            "nbf": int((now - timedelta(minutes=5)).timestamp()),
            "exp": int((now + lifetime).timestamp()),
        }
        # PyJWT signs "none" only with an empty key.
        signing_key = "" if algorithm == "none" else (key or self.key)
        return jwt.encode(
            claims, signing_key, algorithm=algorithm, headers={"kid": kid or self.kid}
        )


def _documents_handler(documents: dict[str, Any]) -> type[BaseHTTPRequestHandler]:
    class Documents(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = documents.get(self.path)
            body = json.dumps(found).encode()
            self.send_response(200 if found is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest shows what matters

    return Documents


def walk_actions(card: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every action of a card, including those inside show-cards."""
    for action in card.get("actions") or []:
        yield action
        if action.get("type") == "Action.ShowCard":
            yield from walk_actions(action.get("card") or {})
    for item in card.get("body") or []:
        if item.get("type") == "ActionSet":
            for action in item.get("actions") or []:
                yield action


def find_action(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The Action.Execute titled `title` (or the one inside the show-card titled `title`)."""
    for action in walk_actions(card):
        if action.get("title") != title:
            continue
        if action.get("type") == "Action.Execute":
            return action
        if action.get("type") == "Action.ShowCard":
            inner = [a for a in walk_actions(action["card"]) if a.get("type") == "Action.Execute"]
            assert len(inner) == 1, inner
            return inner[0]
    titles = [a.get("title") for a in walk_actions(card)]
    raise AssertionError(f"no button {title!r}; the card has {titles}")


def form_defaults(card: dict[str, Any]) -> dict[str, Any]:
    """The inputs' values as the card shows them (what Teams submits if nothing is typed)."""
    values: dict[str, Any] = {}
    for item in card.get("body") or []:
        if str(item.get("type", "")).startswith("Input.") and item.get("value") not in (None, ""):
            values[item["id"]] = str(item["value"])
    return values


def fill(card: dict[str, Any], by_label: dict[str, str]) -> dict[str, str]:
    """Input values keyed by id, from values keyed by the labels a person reads; choice sets
    take the title shown ('SaaS subscription') and send its value ('saas')."""
    inputs = {
        i["label"]: i for i in card.get("body") or [] if str(i.get("type")).startswith("Input.")
    }
    values: dict[str, str] = {}
    for label, text in by_label.items():
        assert label in inputs, f"no field {label!r}; the form has {list(inputs)}"
        field_ = inputs[label]
        if field_["type"] == "Input.ChoiceSet" and field_.get("style") != "filtered":
            by_title = {c["title"]: c["value"] for c in field_["choices"]}
            assert text in by_title, f"{label}: no choice {text!r} in {list(by_title)}"
            values[field_["id"]] = by_title[text]
        else:
            values[field_["id"]] = text
    return values


def conversation_of(reference: dict[str, object]) -> dict[str, Any]:
    """The `conversation` of a stored Bot Framework ConversationReference."""
    conversation = reference["conversation"]
    assert isinstance(conversation, dict), reference
    return conversation
