"""Who someone is in Teams: their tenant and Microsoft Entra object id. The email (the user
principal name first) only links that account once to the person of the policy and of Slack;
the `mail` attribute, which a user or an admin can set, never moves anyone."""

from __future__ import annotations

from bot.domain.model import Person
from tests.e2e.conftest import TeamsHarness
from tests.fakes import IT
from tests.fakes_teams import TENANT, TeamsUser


async def write(h: TeamsHarness, user: TeamsUser, text: str) -> str:
    """`user` writes to the bot; the bot's answer in their chat."""
    status, _ = await h.teams.post(h.teams.activity(user, "message", text=text))
    assert status in (200, 201)
    return h.teams.chats[user.conversation_id][-1].text


def identity(person: Person) -> tuple[str | None, str | None]:
    return person.teams_tenant_id, person.teams_aad_object_id


def assert_still_linked(h: TeamsHarness, email: str, user: TeamsUser) -> None:
    """`email` is still that Teams account, and its cards still go to that account's chat."""
    person = h.core.service.person(email)
    assert identity(person) == (TENANT, user.aad_object_id)
    assert person.teams_reference
    assert person.teams_reference["conversation"]["id"] == user.conversation_id


async def test_a_known_account_stays_who_it_is_when_its_email_changes(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    ines, omar = h.teams.user(IT[0]), h.teams.user(IT[1])
    await write(h, ines, "help")
    await write(h, omar, "help")
    lookups = len([c for c in h.teams.calls if c[0] == "GET"])
    # An admin gives Ines's account Omar's address, as mail and as user principal name.
    ines.email = ines.upn = IT[1]
    await write(h, ines, "list")
    assert h.teams.chats[ines.conversation_id][-1].shows("You have no requests yet")
    assert len([c for c in h.teams.calls if c[0] == "GET"]) == lookups  # known: not asked again
    assert_still_linked(h, IT[0], ines)
    assert_still_linked(h, IT[1], omar)


async def test_a_new_account_whose_mail_names_someone_else_is_not_them(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    ines = h.teams.user(IT[0])
    await write(h, ines, "help")
    # Mallory sets her `mail` attribute to Ines's address; her user principal name is hers.
    mallory = h.teams.add_user("mallory@acme.example", "Mallory")
    mallory.email, mallory.upn = IT[0], "mallory@acme.example"
    await write(h, mallory, "help")
    assert_still_linked(h, "mallory@acme.example", mallory)
    assert_still_linked(h, IT[0], ines)


async def test_a_second_account_cannot_take_an_email_already_linked(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    ines = h.teams.user(IT[0])
    await write(h, ines, "help")
    # Another account of the tenant, whose user principal name is (now) Ines's address.
    other = h.teams.add_user("ines.old@acme.example", "Ines (old account)")
    other.email = other.upn = IT[0]
    answer = await write(h, other, "list")
    assert "already belongs to another Teams account" in answer and "Ask IT" in answer
    assert_still_linked(h, IT[0], ines)
