"""Storing and restoring Bot Framework conversation references (how to reach a person later)."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

_TENANT = "tenantId"


def tenant_of(activity: Activity) -> str | None:
    """The tenant of an activity, from channelData.tenant.id.

    botbuilder 4.17.1 reads a conversation's tenant from `tenantID`, so the `tenantId` that
    Teams sends in `conversation` is lost on deserialisation; channelData keeps it.
    """
    channel_data = activity.channel_data
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict) and tenant.get("id"):
            return str(tenant["id"])
    conversation = activity.conversation
    return conversation.tenant_id if conversation is not None else None


def is_personal(activity: Activity) -> bool:
    """Whether the activity comes from a one-to-one chat with the bot."""
    conversation = activity.conversation
    return conversation is not None and conversation.conversation_type in (None, "personal")


def reference_of(activity: Activity) -> dict[str, Any]:
    """A JSON-ready conversation reference of the activity's conversation, with its tenant."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None  # a reference to the chat, not to one message in it
    data: dict[str, Any] = reference.serialize()
    tenant = tenant_of(activity)
    if tenant:
        data[_TENANT] = tenant
    return data


def load_reference(data: dict[str, Any]) -> ConversationReference:
    """The ConversationReference stored by reference_of()."""
    reference = ConversationReference().deserialize(data)
    tenant = data.get(_TENANT)
    if tenant and reference.conversation is not None:
        reference.conversation.tenant_id = str(tenant)
    return reference
