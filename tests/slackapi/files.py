"""files.* methods for files_upload_v2: an upload URL on the fake server's own loopback port,
the POST of the bytes to it, and the completion that shares the file in a channel."""

from __future__ import annotations

from tests.slackapi.models import Message, Upload
from tests.slackapi.params import Params, SlackError
from tests.slackapi.state import SlackState

UPLOAD_PATH = "/upload/"


def get_upload_url_external(state: SlackState, p: Params) -> dict:
    filename = p.require("filename", "invalid_arguments")
    length = p.int("length", -1)
    if length < 0:
        raise SlackError("invalid_arguments", detail="missing required argument: length")
    upload = Upload(id=state.new_id("F"), filename=filename, length=length)
    state.uploads[upload.id] = upload
    return {"upload_url": f"{state.base_url}{UPLOAD_PATH}{upload.id}", "file_id": upload.id}


def receive_upload(state: SlackState, file_id: str, body: bytes) -> tuple[int, str]:
    """The POST to an upload URL (called by the WSGI app, under the state lock)."""
    upload = state.uploads.get(file_id)
    if upload is None or upload.channel is not None:
        return 404, "not found"
    if len(body) != upload.length:
        return 400, f"length {len(body)} is not the {upload.length} announced"
    upload.content = body
    state.notify()
    return 200, f"OK - {len(body)}"


def complete_upload_external(state: SlackState, p: Params) -> dict:
    files = p.json("files")
    if not isinstance(files, list) or not files:
        raise SlackError("invalid_arguments", detail="files must be a non-empty list")
    uploads = []
    for item in files:
        upload = state.uploads.get(str((item or {}).get("id")))
        if upload is None or upload.channel is not None:
            raise SlackError("file_not_found")
        if upload.content is None:
            raise SlackError("file_upload_not_completed")  # bytes never reached the URL
        upload.title = item.get("title") or upload.filename
        uploads.append(upload)
    channel_id = p.str("channel_id")
    if channel_id:
        channel = state.postable_channel(channel_id)
        comment = p.str("initial_comment") or ""
        message = Message(
            channel=channel.id,
            ts=state.next_ts(),
            text=comment,
            user=state.bot_user_id,
            bot_id=state.bot_id,
            thread_ts=p.str("thread_ts"),
            subtype="file_share",
        )
        for upload in uploads:
            upload.channel, upload.initial_comment = channel.id, comment
            upload.message_ts = message.ts
        message.files = [upload.as_api() for upload in uploads]
        state.store_message(message)
    state.notify()
    return {"files": [upload.as_api() for upload in uploads]}


METHODS = {
    "files.getUploadURLExternal": get_upload_url_external,
    "files.completeUploadExternal": complete_upload_external,
}
