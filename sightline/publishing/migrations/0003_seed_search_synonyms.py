"""Seed the search synonyms: abbreviations practitioners type and what they stand for.

Editable afterwards (SearchSynonym). Uses the historical model; a term already present is left
alone, and reversing removes only seeded terms whose expansions nobody has changed.
"""

from django.db import migrations

SYNONYMS = {
    "SUDI": ["sudden unexpected death in infancy", "sudden unexpected infant death"],
    "SIDS": ["sudden infant death syndrome", "cot death"],
    "NAI": ["non-accidental injury", "inflicted injury"],
    "AHT": ["abusive head trauma"],
    "CSE": ["child sexual exploitation"],
    "CCE": ["child criminal exploitation"],
    "CSA": ["child sexual abuse"],
    "DA": ["domestic abuse"],
    "DV": ["domestic violence"],
    "DVA": ["domestic violence and abuse"],
    "CAMHS": ["child and adolescent mental health services"],
    "LCSPR": ["local child safeguarding practice review"],
    "CSPR": ["child safeguarding practice review"],
    "SCR": ["serious case review"],
    "MASH": ["multi-agency safeguarding hub"],
    "ICPC": ["initial child protection conference"],
    "RCPC": ["review child protection conference"],
    "CP": ["child protection"],
    "CPP": ["child protection plan"],
    "CIN": ["child in need", "children in need"],
    "LAC": ["looked after child", "looked after children"],
    "CLA": ["children looked after", "child looked after"],
    "GP": ["general practitioner", "family doctor"],
    "ED": ["emergency department"],
    "A&E": ["accident and emergency", "emergency department"],
    "HV": ["health visitor", "health visiting"],
    "FGM": ["female genital mutilation"],
    "PVP": ["protecting vulnerable people"],
    "SEND": ["special educational needs and disabilities"],
    "EHCP": ["education, health and care plan"],
    "ACEs": ["adverse childhood experiences"],
    "DSL": ["designated safeguarding lead"],
    "LADO": ["local authority designated officer"],
    "MARAC": ["multi-agency risk assessment conference"],
    "MAPPA": ["multi-agency public protection arrangements"],
    "NRM": ["national referral mechanism"],
    "PLO": ["public law outline"],
    "CSC": ["children's social care"],
    "YOT": ["youth offending team"],
    "YJS": ["youth justice service"],
    "PPN": ["public protection notice"],
    "SGO": ["special guardianship order"],
    "UASC": ["unaccompanied asylum-seeking children"],
    "FII": ["fabricated or induced illness"],
    "CDOP": ["child death overview panel"],
    "ICB": ["integrated care board"],
    "JTAI": ["joint targeted area inspection"],
    "CP-IS": ["child protection information sharing"],
    "RHI": ["return home interview"],
    "NFA": ["no further action"],
    "WNB": ["was not brought"],
    "DNA": ["did not attend"],
    "TAF": ["team around the family"],
    "7MB": ["7-minute briefing", "seven minute briefing"],
}


def seed(apps, schema_editor):
    SearchSynonym = apps.get_model("publishing", "SearchSynonym")
    db = schema_editor.connection.alias
    present = {t.lower() for t in SearchSynonym.objects.using(db).values_list("term", flat=True)}
    SearchSynonym.objects.using(db).bulk_create(
        SearchSynonym(term=term, expansions="\n".join(expansions))
        for term, expansions in SYNONYMS.items()
        if term.lower() not in present
    )


def unseed(apps, schema_editor):
    SearchSynonym = apps.get_model("publishing", "SearchSynonym")
    db = schema_editor.connection.alias
    for term, expansions in SYNONYMS.items():
        SearchSynonym.objects.using(db).filter(term=term, expansions="\n".join(expansions)).delete()


class Migration(migrations.Migration):
    dependencies = [("publishing", "0002_library_search_index")]

    operations = [migrations.RunPython(seed, unseed)]
