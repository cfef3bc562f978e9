"""files_upload_v2 end to end: getUploadURLExternal, the upload POST, completeUploadExternal."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError

from .conftest import TOKEN, Fake


async def test_files_upload_v2_posts_the_file_in_a_thread(fake: Fake) -> None:
    parent = await fake.client.chat_postMessage(channel="C0001", text="Weekly digest")
    response = await fake.client.files_upload_v2(
        channel="C0001",
        file=b"id,amount\n7,1200\n",
        filename="digest.csv",
        title="Digest",
        initial_comment="This week's requests",
        thread_ts=parent["ts"],
    )
    file_id = response["file"]["id"]
    assert response["file"]["title"] == "Digest"
    methods = [c.method for c in fake.workspace.calls]
    assert methods[-3:] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    stored = fake.workspace.files[file_id]
    assert stored.data == b"id,amount\n7,1200\n" and stored.name == "digest.csv"
    reply = fake.workspace.last_message("C0001")
    assert reply.thread_ts == parent["ts"] and reply.files == [file_id]
    assert reply.text == "This week's requests"
    info = await fake.client.files_info(file=file_id)
    assert info["file"]["size"] == len(stored.data) and info["file"]["channels"] == ["C0001"]
    async with (
        aiohttp.ClientSession() as session,
        session.get(info["file"]["url_private"]) as download,
    ):
        assert await download.read() == stored.data


async def test_files_upload_v2_to_a_user_im_from_content(fake: Fake) -> None:
    im = (await fake.client.conversations_open(users="U0002"))["channel"]["id"]
    await fake.client.files_upload_v2(channel=im, content="hello", filename="note.txt")
    message = fake.workspace.last_message("bob")
    assert fake.workspace.files[message.files[0]].data == b"hello"


async def test_multipart_upload_is_accepted(fake: Fake) -> None:
    reserved = await fake.client.files_getUploadURLExternal(filename="a.pdf", length=3)
    form = aiohttp.FormData()
    form.add_field("file", b"PDF", filename="a.pdf")
    async with (
        aiohttp.ClientSession() as session,
        session.post(reserved["upload_url"], data=form) as response,
    ):
        assert response.status == 200
        assert (await response.text()).startswith("OK")
    assert fake.workspace.files[reserved["file_id"]].data == b"PDF"


async def test_complete_upload_errors(fake: Fake) -> None:
    reserved = await fake.client.files_getUploadURLExternal(filename="a.pdf", length=3)
    with pytest.raises(SlackApiError) as raised:  # nothing was uploaded yet
        await fake.client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}])
    assert raised.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as raised:
        await fake.client.files_completeUploadExternal(files=[{"id": "F9999"}])
    assert raised.value.response["error"] == "file_not_found"


async def test_get_upload_url_needs_filename_and_length(fake: Fake) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session:
        url = f"{fake.api_url}files.getUploadURLExternal"
        async with session.post(url, data={"filename": "a.txt"}) as response:
            body = await response.json()
    assert body == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": ["[ERROR] missing required field: length"]},
    }
