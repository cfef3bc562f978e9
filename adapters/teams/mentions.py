"""What a person typed to the bot, without the bot's own @mention.

botbuilder's TurnContext.remove_recipient_mention trusts the entities it is given: an entity
without a `type`, or a mention without `mentioned`, raises, and the mention's text is used as a
regular expression. The activity is the client's to fill, so the mention is taken out here
with plain string work instead.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity


def typed_text(activity: Activity) -> str:
    """The activity's text with every `<at>…</at>` mention of the bot (the recipient) removed;
    other mentions stay as written."""
    text = activity.text if isinstance(activity.text, str) else ""
    bot = getattr(activity.recipient, "id", None)
    for entity in activity.entities or []:
        said = _bot_mention(entity, bot)
        if said:
            text = text.replace(said, "")
    return text


def _bot_mention(entity: Any, bot: str | None) -> str | None:
    """The text (`<at>Procurebot</at>`) of a mention entity naming the bot, else None."""
    kind = getattr(entity, "type", None)
    if not isinstance(kind, str) or kind.lower() != "mention" or bot is None:
        return None
    extra = getattr(entity, "additional_properties", None) or {}
    mentioned = extra.get("mentioned")
    if not isinstance(mentioned, dict) or mentioned.get("id") != bot:
        return None
    said = extra.get("text")
    if isinstance(said, str) and said:
        return said
    name = mentioned.get("name")
    return f"<at>{name}</at>" if isinstance(name, str) and name else None
