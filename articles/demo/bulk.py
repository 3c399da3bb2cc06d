"""A large generated newsroom for benchmarks: bulk inserts, ~600-word stories, lead photos,
3–6 of 100 tags and 1–3 authors each, across the four sections. Invented text only."""

import datetime
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from articles.demo import content
from articles.models import Article, Byline, Photo, Section, Status, TaggedArticle
from authors.models import Author
from newsroom import surrogate
from newsroom.slugs import readable_slug

BATCH = 1000

# fmt: off
FIRST = ["Amal", "Ben", "Chen", "Dana", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Kemal", "Lina", "Marco", "Nour", "Olga", "Pablo", "Rana", "Sofia", "Tariq", "Uma",
         "Victor", "Wafa", "Xavier", "Yara", "Zeynep", "Adel", "Bianca", "Caspar", "Dina",
         "Emeka", "Fatima", "Gustavo", "Hana", "Ivo", "Jamila", "Karim", "Leon", "Maya",
         "Nikos", "Oren", "Priya", "Quentin", "Rashid", "Selin", "Teodor", "Ursula", "Vera",
         "Walid", "Ximena", "Yusuf", "Zara", "Anders", "Bilal", "Carmen", "Dmitri", "Esra",
         "Felix", "Gulnara", "Hamid", "Irene"]
LAST = ["Abbas", "Berg", "Costa", "Diallo", "Evans", "Farah", "Garcia", "Hansen", "Ibrahim",
        "Jensen", "Khan", "Lopez", "Moreau", "Nakamura", "Osei", "Petrov", "Quinn", "Rossi",
        "Saleh", "Torres", "Umarov", "Varga", "Wolff", "Yilmaz", "Zamora", "Achebe", "Brandt",
        "Celik", "Dvorak", "Eriksen", "Fonseca", "Grimaldi", "Haddad", "Ivanova", "Jaber",
        "Kowalski", "Lindgren", "Mensah", "Novak", "Okonkwo", "Pereira", "Qureshi", "Rahman",
        "Sato", "Tadesse", "Ueda", "Vasquez", "Wiśniewski", "Xu", "Yadav", "Zidane", "Aziz",
        "Bakr", "Castillo", "Demir", "Esposito", "Fischer", "Gashi", "Hoxha", "Iqbal"]
PLACES = ["Cairo", "Amman", "Beirut", "Baghdad", "Istanbul", "Doha", "Tunis", "Rabat",
          "Washington", "Chicago", "Houston", "Denver", "Geneva", "Nairobi", "Lagos", "Lima",
          "Jakarta", "Manila", "Dhaka", "Santiago", "Muscat", "Aqaba", "Basra", "Mosul",
          "Izmir", "Antalya", "Sfax", "Oran", "Fez", "Khartoum", "Addis Ababa", "Accra",
          "Dakar", "Bamako", "Kigali", "Lusaka", "Harare", "Maputo", "Luanda", "Kinshasa",
          "Quito", "Bogota", "Caracas", "Recife", "Cordoba", "Montevideo", "Asuncion",
          "La Paz", "Cusco", "Valparaiso", "Phoenix", "Atlanta", "Detroit", "Seattle",
          "Boston", "Miami", "Dallas", "Portland", "Tucson", "Omaha"]
ORGS = ["the central bank", "the health ministry", "the port authority", "the electoral commission",
        "the World Bank", "the teachers' union", "the chamber of commerce", "the water authority",
        "the supreme court", "the finance ministry", "the refugee agency", "the national railway",
        "the farmers' cooperative", "the city council", "the energy regulator",
        "the press council", "the planning board", "the coast guard", "the statistics office",
        "the housing agency"]
TOPICS = ["water", "energy", "trade", "elections", "courts", "health", "schools", "housing",
          "transport", "farming", "ports", "banks", "inflation", "wages", "tourism", "fisheries",
          "climate", "floods", "drought", "wildfires", "migration", "refugees", "borders",
          "diplomacy", "sanctions", "ceasefire", "aid", "budget", "taxes", "pensions",
          "railways", "airports", "shipping", "oil", "gas", "solar", "wind", "mining",
          "technology", "telecoms", "press freedom", "human rights", "police", "prisons",
          "corruption", "procurement", "parliament", "coalitions", "protests", "strikes",
          "unions", "universities", "science", "space", "football", "culture", "museums",
          "heritage", "cinema", "music", "books", "food prices", "grain", "coffee", "cotton",
          "textiles", "cars", "steel", "construction", "cities", "villages", "roads", "bridges",
          "dams", "rivers", "coasts", "islands", "deserts", "forests", "wildlife", "oceans",
          "fishing", "hospitals", "vaccines", "doctors", "nurses", "children", "women's rights",
          "youth", "elderly care", "disability", "languages", "religion", "journalism",
          "social media", "cybersecurity", "defence", "peace talks", "United Nations"]
VERBS = ["approves", "rejects", "delays", "debates", "announces", "expands", "cuts", "reviews",
         "defends", "questions"]
NOUNS = ["plan", "law", "budget", "deal", "inquiry", "reform", "project", "agreement",
         "programme", "report"]
