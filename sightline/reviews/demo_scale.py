"""Review cases for the benchmark volume (`seed_demo --scale`): about 1,000 at scale 1.

One case is driven through the services (`sightline/reviews/scenario.py`) to each point a case
can reach, closed ones included. Every other case is a copy of one of those, with its stage
records (notification, rapid review, returns, sign-offs, local review, engagement, drafts,
members, lessons, recommendations and the actions in the case's own plan) copied alongside and
every date moved back by whole weeks, so each copy holds exactly what the services would have
made that many weeks earlier, and its stage agrees with its records. Which point a copy is at
follows from its age: concerns and rapid reviews are recent, local reviews run for months, and
most cases older than eighteen months are closed (some national reviews, alternative learning
routes and decisions not to notify are left open, as they are in practice).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from sightline.actions.demo_scale import Refs
from sightline.actions.models import Action, ActionPlan, ActionUpdate
from sightline.core.calendar import subtract_months
from sightline.core.clocks import get_calendar
from sightline.core.demo_scale import YEARS, World, shifted
from sightline.core.models import Document
from sightline.reviews import services, services_local
from sightline.reviews.models import (
    AgeBand,
    AgencyReturn,
    Case,
    CaseMember,
    CaseSubject,
    DraftVersion,
    EngagementEntry,
    IncidentNotification,
    Lesson,
    LocalReview,
    MonitoringEntry,
    ParallelProceeding,
    PartnerSignOff,
    RapidReview,
    Recommendation,
)
from sightline.reviews.scenario import advance_case

# key: (point for advance_case, working days since awareness or None, months since decision,
#       what happens after that point)
TEMPLATES = {
    "concern": ("concern", 3, None, None),
    "notified": ("notified", 4, None, None),
    "returns_requested": ("returns_requested", 6, None, None),
    "returns_submitted": ("returns_submitted", 9, None, None),
    "meeting_held": ("meeting_held", 12, None, None),
    "recommended": ("recommended", 13, None, None),
    "signed_off": ("signed_off", 14, None, None),
    "sent_to_panel": ("sent_to_panel", 18, None, None),
    "not_notified": ("concern", 20, None, "not_notify"),
    "not_notified_closed": ("concern", 40, None, "not_notify close"),
    "national": ("sent_to_panel", 30, None, "national"),
    "national_closed": ("sent_to_panel", 60, None, "national close"),
    "alternative": ("sent_to_panel", 30, None, "alternative"),
    "alternative_closed": ("sent_to_panel", 60, None, "alternative close"),
    "decided_lcspr": ("decided_lcspr", None, 1, None),
    "reviewer_appointed": ("reviewer_appointed", None, 1, None),
    "tor_agreed": ("tor_agreed", None, 2, None),
    "learning": ("tor_agreed", None, 3, "learning"),
    "evidence": ("evidence", None, 3, None),
    "draft": ("draft", None, 4, None),
    "partner_qa": ("partner_qa", None, 6, None),
    "final_agreed": ("final_agreed", None, 7, None),
    "ready_for_publication": ("ready_for_publication", None, 8, None),
    "closed_local": ("ready_for_publication", None, 10, "close_local"),
}
RECENT = {  # the points a case of this age (days since awareness) may be at, with weights
    15: [("concern", 5), ("notified", 3), ("returns_requested", 3), ("not_notified", 1)],
    35: [
        ("returns_submitted", 2),
        ("meeting_held", 2),
        ("recommended", 2),
        ("signed_off", 2),
        ("sent_to_panel", 3),
        ("not_notified", 3),
    ],
    90: [
        ("sent_to_panel", 2),
        ("decided_lcspr", 2),
        ("reviewer_appointed", 2),
        ("national", 1),
        ("alternative", 6),
        ("not_notified", 5),
    ],
    300: [
        ("tor_agreed", 2),
        ("learning", 3),
        ("evidence", 3),
        ("draft", 2),
        ("partner_qa", 1),
        ("national", 1),
        ("alternative", 8),
        ("alternative_closed", 4),
        ("not_notified", 6),
        ("not_notified_closed", 4),
    ],
    540: [
        ("partner_qa", 2),
        ("final_agreed", 2),
        ("ready_for_publication", 2),
        ("closed_local", 3),
        ("national", 1),
        ("alternative", 5),
        ("alternative_closed", 8),
        ("not_notified", 4),
        ("not_notified_closed", 8),
    ],
    YEARS * 366: [
        ("closed_local", 18),
        ("alternative_closed", 30),
        ("national_closed", 3),
        ("not_notified_closed", 22),
        ("not_notified", 10),
        ("alternative", 10),
        ("national", 2),
        ("ready_for_publication", 1),
    ],
}
PSEUDONYMS = ["Child", "Baby", "Sibling group", "Young person"]


def _templates(w: World) -> dict[str, Case]:
    from sightline.reviews.demo import demo_cast

    cast = demo_cast()
    cal = get_calendar()
    made = {}
    for n, (key, (to, days, months, then)) in enumerate(TEMPLATES.items()):
        options = {
            "pseudonym": f"Child T{n}",
            "reviewer_email": "reviewer@northvale.example",
            "subject": {"child_name": f"{_FIRST[n % len(_FIRST)]} {_LAST[n % len(_LAST)]}"},
            "involved": ["police", "trust", "school"],
        }
        if months is not None:
            decision = subtract_months(w.day, months)
            options["decision_date"] = decision
            options["aware_date"] = cal.subtract_working_days(decision, 30)
        else:
            options["aware_date"] = cal.subtract_working_days(w.day, days)
        case = advance_case(cast, to, **options)
        for step in (then or "").split():
            _after(cast, case, step, options, w)
            case = Case.objects.get(pk=case.pk)
        made[key] = case
    return made


def _after(cast, case: Case, step: str, options: dict, w: World) -> None:
    cal = get_calendar()
    if step == "not_notify":
        n = IncidentNotification.objects.get(case=case)
        services.notification_decide(
            notification=n,
            by=cast.notifier,
            name="not_notify",
            expected_version=n.version,
            fields={
                "abuse_or_neglect": True,
                "death_or_serious_harm": True,
                "looked_after_child": False,
                "decision_date": cal.add_working_days(options["aware_date"], 3),
                "not_notified_reasons": "The criteria for a serious incident are not met; "
                "the learning goes to a Line of Sight event.",
            },
        )
    elif step in ("national", "alternative"):
        rr = RapidReview.objects.get(case=case)
        decision = (
            RapidReview.Decision.NATIONAL
            if step == "national"
            else (RapidReview.Decision.ALTERNATIVE)
        )
        rr = services.rapid_review_update(
            rr=rr,
            by=cast.bu,
            expected_version=rr.version,
            decision=decision,
            decision_date=cal.add_working_days(rr.sent_to_panel_date, 5),
            decision_reasons="Decided by the safeguarding partners after the Panel's advice.",
        )
        rr = RapidReview.objects.get(pk=rr.pk)
        services.rapid_review_transition(
            rr=rr, by=cast.bu, name="decide", expected_version=rr.version
        )
    elif step == "close":
        services.case_close(case=case, by=cast.bu, reason="The learning has been taken forward.")
    elif step == "close_local":
        lr = LocalReview.objects.get(case=case)
        services_local.local_review_transition(
            review=lr, by=cast.bu, name="close", expected_version=lr.version
        )
    elif step == "learning":
        _learning(cast, case, w)


def _learning(cast, case: Case, w: World) -> None:
    themes = list(case.themes.all())
    for i in range(2):
        lesson = services_local.lesson_add(
            case=case,
            by=cast.bu,
            text=f"Lesson {i + 1}: concerns were held by single agencies.",
            themes=themes[:1],
        )
        rec = services_local.recommendation_add(
            case=case,
            by=cast.bu,
            text=f"Recommendation {i + 1}: agree a shared route.",
            lesson=lesson,
        )
        services_local.recommendation_action_add(
            recommendation=rec,
            by=cast.bu,
            description="Agree and brief a shared route for low-level concerns.",
            expected_change="Concerns reach the front door within two working days.",
            owner_agency=[cast.police, cast.trust][i],
            due_date=get_calendar().add_working_days(w.day, 40 + 20 * i),
        )


def _pick(w: World, age: int, made) -> str:
    """A point for a case of this age (among the templates made)."""
    for limit, table in RECENT.items():
        if age < limit:
            table = [(k, x) for k, x in table if k in made] or [(k, 1) for k in made]
            return w.rng.choices([k for k, _ in table], weights=[x for _, x in table])[0]
    raise AssertionError(age)


def seed(w: World) -> None:
    templates = _templates(w)
    wanted = max(0, w.volume.cases - Case.objects.count())
    # Ages spread evenly over ten years, the youngest first.
    ages = sorted(w.days_ago(0, YEARS * 365) for _ in range(wanted))
    plan = []
    for age in ages:
        key = _pick(w, age, templates)
        template = templates[key]
        template_age = (w.day - template.aware_date).days
        weeks = max(0, round((age - template_age) / 7))
        plan.append((template, timedelta(weeks=weeks)))
    Cloner(w, plan).run()


class Cloner:
    """Copies template cases with everything hanging from them, one table at a time."""

    def __init__(self, w: World, plan: list[tuple[Case, timedelta]]):
        self.w, self.plan = w, plan
        self.map: dict[tuple[str, int, int], int] = {}  # (table, clone index, old pk) -> new pk
        self.templates = {t.pk: t for t, _ in plan}
        self.extra_agencies = [
            a
            for a in w.agencies
            if a.short_name not in ("NC", "ICB", "Police", "NHFT", "Education")
        ]

    def _copy(self, table: str, rows_for, model, fix=None, batch: int = 1000) -> list:
        """For every clone, copy `rows_for(template)` with dates shifted; `fix(i, old)` gives
        the fields to change (foreign keys to the clone's own rows)."""
        pending, keys = [], []
        for i, (template, shift) in enumerate(self.plan):
            for old in rows_for(template):
                pending.append(shifted(old, shift, **(fix(i, old) if fix else {})))
                keys.append((table, i, old.pk))
        model.objects.bulk_create(pending, batch_size=batch)
        for key, obj in zip(keys, pending, strict=True):
            self.map[key] = obj.pk
        return pending

    def new(self, table: str, i: int, old_pk) -> int | None:
        return self.map.get((table, i, old_pk)) if old_pk is not None else None

    def run(self) -> None:
        w, rng = self.w, self.w.rng
        refs = Refs(Case)
        cache = _TemplateRows(self.templates.values())
        officers = w.business_unit or [w.bu]

        def case_fields(i, old):
            template, shift = self.plan[i]
            created = old.created_at - shift
            number = rng.randint(1, 9999)
            pseudonym = f"{rng.choice(PSEUDONYMS)} {chr(65 + number % 26)}{number}"
            return {
                "reference": refs(f"SI-{created.year}"),
                "pseudonym": pseudonym,
                "summary": old.summary.replace(old.pseudonym, pseudonym),
                "age_band": rng.choice(list(AgeBand.values)),
                "harm": Case.Harm.DIED if rng.random() < 0.3 else Case.Harm.SERIOUS_HARM,
                "looked_after": rng.random() < 0.15,
                "case_officer_id": rng.choice(officers).pk,
            }

        self.cases = self._copy("case", lambda t: [t], Case, case_fields)
        case = lambda i, old: {"case_id": self.new("case", i, old.case_id)}  # noqa: E731
        self._copy(
            "subject",
            cache.of("subject"),
            CaseSubject,
            lambda i, old: {
                **case(i, old),
                "child_name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            },
        )
        self._copy(
            "notification",
            cache.of("notification"),
            IncidentNotification,
            lambda i, o: {
                **case(i, o),
                "panel_reference": f"SIN-B{i:05d}" if o.panel_reference else "",
            },
        )
        self._copy("rr", cache.of("rr"), RapidReview, case)
        self._copy("lr", cache.of("lr"), LocalReview, case)
        reviewers = w.reviewers or [None]
        self._copy(
            "member",
            cache.of("members"),
            CaseMember,
            lambda i, o: {**case(i, o), "user_id": (rng.choice(reviewers) or o.user).pk},
        )
        self._copy("signoff", cache.of("signoffs"), PartnerSignOff, case)
        self._copy(
            "return",
            cache.of("returns"),
            AgencyReturn,
            lambda i, o: {"rapid_review_id": self.new("rr", i, o.rapid_review_id)},
        )
        lr = lambda i, o: {"local_review_id": self.new("lr", i, o.local_review_id)}  # noqa: E731
        self._copy("engagement", cache.of("engagement"), EngagementEntry, lr)
        self._copy("proceeding", cache.of("proceedings"), ParallelProceeding, lr)
        self._copy("monitoring", cache.of("monitoring"), MonitoringEntry, lr)
        self._drafts(cache)
        self._copy("lesson", cache.of("lessons"), Lesson, case)
        self._copy(
            "recommendation",
            cache.of("recommendations"),
            Recommendation,
            lambda i, o: {**case(i, o), "lesson_id": self.new("lesson", i, o.lesson_id)},
        )
        self._m2m(cache)
        self._case_plans(cache)

    def _drafts(self, cache) -> None:
        drafts = cache.of("drafts")
        files = {}
        draft_type = ContentType.objects.get_for_model(DraftVersion)
        documents = []
        for i, (template, shift) in enumerate(self.plan):
            for old in drafts(template):
                doc = old.document
                if doc.pk not in files:
                    with default_storage.open(doc.storage_name, "rb") as handle:
                        files[doc.pk] = handle.read()
                name = default_storage.save(doc.storage_name, ContentFile(files[doc.pk]))
                documents.append((i, old.pk, shifted(doc, shift, storage_name=name)))
        Document.objects.bulk_create([c for _, _, c in documents])
        by_draft = {(i, pk): c.id for i, pk, c in documents}
        made = self._copy(
            "draft",
            drafts,
            DraftVersion,
            lambda i, o: {
                "local_review_id": self.new("lr", i, o.local_review_id),
                "document_id": by_draft[(i, o.pk)],
            },
        )
        for draft in made:
            Document.objects.filter(pk=draft.document_id).update(
                owner_type=draft_type, owner_id=str(draft.pk)
            )

    def _m2m(self, cache) -> None:
        rng = self.w.rng
        involved, themes, lesson_themes = [], [], []
        Through = Case.involved_agencies.through
        for i, (template, _) in enumerate(self.plan):
            new_case = self.new("case", i, template.pk)
            agency_ids = set(cache.involved[template.pk])
            for extra in rng.sample(
                self.extra_agencies, min(len(self.extra_agencies), rng.randint(0, 3))
            ):
                agency_ids.add(extra.pk)
            involved += [Through(case_id=new_case, agency_id=a) for a in agency_ids]
            themes += [
                Case.themes.through(case_id=new_case, theme_id=t) for t in cache.themes[template.pk]
            ]
            for lesson in cache.of("lessons")(template):
                lesson_themes += [
                    Lesson.themes.through(lesson_id=self.new("lesson", i, lesson.pk), theme_id=t)
                    for t in cache.lesson_themes[lesson.pk]
                ]
        Through.objects.bulk_create(involved, batch_size=2000)
        Case.themes.through.objects.bulk_create(themes, batch_size=2000)
        Lesson.themes.through.objects.bulk_create(lesson_themes, batch_size=2000)

    def _case_plans(self, cache) -> None:
        """The case's own action plan, its actions (from the recommendations) and updates."""
        case_type = ContentType.objects.get_for_model(Case)
        plan_refs, action_refs = Refs(ActionPlan), Refs(Action)
        self._copy(
            "plan",
            cache.of("plans"),
            ActionPlan,
            lambda i, o: {
                "reference": plan_refs(f"AP-{(o.created_at - self.plan[i][1]).year}"),
                "title": f"Actions from {self.cases[i].reference} ({self.cases[i].pseudonym})",
                "summary": f"Recommendations of the review of {self.cases[i].pseudonym}.",
                "source_type_id": case_type.pk,
                "source_id": str(self.new("case", i, int(o.source_id))),
            },
        )
        self._copy(
            "action",
            cache.of("actions"),
            Action,
            lambda i, o: {
                "reference": action_refs(f"ACT-{(o.created_at - self.plan[i][1]).year}"),
                "plan_id": self.new("plan", i, o.plan_id),
            },
        )
        self._copy(
            "update",
            cache.of("updates"),
            ActionUpdate,
            lambda i, o: {"action_id": self.new("action", i, o.action_id)},
        )
        links = []
        Through = Recommendation.actions.through
        for i, (template, _) in enumerate(self.plan):
            for rec_id, action_id in cache.rec_actions.get(template.pk, []):
                links.append(
                    Through(
                        recommendation_id=self.new("recommendation", i, rec_id),
                        action_id=self.new("action", i, action_id),
                    )
                )
        Through.objects.bulk_create(links, batch_size=2000)


_FIRST = [
    "Ellis",
    "Ruby",
    "Oscar",
    "Lily",
    "Noah",
    "Isla",
    "Theo",
    "Freya",
    "Harvey",
    "Amelia",
    "Kai",
    "Maya",
    "Leo",
    "Evie",
    "Jayden",
    "Ava",
]
_LAST = [
    "Marden",
    "Castell",
    "Pennick",
    "Farrant",
    "Quilley",
    "Brenton",
    "Marchant",
    "Ashdown",
    "Lund",
    "Hollis",
    "Thorne",
    "Vance",
]


class _TemplateRows:
    """Every row hanging from the template cases, read once."""

    def __init__(self, templates):
        ids = [t.pk for t in templates]
        by = defaultdict(lambda: defaultdict(list))

        def group(name, rows, key):
            for row in rows:
                by[name][key(row)].append(row)

        group("subject", CaseSubject.objects.filter(case_id__in=ids), lambda r: r.case_id)
        group(
            "notification",
            IncidentNotification.objects.filter(case_id__in=ids),
            lambda r: r.case_id,
        )
        group("rr", RapidReview.objects.filter(case_id__in=ids), lambda r: r.case_id)
        group("lr", LocalReview.objects.filter(case_id__in=ids), lambda r: r.case_id)
        group(
            "members",
            CaseMember.objects.filter(case_id__in=ids).select_related("user"),
            lambda r: r.case_id,
        )
        group("signoffs", PartnerSignOff.objects.filter(case_id__in=ids), lambda r: r.case_id)
        group(
            "returns",
            AgencyReturn.objects.filter(rapid_review__case_id__in=ids).select_related(
                "rapid_review"
            ),
            lambda r: r.rapid_review.case_id,
        )
        for name, model in (
            ("engagement", EngagementEntry),
            ("proceedings", ParallelProceeding),
            ("monitoring", MonitoringEntry),
        ):
            group(
                name,
                model.objects.filter(local_review__case_id__in=ids).select_related("local_review"),
                lambda r: r.local_review.case_id,
            )
        group(
            "drafts",
            DraftVersion.objects.filter(local_review__case_id__in=ids).select_related(
                "local_review", "document"
            ),
            lambda r: r.local_review.case_id,
        )
        group("lessons", Lesson.objects.filter(case_id__in=ids).order_by("pk"), lambda r: r.case_id)
        group(
            "recommendations",
            Recommendation.objects.filter(case_id__in=ids).order_by("pk"),
            lambda r: r.case_id,
        )
        case_type = ContentType.objects.get_for_model(Case)
        plans = ActionPlan.objects.filter(
            source_type=case_type, source_id__in=[str(i) for i in ids]
        )
        group("plans", plans, lambda r: int(r.source_id))
        plan_case = {p.pk: int(p.source_id) for p in plans}
        actions = list(Action.objects.filter(plan__in=plans))
        group("actions", actions, lambda r: plan_case[r.plan_id])
        action_case = {a.pk: plan_case[a.plan_id] for a in actions}
        group(
            "updates",
            ActionUpdate.objects.filter(action__in=actions),
            lambda r: action_case[r.action_id],
        )
        self.by = by
        self.involved = defaultdict(list)
        for row in Case.involved_agencies.through.objects.filter(case_id__in=ids):
            self.involved[row.case_id].append(row.agency_id)
        self.themes = defaultdict(list)
        for row in Case.themes.through.objects.filter(case_id__in=ids):
            self.themes[row.case_id].append(row.theme_id)
        self.lesson_themes = defaultdict(list)
        for row in Lesson.themes.through.objects.filter(lesson__case_id__in=ids):
            self.lesson_themes[row.lesson_id].append(row.theme_id)
        self.rec_actions = defaultdict(list)
        for row in Recommendation.actions.through.objects.filter(recommendation__case_id__in=ids):
            case_id = action_case.get(row.action_id)
            if case_id is not None:
                self.rec_actions[case_id].append((row.recommendation_id, row.action_id))

    def of(self, name: str):
        rows = self.by[name]
        return lambda template: rows.get(template.pk, [])
