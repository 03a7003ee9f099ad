"""An upload handler that stops storing a file once it passes IMPORT_MAX_UPLOAD_MB, so a 2 GB
upload costs neither memory nor disk; the import form then says the file is too large."""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from imports.readers import max_bytes


class SizeLimitedUploadHandler(FileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > max_bytes():
            # Remember which field it was; the rest of the file is read and thrown away.
            self.request.upload_too_large = getattr(self.request, "upload_too_large", set()) | {
                self.field_name
            }
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
