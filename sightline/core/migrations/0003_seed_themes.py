"""Seed a starter list of learning themes, which the business unit can change in settings.

Uses historical models only. Idempotent: a theme whose name or slug is already present is left
alone, and reversing removes only the seeded themes nobody has changed since.
"""

from django.db import migrations

THEMES = [
    (
        "neglect",
        "Neglect",
        "practice",
        "Persistent failure to meet a child's basic physical or emotional needs.",
    ),
    (
        "domestic-abuse",
        "Domestic abuse",
        "practice",
        "Children living with domestic abuse, and how agencies recognise and respond to it.",
    ),
    (
        "non-accidental-injury",
        "Non-accidental injury",
        "practice",
        "Physical injuries that may have been caused deliberately.",
    ),
    (
        "sudi",
        "Sudden unexpected death in infancy (SUDI)",
        "practice",
        "Unexpected deaths of babies and the circumstances around them.",
    ),
    (
        "child-sexual-abuse",
        "Child sexual abuse",
        "practice",
        "Recognising and responding to sexual abuse within and outside the family.",
    ),
    (
        "child-criminal-exploitation",
        "Child criminal exploitation",
        "practice",
        "Children groomed or coerced into criminal activity, including county lines.",
    ),
    (
        "child-sexual-exploitation",
        "Child sexual exploitation",
        "practice",
        "Children groomed or coerced into sexual activity in return for things they want or need.",
    ),
    (
        "mental-health",
        "Mental health (parental and child)",
        "practice",
        "The mental health of parents and carers, and of children, and its effect on care.",
    ),
    (
        "parental-substance-misuse",
        "Parental substance misuse",
        "practice",
        "Parents' or carers' use of alcohol or drugs and its effect on their children.",
    ),
    (
        "information-sharing",
        "Information sharing",
        "systemic",
        "Whether agencies shared the right information with the right people at the right time.",
    ),
    (
        "professional-curiosity",
        "Professional curiosity",
        "practice",
        "Looking beyond what is presented, asking questions and checking what families say.",
    ),
    (
        "voice-of-the-child",
        "Voice of the child",
        "practice",
        "Hearing from the child directly and understanding their lived experience.",
    ),
    (
        "fathers-and-male-carers",
        "Fathers and male carers",
        "practice",
        "Involving fathers and other men in the child's life, and assessing any risk they pose.",
    ),
    (
        "safe-sleep",
        "Safe sleep",
        "practice",
        "Advice to families on safe sleeping arrangements for babies, and how it is followed up.",
    ),
    (
        "bruising-in-non-mobile-babies",
        "Bruising in non-mobile babies",
        "practice",
        "Following the protocol when a baby who is not yet mobile has a bruise or injury.",
    ),
    (
        "escalation-and-challenge",
        "Escalation and challenge",
        "systemic",
        "Professionals challenging each other's decisions and using the escalation policy.",
    ),
    (
        "early-help",
        "Early help",
        "systemic",
        "Support offered before problems become entrenched, and stepping families up or down.",
    ),
    (
        "neurodiversity-and-disability",
        "Neurodiversity and disability",
        "practice",
        "Safeguarding disabled and neurodivergent children, and parents with additional needs.",
    ),
    (
        "race-culture-and-inequalities",
        "Race, culture and inequalities",
        "systemic",
        "How race, culture, faith and inequality shape children's lives and agencies' responses.",
    ),
    (
        "adolescent-risk",
        "Adolescent risk and contextual safeguarding",
        "practice",
        "Harm to young people outside the home: peers, schools, neighbourhoods and online spaces.",
    ),
    (
        "online-harm",
        "Online harm",
        "practice",
        "Abuse, exploitation and harmful content that children meet online.",
    ),
    (
        "missing-from-home-care-or-education",
        "Missing from home, care or education",
        "systemic",
        "Children who go missing from home or care, or who are not in school.",
    ),
]


def seed(apps, schema_editor):
    Theme = apps.get_model("core", "Theme")
    db = schema_editor.connection.alias
    names = set(Theme.objects.using(db).values_list("name", flat=True))
    slugs = set(Theme.objects.using(db).values_list("slug", flat=True))
    Theme.objects.using(db).bulk_create(
        [
            Theme(slug=slug, name=name, kind=kind, description=description)
            for slug, name, kind, description in THEMES
            if name not in names and slug not in slugs
        ]
    )


def unseed(apps, schema_editor):
    Theme = apps.get_model("core", "Theme")
    db = schema_editor.connection.alias
    Theme.objects.using(db).filter(
        slug__in=[slug for slug, *_ in THEMES], version=1, created_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_seed_clocks_and_holidays"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
