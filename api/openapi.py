"""drf-standardized-errors' AutoSchema, told about the feed's query parameters (the views
validate them with serializers, api.query, so their 400 answers list those fields' errors) and
about the codes a serializer declares in `extra_error_codes` (a service's refusals)."""

from drf_standardized_errors.openapi import AutoSchema
from drf_standardized_errors.openapi_utils import (
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)


class FeedAutoSchema(AutoSchema):
    def _query_serializer(self):
        query_class = getattr(self.view, "query_serializer", None)
        return query_class() if query_class else None

    def _should_add_validation_error_response(self) -> bool:
        return self._query_serializer() is not None or super()._should_add_validation_error_response()

    def _determine_fields_with_error_codes(self):
        query = self._query_serializer() if self.method == "GET" else None
        if query is not None:
            serializer = query
            fields = get_serializer_fields_with_error_codes(get_flat_serializer_fields(query))
        else:
            fields = super()._determine_fields_with_error_codes()
            writes = self.method in ("PUT", "PATCH", "POST")
            serializer = self.get_request_serializer() if writes else None
        # Codes a serializer's fields get besides their own (a service's refusal, named by field).
        extra = getattr(serializer, "extra_error_codes", {})
        for field in fields:
            field.error_codes.update(extra.get(field.name, ()))
        return fields

    def _should_add_http404_error_response(self) -> bool:
        # Pages past the last one and unknown program codes answer 404.
        return True
