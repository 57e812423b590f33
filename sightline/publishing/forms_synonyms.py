"""Settings forms for the library search's synonym list.

The form carries the synonym's version in a hidden field so a stale edit is refused, not
saved. It checks what the services check (`services_synonyms.clean_term` and
`clean_expansions`), so problems are shown beside the fields; the views pass the cleaned data
to the services."""

from __future__ import annotations

from django import forms

from sightline.core.forms import BaseForm
from sightline.core.forms_settings import VersionedModelForm
from sightline.publishing import services_synonyms
from sightline.publishing.models import SearchSynonym


class SynonymForm(VersionedModelForm):
    class Meta:
        model = SearchSynonym
        fields = ["term", "expansions"]
        labels = {"term": "Term", "expansions": "What the term means"}
        help_texts = {
            "term": "Usually an abbreviation, for example MARAC. Capital letters do not matter "
            "when searching",
            "expansions": "For example, multi-agency risk assessment conference. Put each "
            "meaning or spelling on a new line",
        }
        widgets = {
            "term": forms.TextInput(attrs={"class": "govuk-input--width-20"}),
            "expansions": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "term": {
                "required": "Enter the term",
                "max_length": "Term must be %(limit_value)s characters or fewer",
            },
            "expansions": {"required": "Enter at least one expansion"},
        }

    def clean_term(self) -> str:
        return services_synonyms.clean_term(self.cleaned_data["term"], exclude_pk=self.instance.pk)

    def clean_expansions(self) -> str:
        term = self.cleaned_data.get("term", "")
        lines = services_synonyms.clean_expansions(self.cleaned_data["expansions"], term=term)
        return "\n".join(lines)

    def validate_unique(self):
        # Terms are compared as the search compares them (any case) in clean_term.
        pass


class SynonymSearchForm(BaseForm):
    q = forms.CharField(label="Search synonyms", required=False, max_length=100)