# Sentences with slots: every story names its own people, places and bodies, so search
# terms are as selective as in a real archive, not the same words everywhere.
SENTENCES = [
    "{person}, who speaks for {org}, said the {topic} {noun} in {place} would be reviewed.",
    "In {place}, {org} published figures showing {topic} costs up {n} percent this year.",
    "{person} told reporters that {org} had not been consulted about the {noun}.",
    "Residents of {place} said the {topic} problems began long before the {noun}.",
    "The {noun} still needs the approval of {org}, which meets again in {month}.",
    "{person} called the {noun} \"a first step\" and promised more help for {place}.",
    "Critics in {place} say the {noun} does too little about {topic}.",
    "{org} estimates the {topic} programme will cost {n} million over five years.",
    "A report by {org} found {n} cases linked to {topic} across {place} last year.",
    "{person}, an economist in {place}, warned that one good month did not make a recovery.",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
# fmt: on


class BulkNewsroom:
    def __init__(self, *, articles: int, authors: int, log: Callable[[str], None] = print):
        self.target = articles
        self.author_count = authors
        self.log = log
        self.rng = random.Random(7)
        self.now = timezone.now()

    def build(self) -> int:
        missing = self.target - Article.objects.count()
        if missing <= 0:
            return 0
        sections = list(Section.objects.all())
        photos = list(Photo.objects.all()) or [None]
        authors = self.ensure_authors()
        tags = self.ensure_tags()
        editor = get_user_model().objects.get(username="editor")
        start = Article.objects.count()
        created = 0
        while created < missing:
            size = min(BATCH, missing - created)
            with transaction.atomic():
                batch = [
                    self.article(start + created + i, sections, photos, editor) for i in range(size)
                ]
                Article.objects.bulk_create(batch)
                self.relations(batch, sections, authors, tags)
            created += size
            if created % 10_000 == 0 or created == missing:
                self.log(f"  {created:,} of {missing:,} stories written")
        # bulk_create sends no signals: purge every copy of every page.
        surrogate.changed({surrogate.EVERYTHING})
        return created

    def ensure_authors(self) -> list[Author]:
        existing = list(Author.objects.filter(is_active=True))
        needed = self.author_count - len(existing)
        if needed > 0:
            new = []
            for i in range(needed):
                name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST) + i) % len(LAST)]}"
                new.append(
                    Author(
                        name=name,
                        slug=f"{readable_slug(name)}-{len(existing) + i + 1}",
                        job_title="Reporter",
                        bio=f"{name} reports for the paper.",
                    )
                )
            Author.objects.bulk_create(new)
            existing = list(Author.objects.filter(is_active=True))
        return existing[: self.author_count]

    def ensure_tags(self) -> list[Tag]:
        tags = []
        for name in TOPICS[:100]:
            tag = Tag.objects.filter(name=name).first() or Tag.objects.create(name=name)
            tags.append(tag)
        return tags

    def cast(self, place: str, topic: str) -> dict:
        """The few people, places and bodies one story is about, as in real reporting."""
        rng = self.rng
        return {
            "people": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(2)],
            "places": [place, rng.choice(PLACES)],
            "orgs": rng.sample(ORGS, 2),
            "topics": [topic, rng.choice(TOPICS)],
        }

    def paragraph(self, cast: dict) -> str:
        rng = self.rng
        return " ".join(
            template.format(
                person=rng.choice(cast["people"]),
                org=rng.choice(cast["orgs"]),
                topic=rng.choice(cast["topics"]),
                noun=rng.choice(NOUNS),
                place=rng.choice(cast["places"]),
                month=rng.choice(MONTHS),
                n=rng.randint(2, 90),
            )
            for template in rng.sample(SENTENCES, 3)
        )

    def article(self, number, sections, photos, editor) -> Article:
        rng = self.rng
        place = rng.choice(PLACES)
        topic = rng.choice(TOPICS)
        mood = rng.choice(["worries grow", "talks go on", "costs rise", "hopes rise"])
        what = f"{rng.choice(VERBS)} {topic} {rng.choice(NOUNS)}"
        headline = f"{place} {what} as {rng.choice(TOPICS)} {mood}"
        cast = self.cast(place, topic)
        chosen = [self.paragraph(cast) for _ in range(12)]  # about 600 words
        body = "".join(f"<p>{p}</p>" for p in chosen[:6])
        body += f"<h2>{rng.choice(content.SUBHEADS)}</h2>"
        body += "".join(f"<p>{p}</p>" for p in chosen[6:])
        when = self.now - datetime.timedelta(minutes=rng.randint(5, 2 * 365 * 24 * 60))
        return Article(
            headline=headline[:200],
            slug=f"{readable_slug(headline)[:100]}-{number}",
            standfirst=f"A look at the {topic} {rng.choice(NOUNS)} and what it means for {place}.",
            body=body,
            body_text="\n".join(chosen),
            lead_photo=rng.choice(photos),
            primary_section=rng.choice(sections),
            status=Status.PUBLISHED,
            published_at=when,
            first_published_at=when,
            updated_at=when,
            created_at=when,
            created_by=editor,
            last_edited_by=editor,
        )

    def relations(self, batch, sections, authors, tags) -> None:
        rng = self.rng
        section_links, bylines, tagged = [], [], []
        Through = Article.sections.through
        for article in batch:
            chosen_sections = {article.primary_section}
            if rng.random() < 0.3:
                chosen_sections.add(rng.choice(sections))
            section_links += [
                Through(article_id=article.pk, section_id=s.pk) for s in chosen_sections
            ]
            for position, author in enumerate(
                rng.sample(authors, rng.randint(1, min(3, len(authors))))
            ):
                bylines.append(
                    Byline(article_id=article.pk, author_id=author.pk, position=position)
                )
            tagged += [
                TaggedArticle(content_object_id=article.pk, tag_id=tag.pk)
                for tag in rng.sample(tags, rng.randint(3, 6))
            ]
        Through.objects.bulk_create(section_links)
        Byline.objects.bulk_create(bylines)
        TaggedArticle.objects.bulk_create(tagged)
