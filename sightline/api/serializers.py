"""What the API accepts and answers, as DRF serializers: they validate requests and describe
the OpenAPI schema, so the two cannot disagree."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from sightline.publishing.models import LibraryItem

MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_QUERY = 200
KINDS = [value for value, _ in LibraryItem.Kind.choices]


def _whole_number(name: str, low: int, high: int, default: int) -> serializers.IntegerField:
    message = f"{name} must be a whole number from {low} to {high}"
    return serializers.IntegerField(
        required=False,
        default=default,
        min_value=low,
        max_value=high,
        error_messages={key: message for key in ("invalid", "min_value", "max_value")},
    )


@extend_schema_field({"type": "integer", "minimum": 1000, "maximum": 9999})
class FourDigitYear(serializers.Field):
    default_error_messages = {"invalid": "year must be a four-digit year, like 2024"}

    def to_internal_value(self, data):
        text = str(data)
        if text == "":
            return None  # a form's empty field: no filter
        if not (len(text) == 4 and text.isascii() and text.isdigit()):
            self.fail("invalid")
        return int(text)

    def to_representation(self, value):
        return value


class LibrarySearchParameters(serializers.Serializer):
    """The query string of GET /api/v1/library/search. Repeat a facet parameter to match any of
    several values; an empty value (as a form sends for a field left blank) is no filter."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_QUERY,
        default="",
        help_text="Words to search for; text in double quotes is a phrase",
        error_messages={"max_length": f"q must be at most {MAX_QUERY} characters"},
    )
    kind = serializers.ListField(
        child=serializers.ChoiceField(
            choices=KINDS,
            allow_blank=True,
            error_messages={"invalid_choice": f"kind must be one of: {', '.join(KINDS)}"},
        ),
        required=False,
        default=list,
    )
    theme = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=list,
        help_text="Theme slug, as in the theme facet's values",
    )
    year = serializers.ListField(child=FourDigitYear(), required=False, default=list)
    review_type = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=list,
        help_text="For example LCSPR, SCR, rapid review (any case)",
    )
    page = _whole_number("page", 1, MAX_PAGE, 1)
    per_page = _whole_number("per_page", 1, MAX_PER_PAGE, 10)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({unknown[0]: f"Unknown parameter: {unknown[0]}"})
        return attrs

    def search_arguments(self) -> dict:
        data = self.validated_data
        return {
            "query": data["q"],
            "kind": [k for k in data["kind"] if k],
            "theme": [t for t in data["theme"] if t],
            "year": [y for y in data["year"] if y is not None],
            "review_type": [r for r in data["review_type"] if r],
            "page": data["page"],
            "per_page": data["per_page"],
        }


@extend_schema_serializer(component_name="LibraryItem")
class LibraryItemResult(serializers.Serializer):
    id = serializers.CharField(help_text="The back-catalogue id for imported items, else the slug")
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=KINDS)
    published = serializers.CharField(
        allow_null=True, help_text="YYYY-MM-DD, or YYYY when only the year is known"
    )
    themes = serializers.ListField(child=serializers.CharField())
    url = serializers.URLField()
    score = serializers.FloatField(
        min_value=0, max_value=1, help_text="Relevance from 0 to 1 (0 when listing without q)"
    )


@extend_schema_field({"type": ["string", "integer"]})
class FacetValue(serializers.Field):
    def to_representation(self, value):
        return value


class FacetCount(serializers.Serializer):
    value = FacetValue()
    label = serializers.CharField()
    count = serializers.IntegerField(min_value=0)


class Facets(serializers.Serializer):
    """Counts per value; each facet is counted with the other facets' filters applied."""

    kind = FacetCount(many=True)
    theme = FacetCount(many=True)
    year = FacetCount(many=True)
    review_type = FacetCount(many=True)


class SearchResults(serializers.Serializer):
    results = LibraryItemResult(many=True)
    page = serializers.IntegerField(min_value=1)
    per_page = serializers.IntegerField(min_value=1)
    total = serializers.IntegerField(min_value=0)
    corrected_query = serializers.CharField(
        required=False, help_text="The query as searched after spelling correction"
    )
    facets = Facets()


class Error(serializers.Serializer):
    error = serializers.CharField(help_text="bad_request, not_found or method_not_allowed")
    parameter = serializers.CharField(required=False, help_text="The parameter at fault")
    message = serializers.CharField()
