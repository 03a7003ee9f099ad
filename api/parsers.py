"""The feed's JSON body parser: DRF's, with its refusal of a malformed body said in the user's
language and pointing at the place ("JSON parse error - Expecting value…" is English only)."""

import json

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class FeedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as refused:
            # DRF raises ParseError while handling the decoder's error, which says where it failed.
            cause = refused.__context__
            if isinstance(cause, json.JSONDecodeError):
                message = _("The request body is not valid JSON (line %(line)s, column %(column)s).") % {
                    "line": cause.lineno,
                    "column": cause.colno,
                }
            else:
                message = _("The request body is not valid JSON.")
            raise ParseError(message) from cause
