"""Files uploaded the way files_upload_v2 does it: reserve, upload the bytes, share."""

from __future__ import annotations

from collections.abc import Iterable

from .changes import ChangeFeed
from .directory import Directory
from .ids import Ids
from .messages import MessageStore
from .model import JSON, File, WorkspaceError


class FileStore:
    """The workspace's files, from files.getUploadURLExternal to files.completeUploadExternal."""

    def __init__(
        self, *, directory: Directory, messages: MessageStore, ids: Ids, feed: ChangeFeed
    ) -> None:
        self._directory = directory
        self._messages = messages
        self._ids = ids
        self._feed = feed
        self.files: dict[str, File] = {}

    def clear(self) -> None:
        """No files."""
        self.files.clear()

    def create(
        self,
        *,
        filename: str,
        length: int,
        alt_txt: str | None = None,
        snippet_type: str | None = None,
    ) -> File:
        """Reserve a file for an upload (files.getUploadURLExternal)."""
        file = File(
            id=self._ids.next_id("F"),
            name=filename,
            title=filename,
            user=self._directory.bot.id,
            created=int(self._ids.clock()),
            length=length,
            alt_txt=alt_txt,
            snippet_type=snippet_type,
        )
        self.files[file.id] = file
        return file

    def store_upload(self, file_id: str, data: bytes) -> File:
        """Keep the bytes POSTed to a file's upload URL."""
        file = self.files.get(file_id)
        if file is None:
            raise WorkspaceError("file_not_found")
        file.data = data
        self._feed.bump()
        return file

    def complete(
        self,
        items: list[JSON],
        *,
        channel_ids: Iterable[str] = (),
        initial_comment: str = "",
        thread_ts: str | None = None,
    ) -> list[File]:
        """Finish uploads and share them with one message in each channel (or thread) given."""
        files: list[File] = []
        for item in items:
            file = self.files.get(str(item.get("id")))
            if file is None or not file.uploaded:
                raise WorkspaceError("file_not_found")
            if item.get("title"):
                file.title = str(item["title"])
            files.append(file)
        channels = [self._directory.resolve_channel(ref) for ref in channel_ids]
        for channel in channels:
            for file in files:
                file.channels.append(channel.id)
            self._messages.post(
                channel.id,
                user=self._directory.bot.id,
                text=initial_comment,
                thread_ts=thread_ts,
                files=[f.id for f in files],
            )
        self._feed.bump()
        return files
