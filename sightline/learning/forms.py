from django import forms
from django.conf import settings

from sightline.accounts.models import Agency
from sightline.core.forms import GovukDateField, needed
from sightline.core.models import Theme
from sightline.learning.documents import MAX_QUESTION_WORDS, MAX_TILE_WORDS, word_count
from sightline.learning.models import Briefing
from sightline.learning.workflow import REVIEW_SOURCES, SECTION_FIELDS
from sightline.reviews.access import cases_visible_to

TILE_HINT = (
    f"About 120 words; at most {MAX_TILE_WORDS}, so the briefing fits on one page. "
    "Start a new line for a new paragraph. Do not name or identify the child, their family or "
    "practitioners."
)


# The tiles and questions may be saved empty in a draft, but the briefing cannot be sent for
# review without them.
SUBMIT_NEEDS = "you send it for review"


def _themes():
    return Theme.objects.filter(active=True, archived_at__isnull=True)


class BriefingForm(forms.Form):
    """The briefing's content. Only the title is needed to save a draft; the rest is needed
    before it can be sent for review (the workflow says so, not the form)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="Short and plain, for example ‘Bruising in babies who are not yet mobile’",
        error_messages={
            "required": "Enter a title for the briefing",
            "max_length": "Title must be 200 characters or fewer",
        },
    )
    source = forms.ChoiceField(
        label="Where the learning comes from",
        choices=Briefing.Source.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the learning comes from"},
    )
    source_case = forms.ModelChoiceField(
        label="Review",
        queryset=None,
        required=False,
        help_text="For a practice review or a rapid review",
    )
    topic = forms.CharField(
        label="Topic or source details",
        max_length=200,
        required=False,
        help_text=(
            "What the learning comes from, in words: the Line of Sight learning event, audit, "
            "topic, or a review not held in Sightline. For example, ‘Multi-agency neglect "
            "audit, spring 2026’"
        ),
        error_messages={"max_length": "Topic or source details must be 200 characters or fewer"},
    )
    reflective_questions = needed(
        forms.CharField(
            label="Reflective questions",
            required=False,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=(
                f"One question per line, for teams to discuss. At most {MAX_QUESTION_WORDS} "
                "words in all"
            ),
        ),
        before=SUBMIT_NEEDS,
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_public = forms.BooleanField(
        label="Also publish it in the public learning library",
        required=False,
        help_text="The publication policy applies to it once it is published",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_case"].queryset = cases_visible_to(user).order_by("-aware_date")
        self.fields["source_case"].empty_label = "Select a review"
        self.fields["themes"].queryset = _themes()
        headings = settings.SIGHTLINE_BRIEFING_HEADINGS
        for i, name in enumerate(SECTION_FIELDS):
            self.fields[name] = needed(
                forms.CharField(
                    label=f"{i + 1}. {headings[i]}",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 6}),
                    help_text=TILE_HINT,
                ),
                before=SUBMIT_NEEDS,
            )

    @property
    def section_fields(self):
        return [self[name] for name in SECTION_FIELDS]

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source in REVIEW_SOURCES:
            data["topic"] = data.get("topic", "")
        elif data.get("source_case"):
            data["source_case"] = None
        headings = settings.SIGHTLINE_BRIEFING_HEADINGS
        for i, name in enumerate(SECTION_FIELDS):
            if word_count(data.get(name, "")) > MAX_TILE_WORDS:
                self.add_error(
                    name,
                    f"{headings[i]} must be {MAX_TILE_WORDS} words or fewer, so the briefing "
                    "fits on one page",
                )
        if word_count(data.get("reflective_questions", "")) > MAX_QUESTION_WORDS:
            self.add_error(
                "reflective_questions",
                f"Reflective questions must be {MAX_QUESTION_WORDS} words or fewer, so the "
                "briefing fits on one page",
            )
        return data

    def content(self) -> dict:
        """The cleaned values the services take."""
        data = self.cleaned_data
        values = {
            name: data.get(name, "")
            for name in ("title", "source", "topic", "reflective_questions", *SECTION_FIELDS)
        }
        values["source_case"] = data.get("source_case")
        values["is_public"] = bool(data.get("is_public"))
        return values


def transition_fields() -> dict[str, forms.Field]:
    """The fields a move's page asks for (sightline.core.transition_pages)."""
    return {
        "publish_date": GovukDateField(label="Publish date"),
        "review_date": GovukDateField(
            label="Review date",
            help_text="When the partnership will check it is still right. For example, 27 3 2027",
        ),
    }


class SendForm(forms.Form):
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies to send it to",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each agency’s safeguarding leads are told by e-mail and in Sightline",
        error_messages={"required": "Select at least one agency"},
    )

    def __init__(self, *args, briefing: Briefing, **kwargs):
        super().__init__(*args, **kwargs)
        already = briefing.disseminations.filter(archived_at__isnull=True).values("agency_id")
        self.fields["agencies"].queryset = Agency.objects.filter(
            active=True, archived_at__isnull=True
        ).exclude(pk__in=already)


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    teams = forms.CharField(
        label="Teams it was shared with",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, ‘Emergency department nursing, paediatric ward, health visiting’",
        error_messages={"required": "Enter the teams the briefing was shared with"},
    )
    cascade_date = GovukDateField(
        label="Date it was shared",
        not_future=True,
        help_text="If it was shared over several days, the last of them. For example, 27 3 2026",
        error_messages={"required": "Enter the date the briefing was shared"},
    )
    staff_reached = forms.IntegerField(
        label="Number of staff it reached",
        min_value=0,
        max_value=1_000_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter the number of staff the briefing reached",
            "invalid": "Number of staff reached must be a whole number, like 25",
            "min_value": "Number of staff reached must be 0 or more",
            "max_value": "Number of staff reached must be 1,000,000 or fewer",
        },
    )
    changes = forms.CharField(
        label="What your teams will do differently",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The changes to practice your teams agreed, and who will check they happen",
        error_messages={"required": "Enter what your teams will do differently"},
    )


class BriefingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Briefing.Status.choices]
    )
    theme = forms.ModelChoiceField(label="Theme", queryset=None, required=False)
    source = forms.ChoiceField(
        label="Source", required=False, choices=[("", "Any source"), *Briefing.Source.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(archived_at__isnull=True)
        self.fields["theme"].empty_label = "Any theme"
