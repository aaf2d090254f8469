"""Streaming uploads to a temporary file, stopped as soon as they pass the size limit.

Django's default handlers keep uploads under 2.5 MB in memory; a dataset upload always goes to a
temporary file (the parsers read it from disk), and is refused with a 413 either up front, from the
request's Content-Length, or as soon as the bytes received pass the limit (for chunked requests).
"""

from __future__ import annotations

from django.core.files.uploadhandler import TemporaryFileUploadHandler

from . import ingest

# A multipart body holds the form fields and boundaries besides the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class DatasetUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = ingest.max_upload_bytes()
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + MULTIPART_OVERHEAD_BYTES:
            raise ingest.upload_too_large(self.limit)
        return None

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()  # a named temporary file: closing it deletes it
            raise ingest.upload_too_large(self.limit)
        return super().receive_data_chunk(raw_data, start)
