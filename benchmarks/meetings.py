"""Generated meetings for the benchmarks and the large-meeting tests: realistic, repeatable."""

from __future__ import annotations

import random
from datetime import date

from facilitator.meeting_data import DEFAULT_BOLLEN, DEFAULT_HORIZONS, EntryData, MeetingData, TableData

NAMES = [
    "Ten Dam",
    "Spijkerman",
    "Thijssen",
    "De Groot",
    "Smit",
    "Henrar",
    "Putters",
    "Ghorashi",
    "Fortuin",
    "Hasekamp",
    "Kroes",
    "Jong",
    "Van den Heuvel",
    "Prins",
    "Elzinga",
    "Termeer",
    "Knoef",
    "Van Holstein",
    "Weurding",
    "Den Boer",
    "Van de Ven",
    "Van Weegberg",
    "Lindeboom",
    "Nijpels",
    "Van der Veen",
    "Verhagen",
    "Van der Laan",
    "Bodur",
    "Van den Ham",
    "Houweling",
]
TOPICS = [
    "Verdienvermogen",
    "Techniekonderwijs",
    "Digitalisering in de zorg",
    "Bestaanszekerheid",
    "Europese interne markt",
    "Polarisatie verminderen",
    "Energietransitie",
    "Biodiversiteit",
    "Water",
    "Vrijwilligerswerk",
    "Mantelzorg",
    "Leven lang ontwikkelen",
    "Kloof stad en platteland",
    "Kwaliteit publieke sector",
    "Andere maatstaven dan bbp",
    "Toekomst sociaal stelsel",
]
SENTENCES = [
    "Brede welvaart helpt om vraagstukken tegelijk economisch, sociaal en ecologisch te bekijken.",
    "De tafel vraagt om een checklist bij de start van elk adviestraject.",
    "Afruilen tussen nu en later moeten expliciet worden benoemd, met de gevolgen elders.",
    "Het gesprek ging ook over de menselijke maat en over inlevingsvermogen in het werkproces.",
    "Verdelingsvragen horen er vanaf het begin bij, niet pas aan het eind van een advies.",
    "Een regionale aanpak maakt de effecten voor gewone mensen beter zichtbaar.",
]


def generated_meeting(tables: int, seed: int = 746) -> MeetingData:
    """A meeting with ``tables`` tables, each with people, a report, feedback and entries."""
    rng = random.Random(seed)
    data = MeetingData(
        title=f"Raad, nr. {seed}",
        date=date(2023, 1, 27),
        start="10:15",
        place="SER-gebouw te Den Haag",
        agenda_item="Agenda en positionering SER: Brede Welvaart",
        reference="R/3024",
        questions=["Wat betekent brede welvaart voor het werk van de SER?", "Welke keuzes vergt dat nu?"],
        round_minutes=40,
        bollen=[dict(b) for b in DEFAULT_BOLLEN],
        horizons=[dict(h) for h in DEFAULT_HORIZONS],
    )
    bol_keys = [b["key"] for b in data.bollen]
    horizon_keys = [h["key"] for h in data.horizons]
    for number in range(1, tables + 1):
        people = rng.sample(NAMES, 7)
        paragraphs = [
            f"**{rng.choice(TOPICS)}.** " + " ".join(rng.sample(SENTENCES, 3)),
            "De tafel noemde onder meer:\n\n" + "\n".join(f"- {t.lower()};" for t in rng.sample(TOPICS, 4)),
            f"*{rng.choice(TOPICS)}* " + " ".join(rng.sample(SENTENCES, 2)),
            "1. " + rng.choice(SENTENCES) + "\n2. " + rng.choice(SENTENCES),
        ]
        entries = []
        for topic in rng.sample(TOPICS, 8):
            bollen = rng.sample(bol_keys, rng.choice([1, 1, 1, 2, 2, 3]))
            entries.append(
                EntryData(text=topic, bollen=bollen, horizons=rng.sample(horizon_keys, rng.choice([1, 1, 2])))
            )
        data.tables.append(
            TableData(
                number=number,
                participants=people,
                leader=people[0],
                rapporteur=rng.choice(NAMES),
                spokesperson=people[0],
                report="\n\n".join(paragraphs),
                feedback=f"{people[0]}: " + " ".join(rng.sample(SENTENCES, 2)),
                entries=entries,
            )
        )
    data.feedback_order = list(range(tables, 0, -1))
    return data
