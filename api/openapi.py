"""drf-standardized-errors' AutoSchema, told about the feed's query parameters: the views
validate them with serializers (api.query), so their 400 answers list those fields' errors."""

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
        serializer = self._query_serializer()
        if serializer is None or self.method != "GET":
            return super()._determine_fields_with_error_codes()
        fields = get_serializer_fields_with_error_codes(get_flat_serializer_fields(serializer))
        extra = getattr(serializer, "extra_error_codes", {})
        for field in fields:
            field.error_codes.update(extra.get(field.name, ()))
        return fields

    def _should_add_http404_error_response(self) -> bool:
        # Pages past the last one and unknown program codes answer 404.
        return True
