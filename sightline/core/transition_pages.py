"""Transition pages: the one page for a workflow move, which asks for what the move needs.

A status button leads to its move's page. The page shows, in one form:

- a field for each of the move's `required` fields, pre-filled with the record's current
  value: the app's own declaration of that field where it has one (its label, hint and checks,
  such as a date that cannot be in the future), otherwise the model's field labelled from the
  workflow's `field_labels`. They are not marked "(optional)";
- any further fields the app puts on the page (`also`), and the note, which is needed when the
  move says so;
- the conditions the form cannot meet (every agency return submitted, a draft uploaded), each
  with a link to where it is met, and any required field kept on a page of its own (a
  briefing's tiles), with a link to that page.

On POST it calls the app's transition service with `updates=` (the form's values for those
fields) and the version the form started from. The service passes them to `transition()`,
which sets them before it checks the move, so the fields are saved and the move is made in one
step, or nothing is saved. A refusal comes back keyed by field (`TransitionRefused`) and each
message is shown beside its field, the rest in the error summary; a stale version shows what
changed (`stale_edit_context`) with what was typed still in the form.

    t = available_transition(RAPID_REVIEW_WORKFLOW, rr, request.user, name, refuse=not_found)
    return TransitionPage(
        request,
        workflow=RAPID_REVIEW_WORKFLOW,
        transition=t,
        obj=rr,
        apply=lambda **move: services.rapid_review_transition(rr=rr, by=request.user, **move),
        success_url=reverse("reviews:rapid-review", args=[case.reference]),
        success_message=lambda rr: f"Rapid review status: {rr.get_status_display().lower()}",
        fields=SECTION_FIELDS,
        fixes={returns_submitted: returns_url},
        context={"back_url": ..., "caption": ...},
    ).respond()

A move whose form fields are not one to one with the model's (a date and a time that make
one `scheduled_for`) has a `TransitionForm` subclass of its own: it declares its fields, lists
the model fields they fill in `fills`, says in `aliases` beside which form field the
workflow's messages about those model fields go, and returns the values from `updates()`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.shortcuts import redirect, render
from django.utils.text import capfirst

from sightline.core.forms import BaseForm, GovukDateField, needed, show_refusal
from sightline.core.stale import stale_edit_context
from sightline.core.versioning import StaleEdit
from sightline.core.workflow import Transition, TransitionRefused, Workflow

TEMPLATE = "core/transition_page.html"
NOTE_HINT = "Say why. It is kept in the record's history"
YES_NO = [("True", "Yes"), ("False", "No")]


@dataclass(frozen=True)
class Blocker:
    """Something the move needs that its form cannot give, and where it is done."""

    message: str
    url: str = ""


class TransitionForm(BaseForm):
    """The form of a transition page: the version it started from, the move's fields, the
    note. `transition_form_class()` adds the fields; a subclass may declare its own."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    # For a subclass whose own fields fill model fields by another name:
    fills: tuple[str, ...] = ()  # the model fields they fill, through updates()
    aliases: Mapping[str, str] = {}  # model field -> the form field its messages go beside
    # Set by transition_form_class():
    asked: tuple[str, ...] = ()  # model fields with a form field of the same name
    requires: tuple[str, ...] = ()  # of those, the ones the move needs
    note_required = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"] = self.fields.pop("note")  # the note comes last
        for name in self.requires:
            needed(self.fields[name])
        if self.note_required:
            needed(self.fields["note"])
            self.fields["note"].help_text = NOTE_HINT

    def updates(self) -> dict[str, Any]:
        """The model field values the move is made with. A field left out of the submitted
        data altogether keeps its saved value (a browser sends every field it shows)."""
        return {name: self.cleaned_data.get(name) for name in self.asked if not self.omitted(name)}

    def omitted(self, name: str) -> bool:
        bound = self[name]
        return bound.field.widget.value_omitted_from_data(self.data, self.files, bound.html_name)


def model_formfield(workflow: Workflow, model: type[models.Model], name: str) -> forms.Field:
    """A GOV.UK form field for a model field, labelled from the workflow."""
    model_field = model._meta.get_field(name)
    label = capfirst(workflow.label(name))
    if isinstance(model_field, models.DateTimeField | models.ForeignKey):
        # A date and a time, or a choice of records, need a form of the app's own: which
        # records may be chosen is the app's rule.
        raise ImproperlyConfigured(f"Declare the form field for {model.__name__}.{name}")
    if isinstance(model_field, models.DateField):
        return GovukDateField(label=label, required=False)
    if model_field.choices:
        choices = [(value, text) for value, text in model_field.flatchoices if value != ""]
        return forms.ChoiceField(
            label=label, choices=choices, widget=forms.RadioSelect, required=False
        )
    if isinstance(model_field, models.BooleanField) and model_field.null:
        return forms.TypedChoiceField(
            label=label,
            choices=YES_NO,
            coerce=lambda value: value == "True",
            empty_value=None,
            widget=forms.RadioSelect,
            required=False,
        )
    if isinstance(model_field, models.TextField):
        return forms.CharField(
            label=label, required=False, widget=forms.Textarea(attrs={"rows": 5})
        )
    field = model_field.formfield()
    field.label = label
    field.required = False
    return field


def transition_form_class(
    workflow: Workflow,
    t: Transition,
    model: type[models.Model],
    *,
    base: type[TransitionForm] = TransitionForm,
    fields: Mapping[str, forms.Field] | None = None,
    ask: Iterable[str] | None = None,
    also: Iterable[str] = (),
) -> type[TransitionForm]:
    """The form class for one move: a field for each of `ask` (the move's required fields by
    default) and `also`, from the app's `fields` where it declares them, else from the model.

    The move's fields are not required by the form: the workflow checks them, with every
    condition, so a refusal lists every problem at once."""
    fields = fields or {}
    asked = [n for n in (t.required if ask is None else ask) if n not in base.fills]
    extra = [n for n in also if n not in asked and n not in base.fills]
    attrs: dict[str, Any] = {}
    for name in [*asked, *extra]:
        if name in base.base_fields:
            continue
        field = (
            copy.deepcopy(fields[name])
            if name in fields
            else model_formfield(workflow, model, name)
        )
        if name in t.required:
            field.required = False
        attrs[name] = field
    attrs.update(
        asked=tuple(n for n in [*asked, *extra] if n not in base.fills),
        requires=tuple(n for n in asked if n in t.required),
        note_required=t.note_required,
    )
    return type(f"{model.__name__}{capfirst(t.name)}Form", (base,), attrs)


def available_transition(
    workflow: Workflow, obj: models.Model, user, name: str, *, refuse: Callable[[], Exception]
) -> Transition:
    """The move called `name` if this user may make it from the record's state now; otherwise
    the app's refusal (a 404, logged where the app logs refusals)."""
    try:
        t = workflow.get(name)
    except TransitionRefused:
        raise refuse() from None
    if t not in workflow.available(obj, user):
        raise refuse()
    return t


class TransitionPage:
    """The page for one move of one record. See the module's docstring."""

    template_name = TEMPLATE

    def __init__(
        self,
        request,
        *,
        workflow: Workflow,
        transition: Transition,
        obj: models.Model,
        apply: Callable[..., Any],
        success_url: str,
        success_message: str | Callable[[Any], str],
        form_class: type[TransitionForm] = TransitionForm,
        fields: Mapping[str, forms.Field] | None = None,
        ask: Iterable[str] | None = None,
        also: Iterable[str] = (),
        initial: Mapping[str, Any] | None = None,
        elsewhere: Mapping[str, str] | None = None,
        fixes: Mapping[Callable, str] | None = None,
        context: Mapping[str, Any] | None = None,
    ):
        """`apply(name=, updates=, note=, expected_version=)` makes the move through the app's
        service. `elsewhere` maps required fields kept on another page (not asked here) to
        that page's URL; `fixes` maps conditions to the URL where each is met."""
        self.request = request
        self.workflow = workflow
        self.t = transition
        self.obj = obj
        self.apply = apply
        self.success_url = success_url
        self.success_message = success_message
        self.form_class = transition_form_class(
            workflow, transition, type(obj), base=form_class, fields=fields, ask=ask, also=also
        )
        self.initial = {
            "version": obj.version,
            **{name: getattr(obj, name) for name in self.form_class.asked},
            **(initial or {}),
        }
        self.elsewhere = elsewhere or {}
        self.fixes = fixes or {}
        self.context = context or {}

    def respond(self):
        request = self.request
        posted = request.POST if request.method == "POST" else None
        form = self.form_class(posted, initial=self.initial)
        extra: dict[str, Any] = {}
        if posted is not None and form.is_valid():
            try:
                self.apply(
                    name=self.t.name,
                    updates=form.updates(),
                    note=form.cleaned_data.get("note") or "",
                    expected_version=form.cleaned_data.get("version") or 0,
                )
            except StaleEdit as stale:
                self.obj.refresh_from_db()
                extra = stale_edit_context(form, stale.current)
            except ValidationError as error:
                self.obj.refresh_from_db()  # the move set the fields before it was refused
                show_refusal(form, error)
            else:
                message = self.success_message
                messages.success(request, message(self.obj) if callable(message) else message)
                return redirect(self.success_url)
        return render(request, self.template_name, self.context_data(form, **extra))

    def blockers(self, form: TransitionForm) -> list[Blocker]:
        """What the move still needs that this form cannot give: required fields kept on
        another page, and conditions that do not belong to a field of the form."""
        wf, t, obj = self.workflow, self.t, self.obj
        found = [
            Blocker(capfirst(wf.label(name)), self.elsewhere.get(name, ""))
            for name in wf.empty_required(obj, t)
            if name not in form.asked and name not in form.fills
        ]
        for condition, name, message in wf.unmet_conditions(obj, t):
            if name is not None and (name in form.fields or name in form.aliases):
                continue
            found.append(Blocker(message, self.fixes.get(condition, "")))
        return found

    def context_data(self, form: TransitionForm, **extra) -> dict[str, Any]:
        wf, t, obj = self.workflow, self.t, self.obj
        return {
            **self.context,
            "t": t,
            "obj": obj,
            "form": form,
            "from_label": wf.states(wf.state_of(obj)).label,
            "target_label": wf.states(t.target).label,
            "blockers": self.blockers(form),
            **extra,
        }
