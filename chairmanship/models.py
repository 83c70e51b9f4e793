"""The content model of the SCO Chairmanship Archive.

QuerySets come first, then the models. The public subset of every publishable model is named once,
in ``published_condition``; every view, feed, sitemap and API endpoint goes through it.
"""

import contextlib
import contextvars
import datetime
import functools
import operator
import uuid

import reversion
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import FileExtensionValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.db.models.signals import pre_save
from django.utils import timezone, translation
from django.utils.translation import pgettext, pgettext_lazy

from chairmanship import rich_text, search_text
from chairmanship.languages import (
    DEFAULT_LANGUAGE,
    OTHER_LANGUAGES,
    TRANSLATED_FIELDS,
    field_suffix,
    language_name,
    language_suffixes,
)
from chairmanship.links import slug_path
from chairmanship.tags import ShownInPages, list_tag
from chairmanship.validators import (
    FULL_TEXT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    long_text_validators,
    one_line,
    validate_language_tag,
)


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("publication status", "Draft")
    REVIEW = "review", pgettext_lazy("publication status", "In review")
    PUBLISHED = "published", pgettext_lazy("publication status", "Published")


# The day the SCO was founded (the Council's first meeting, in Shanghai): nobody belonged to it before, and
# no chairmanship could cover an earlier day.
FOUNDING_DAY = datetime.date(2001, 6, 15)


class MembershipStatus(models.TextChoices):
    MEMBER = "member", pgettext_lazy("membership status", "Member state")
    # Since the Tianjin summit (1 September 2025) observers and dialogue partners share this one status.
    PARTNER = "partner", pgettext_lazy("membership status", "SCO partner")
    OBSERVER = "observer", pgettext_lazy("membership status", "Observer state")
    DIALOGUE_PARTNER = "dialogue_partner", pgettext_lazy("membership status", "Dialogue partner")

    @property
    def plural(self) -> str:
        """The heading of a list of states holding this status: "Member states", "SCO partners"."""
        return {
            "member": pgettext("membership status", "Member states"),
            "partner": pgettext("membership status", "SCO partners"),
            "observer": pgettext("membership status", "Observer states"),
            "dialogue_partner": pgettext("membership status", "Dialogue partners"),
        }[self.value]


class SummitFormat(models.TextChoices):
    IN_PERSON = "in_person", pgettext_lazy("summit format", "In person")
    VIRTUAL = "virtual", pgettext_lazy("summit format", "Virtual")
    HYBRID = "hybrid", pgettext_lazy("summit format", "Hybrid")


class DocumentType(models.TextChoices):
    DECLARATION = "declaration", pgettext_lazy("document type", "Declaration")
    DECISION = "decision", pgettext_lazy("document type", "Decision")
    STRATEGY = "strategy", pgettext_lazy("document type", "Strategy")
    PROGRAMME = "programme", pgettext_lazy("document type", "Programme")
    ACTION_PLAN = "action_plan", pgettext_lazy("document type", "Action plan")
    AGREEMENT = "agreement", pgettext_lazy("document type", "Agreement")
    MEMORANDUM = "memorandum", pgettext_lazy("document type", "Memorandum")
    STATEMENT = "statement", pgettext_lazy("document type", "Statement")
    ROAD_MAP = "road_map", pgettext_lazy("document type", "Road map")
    CHARTER = "charter", pgettext_lazy("document type", "Charter")
    TREATY = "treaty", pgettext_lazy("document type", "Treaty")
    CONVENTION = "convention", pgettext_lazy("document type", "Convention")
    CONCEPT = "concept", pgettext_lazy("document type", "Concept")
    PROTOCOL = "protocol", pgettext_lazy("document type", "Protocol")
    OTHER = "other", pgettext_lazy("document type", "Other")


class Adoption(models.TextChoices):
    SIGNED = "signed", pgettext_lazy("adoption", "Signed")
    ADOPTED_WITHOUT_SIGNING = "adopted_without_signing", pgettext_lazy("adoption", "Adopted without signing")
    PROPOSED = "proposed", pgettext_lazy("adoption", "Proposed")


class InitiativeStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("initiative status", "Proposed")
    LAUNCHED = "launched", pgettext_lazy("initiative status", "Launched")
    ONGOING = "ongoing", pgettext_lazy("initiative status", "Ongoing")
    COMPLETED = "completed", pgettext_lazy("initiative status", "Completed")


class InitiativeCategory(models.TextChoices):
    ECONOMIC = "economic", pgettext_lazy("initiative category", "Economy and investment")
    SECURITY = "security", pgettext_lazy("initiative category", "Security")
    DIGITAL = "digital", pgettext_lazy("initiative category", "Digital and information security")
    TRANSPORT = "transport", pgettext_lazy("initiative category", "Transport and connectivity")
    CULTURAL = "cultural", pgettext_lazy("initiative category", "Culture and humanitarian ties")
    INSTITUTIONAL = "institutional", pgettext_lazy("initiative category", "Institutional")
    ENVIRONMENT = "environment", pgettext_lazy("initiative category", "Environment")


class FigureQualifier(models.TextChoices):
    EXACT = "", pgettext_lazy("figure qualifier", "exactly")
    OVER = "over", pgettext_lazy("figure qualifier", "over")
    ABOUT = "about", pgettext_lazy("figure qualifier", "about")
    UNDER = "under", pgettext_lazy("figure qualifier", "under")


def published_condition(prefix: str = "", *, at: datetime.datetime | None = None) -> Q:
    """The one publication rule: status is published and the publication time has come.

    ``prefix`` lets related models (memberships, key figures) reuse the rule through a relation.
    """
    moment = at or timezone.now()
    return Q(**{f"{prefix}status": PublicationStatus.PUBLISHED, f"{prefix}published_at__lte": moment})


iso_alpha2_validator = RegexValidator(r"^[A-Z]{2}$", "Use two capital letters, e.g. KZ.")
iso_alpha3_validator = RegexValidator(r"^[A-Z]{3}$", "Use three capital letters, e.g. KAZ.")

PDF_MAX_BYTES = 20 * 1024 * 1024


def validate_pdf(upload) -> None:
    """A real PDF of at most 20 MB: the content must start with the PDF signature, whatever the name says."""
    if upload.size > PDF_MAX_BYTES:
        raise ValidationError(
            f"The PDF is {upload.size / 1024 / 1024:.1f} MB; the limit is {PDF_MAX_BYTES // 1024 // 1024} MB.",
            code="pdf_too_large",
        )
    upload.seek(0)
    signature = upload.read(5)
    upload.seek(0)
    if signature != b"%PDF-":
        raise ValidationError("This file is not a PDF (its content does not start with %PDF-).", code="not_a_pdf")


def document_pdf_path(document, filename: str) -> str:
    # The uploaded name is never used on disk: it may carry paths, odd characters or someone's private notes.
    return f"documents/{uuid.uuid4().hex}.pdf"


# A record's page lists this many of its documents or initiatives and links to the filtered archive for the
# rest: a real summit adopts a few dozen documents, but a state signs thousands over the years, and a page
# must not grow with whatever an import holds.
PAGE_LIST_LIMIT = 60


def ordinal(number: int) -> str:
    """'1st', '22nd', '24th': the English ordinal, written here because humanize's ``ordinal`` looks up a
    translation on every call, which showed in the API list's profile."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """24 as 二十四, 10 as 十, 105 as 一百零五: how the SCO's Chinese pages number its summits."""
    if number < 10:
        return CHINESE_DIGITS[number]
    if number < 20:
        return "十" + (CHINESE_DIGITS[number % 10] if number % 10 else "")
    text, pending_zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            text += ("零" if pending_zero else "") + CHINESE_DIGITS[digit] + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text


def summit_ordinal(number: int) -> str:
    """A summit's ordinal in the active language: "24th", "24-й", "第二十四次"."""
    language = translation.get_language()
    if language == "ru":
        return f"{number}-й"
    if language == "zh-hans":
        return f"第{chinese_numeral(number)}次"
    return ordinal(number)


def summit_title(number: int | None, city: str, year: int | None = None, *, heading=False, of_the_sco=False) -> str:
    """The one way the archive names a summit, in the active language: "22nd summit, Samarkand 2022",
    "22-й саммит, Самарканд, 2022".

    Pages, JSON-LD, feeds, search, the admin and the API all call this. ``heading`` writes the page
    heading's "22nd summit: Samarkand 2022"; ``of_the_sco`` says "SCO summit" ("24-й саммит ШОС",
    "上海合作组织第二十四次峰会") where the name stands alone (JSON-LD, social cards). An import row or a
    half-filled form may not have a number or date yet.
    """
    if translation.get_language() in (None, DEFAULT_LANGUAGE):
        # English, without a catalogue look-up: the API's lists name every summit they show.
        place = f"{city} {year}" if year else city
        kind = "SCO summit" if of_the_sco else "summit"
        return f"{ordinal(number) if number is not None else 'Unnumbered'} {kind}{': ' if heading else ', '}{place}"
    place = pgettext("summit place", "{city} {year}").format(city=city, year=year) if year else city
    numbered = summit_ordinal(number) if number is not None else pgettext("summit", "Unnumbered")
    kind = (
        pgettext("summit name", "{ordinal} SCO summit") if of_the_sco else pgettext("summit name", "{ordinal} summit")
    )
    name = kind.format(ordinal=numbered)
    joined = pgettext("summit heading", "{name}: {place}") if heading else pgettext("summit name", "{name}, {place}")
    return joined.format(name=name, place=place)


# --- QuerySets -----------------------------------------------------------------------------------


class PublicRelationsIterable(ModelIterable):
    """Hands out records whose relations in ``hidden`` hold only what the SQL found public, else None.

    The joins of ``with_public()`` decide in the database; this only puts what they found under the
    relation's own name, so whoever renders a record (a template, a serializer) reads ``document.summit``
    and needs no rule of its own.
    """

    hidden: dict[str, bool] = {}  # relation -> True when joined as ``public_<name>``, False when flagged

    def __iter__(self):
        for record in super().__iter__():
            for name, filtered in self.hidden.items():
                if filtered:
                    shown = getattr(record, f"public_{name}", None)
                else:
                    shown = getattr(record, name) if getattr(record, f"{name}_is_public") else None
                    setattr(record, f"public_{name}", shown)
                record._meta.get_field(name).set_cached_value(record, shown)
            yield record


def read_plan(method):
    """Marks a queryset method as a read plan: what it returns loads in the archive's fetch mode (``planned()``)."""

    @functools.wraps(method)
    def planned(self, *args, **kwargs):
        return method(self, *args, **kwargs).planned()

    return planned


@functools.cache
def _choice_labels(field) -> dict | None:
    """A choice field's labels by value (still lazy, so each read is in the active language); None when a
    value cannot be a dictionary key."""
    try:
        return dict(field.flatchoices)
    except TypeError:
        return None


class ChoiceLabels:
    """``get_<field>_display()`` by one dictionary look-up.

    Django's own builds a dictionary of every choice on each call, hashing each lazy label, which translates it:
    a list of documents spent more time translating the labels it did not show than rendering itself.
    """

    def _get_FIELD_display(self, field):
        labels = _choice_labels(field)
        value = getattr(self, field.attname)
        try:
            label = labels[value]
        except (KeyError, TypeError):  # no such choice, an unhashable value, or no dictionary (labels is None)
            return super()._get_FIELD_display(field)
        return str(label)


class KeptInEnglish:
    """Saves a translated record with English active, so each translated field's own column (``title``, beside
    ``title_en``...) always holds the English text, whatever language the request that saved it speaks."""

    def save(self, *args, **kwargs):
        with translation.override(DEFAULT_LANGUAGE):
            for name in TRANSLATED_FIELDS[type(self).__name__]:
                # The English column holds what the field's own column does: "" rather than NULL when empty.
                setattr(self, f"{name}_{field_suffix(DEFAULT_LANGUAGE)}", getattr(self, name))
            return super().save(*args, **kwargs)

    @classmethod
    def written_translated_fields(cls) -> tuple[str, ...]:
        """The translated fields people write (the HTML and excerpts beside them are rendered from these)."""
        return tuple(name for name in TRANSLATED_FIELDS[cls.__name__] if cls._meta.get_field(name).editable)


def _no_text(column: str) -> Q:
    return Q(**{f"{column}__isnull": True}) | Q(**{column: ""})


def translation_gap(language: str, field_name: str) -> Q:
    """The rule for a missing translation: the field has English text and none in ``language``."""
    return ~_no_text(f"{field_name}_{field_suffix(DEFAULT_LANGUAGE)}") & _no_text(
        f"{field_name}_{field_suffix(language)}"
    )


class PublicRelationsQuerySet(models.QuerySet):
    """Joins related records so that a reader sees only the public ones, decided in SQL."""

    def _post_init(self):
        # django-modeltranslation's queryset would rewrite field names to the active language's columns and
        # turn the default ordering into an explicit one (which then joins every GROUP BY). Queries here mean
        # what they say in every language: a field name is its own column, and a query that wants the reader's
        # language names it (languages.in_language).
        self._rewrite = False
        self._populate = None

    def update(self, **kwargs):
        # A translated field's own column is its English column's twin (KeptInEnglish): both change together.
        for name in TRANSLATED_FIELDS.get(self.model.__name__, ()):
            if name in kwargs:
                kwargs.setdefault(f"{name}_{field_suffix(DEFAULT_LANGUAGE)}", kwargs[name])
        return super().update(**kwargs)

    # Translations: which languages a record lacks, decided in SQL by ``translation_gap`` -------------------

    def _missing_in(self, language: str) -> Q:
        gaps = [translation_gap(language, name) for name in self.model.written_translated_fields()]
        return functools.reduce(operator.or_, gaps, Q(pk__in=[]))

    def missing_translation(self, language: str):
        """Records with English text in some field that ``language`` has no text for."""
        return self.filter(self._missing_in(language))

    def translations_complete(self):
        """Records whose English text is there in every other language too."""
        return self.exclude(functools.reduce(operator.or_, (self._missing_in(code) for code in OTHER_LANGUAGES)))

    def with_missing_languages(self):
        """Annotates ``missing_<suffix>`` (``missing_ru``, ``missing_zh_hans``): whether that language lacks text."""
        return self.annotate(
            **{
                f"missing_{field_suffix(code)}": models.ExpressionWrapper(
                    self._missing_in(code), output_field=models.BooleanField()
                )
                for code in OTHER_LANGUAGES
            }
        )

    def translation_gaps(self) -> dict[int, dict[str, list[str]]]:
        """For each record, the fields each other language lacks (languages lacking none left out), one query."""
        fields = self.model.written_translated_fields()
        flags = {
            f"gap__{code}__{name}": models.ExpressionWrapper(
                translation_gap(code, name), output_field=models.BooleanField()
            )
            for code in OTHER_LANGUAGES
            for name in fields
        }
        gaps = {}
        for row in self.order_by().values("pk", **flags):
            missing = {code: [name for name in fields if row[f"gap__{code}__{name}"]] for code in OTHER_LANGUAGES}
            gaps[row["pk"]] = {code: names for code, names in missing.items() if names}
        return gaps

    def planned(self):
        """This queryset in the fetch mode named by ``ARCHIVE_FETCH_MODE``.

        A read plan states what it loads; under the tests' ``FETCH_RAISE`` a related record or deferred field
        it left out raises ``FieldFetchBlocked`` instead of costing one more query per row. Related records the
        plan loads (prefetched ones included) inherit the mode.
        """
        return self.fetch_mode(getattr(models, settings.ARCHIVE_FETCH_MODE))

    @read_plan
    def with_public(self, *relations: str):
        """Joins each relation so that it reads as its record when that record is public, else as None.

        One query however many rows: a published summit of a draft chairmanship shows no chairmanship,
        instead of a link that would reveal the draft or lead to a 404. The public record is also
        ``public_<name>``. ``"chairmanship__state"`` joins the chairmanship's state through the public
        chairmanship (the state names it). A nullable relation is a filtered join, so a record the
        public may not see is not even read; a required foreign key is joined with ``with_public_flag()``
        (a filtered INNER JOIN would drop the row itself).
        """
        queryset, hidden = self, {}
        for relation in relations:
            name, _, nested = relation.partition("__")
            if self.model._meta.get_field(name).null:
                if f"public_{name}" not in queryset.query._filtered_relations:
                    queryset = queryset.annotate(
                        **{f"public_{name}": models.FilteredRelation(name, condition=published_condition(f"{name}__"))}
                    )
                queryset = queryset.select_related(f"public_{name}__{nested}" if nested else f"public_{name}")
                hidden[name] = True
            else:
                queryset = queryset.with_public_flag(name)
                if nested:
                    queryset = queryset.select_related(relation)
                hidden[name] = False
        earlier = getattr(queryset._iterable_class, "hidden", {})
        # Django offers no public hook between loading a row and handing out its record; the iterable class
        # is the one values() and values_list() swap, and it survives the clones of later filters and slices.
        queryset = queryset._chain()
        queryset._iterable_class = type(
            "PublicRelationsIterable", (PublicRelationsIterable,), {"hidden": {**earlier, **hidden}}
        )
        return queryset

    def with_public_flag(self, relation: str):
        """Joins a required relation and annotates ``<relation>_is_public``, for deciding whether to link it.

        A page still names such a record (a chairmanship is named after its state) without linking it.
        """
        return self.select_related(relation).annotate(
            **{
                f"{relation}_is_public": models.ExpressionWrapper(
                    published_condition(f"{relation}__"), output_field=models.BooleanField()
                )
            }
        )


_remembered_natural_keys: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "remembered_natural_keys", default=None
)


@contextlib.contextmanager
def natural_keys_remembered():
    """While a load resolves thousands of references by natural key (the fixtures name their sources by slug,
    over and over), each record is read once: a record found is remembered until the load ends."""
    token = _remembered_natural_keys.set({})
    try:
        yield
    finally:
        _remembered_natural_keys.reset(token)


def remembered(get_by_natural_key):
    """A ``get_by_natural_key`` that, inside ``natural_keys_remembered()``, reads each record once (a miss is not
    remembered: the load may write that record next)."""

    @functools.wraps(get_by_natural_key)
    def lookup(self, *key):
        found = _remembered_natural_keys.get()
        if found is None:
            return get_by_natural_key(self, *key)
        name = (self.model._meta.label_lower, *key)
        if name not in found:
            found[name] = get_by_natural_key(self, *key)
        return found[name]

    return lookup


class SlugNaturalKeyQuerySet(PublicRelationsQuerySet):
    @remembered
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class PublishableQuerySet(SlugNaturalKeyQuerySet):
    @read_plan
    def published(self, *, at: datetime.datetime | None = None):
        return self.filter(published_condition(at=at))

    def markdown_sources(self) -> set[str]:
        """Every column an editor writes Markdown into (each language's included)."""
        model = self.model
        return {f"{name}{suffix}" for name in model.markdown_fields for suffix in ("", *language_suffixes(model, name))}

    def update(self, **kwargs):
        # An update that writes Markdown skips save() and its signals too: the stored HTML and excerpts of the
        # records it changed are made again in the same transaction, so no page ever shows the old text.
        if not self.markdown_sources() & kwargs.keys():
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            changed = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            records = list(self.model._base_manager.using(self.db).filter(pk__in=changed))
            for record in records:
                record.render_markdown()
            self.model._base_manager.using(self.db).bulk_update(records, self.model.rendered_fields(), batch_size=500)
        return count

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if self.markdown_sources() & set(fields):
            for record in objs:
                record.render_markdown()
            fields = [*fields, *(name for name in self.model.rendered_fields() if name not in fields)]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        # Rows created in bulk (demo data, the benchmark) skip save() and its signals; their pages still
        # need the rendered text.
        objs = list(objs)
        for record in objs:
            record.render_markdown()
        created = super().bulk_create(objs, *args, **kwargs)
        search_text.index_records(self.model, created, self.db)
        return created

    def awaiting_review(self):
        return self.filter(status=PublicationStatus.REVIEW)

    @read_plan
    def for_citation(self):
        """Records with what their citation names besides their own fields: the sources they cite and their
        corrections (``chairmanship.citation``)."""
        return self.prefetch_related("sources", "corrections")

    def with_related_count(self, name: str, relation: str, queryset):
        """Annotates ``<name>``: how many records of ``relation`` (from ``queryset``) each record has, as a
        subquery of the record's own query (no extra query, however many there are)."""
        related_field = self.model._meta.get_field(relation).field.name
        total = (
            queryset.order_by()
            .filter(**{related_field: models.OuterRef("pk")})
            .annotate(total=models.Func(models.F("pk"), function="COUNT"))
            .values("total")
        )
        return self.annotate(**{name: Coalesce(models.Subquery(total, output_field=models.IntegerField()), 0)})

    @read_plan
    def for_page_list(self):
        """Records as the bounded lists of a record's page show them: the columns of the model's
        ``LIST_FIELDS`` (in every language where translated), not their summaries and full texts, which a page
        listing sixty documents would otherwise read and never show."""
        names = self.model.LIST_FIELDS
        return self.only(
            *names, *(f"{name}{suffix}" for name in names for suffix in language_suffixes(self.model, name))
        )

    # The page lists of ``with_page_list()``: name -> (relation, queryset, limit).
    _page_lists: dict = {}

    def with_page_list(self, name: str, relation: str, queryset):
        """Reads the first ``PAGE_LIST_LIMIT`` records of ``relation`` (from ``queryset``, in its order) as
        ``<name>``, and annotates how many there are in all as ``<name>_total``, for a page's bounded list.

        The total is a subquery of the record's own query; the first records are one query per list once the
        records are read (``_read_page_lists``): a page's query count and its length stay the same however
        many records there are.
        """
        clone = self.with_related_count(f"{name}_total", relation, queryset)
        clone._page_lists = {**self._page_lists, name: (relation, queryset, PAGE_LIST_LIMIT)}
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._page_lists = self._page_lists
        return clone

    def _fetch_all(self):
        reading = self._result_cache is None
        super()._fetch_all()
        if reading and self._page_lists and self._result_cache and isinstance(self._result_cache[0], models.Model):
            self._read_page_lists(self._result_cache)

    def _read_page_lists(self, records: list) -> None:
        """One record's lists (its page) are each a plain query in the list's order, which walks an index and
        stops at the limit; several records' lists are a window over all their related records, in one query."""
        for name, (relation, queryset, limit) in self._page_lists.items():
            if len(records) > 1:
                models.prefetch_related_objects(
                    records, models.Prefetch(relation, queryset=queryset[:limit], to_attr=name)
                )
                continue
            related_field = self.model._meta.get_field(relation).field.name
            setattr(records[0], name, list(queryset.filter(**{related_field: records[0]})[:limit]))


class StateQuerySet(PublishableQuerySet):
    @read_plan
    def for_api(self, *, public: bool = True):
        """States with their membership periods and sources (API)."""
        return self.prefetch_related(
            models.Prefetch("memberships", queryset=Membership.objects.order_by("start_date")), "sources"
        )

    def members_on(self, day: datetime.date):
        """States that were full members on ``day``."""
        return self.with_status_on(day, MembershipStatus.MEMBER)

    def with_status_on(self, day: datetime.date, status: str):
        periods = Membership.objects.active_on(day).filter(status=status)
        return self.filter(pk__in=periods.values("state_id"))

    @read_plan
    def for_list(self):
        """States with their membership periods (oldest first), for grouping by today's status."""
        return self.prefetch_related(
            models.Prefetch("memberships", queryset=Membership.objects.order_by("start_date"), to_attr="periods")
        )

    @read_plan
    def for_detail(self):
        """A state with everything its page lists, each related list restricted to public records and the
        documents and initiatives bounded (``with_page_list``)."""
        return (
            self.with_page_list(
                "listed_documents",
                "documents_signed",
                Document.objects.published().for_page_list().order_by("-date", "title_en"),
            )
            .with_page_list(
                "listed_initiatives",
                "initiatives_proposed",
                Initiative.objects.published().for_page_list().order_by("title"),
            )
            .prefetch_related(
                models.Prefetch(
                    "memberships",
                    queryset=Membership.objects.with_public("summit").order_by("start_date"),
                    to_attr="periods",
                ),
                models.Prefetch("chairmanships", queryset=Chairmanship.objects.published().order_by("start_date")),
                models.Prefetch("summits_hosted", queryset=Summit.objects.published().order_by("start_date")),
                "sources",
                "corrections",
            )
        )


class MembershipQuerySet(PublicRelationsQuerySet):
    @read_plan
    def for_api(self, *, public: bool = True):
        """Periods with their state, admitting summit and sources (API); for the public, the summit only when
        it is public (the periods themselves are public with their state: see ``published()``)."""
        related = self.with_public("summit") if public else self.select_related("summit")
        return related.select_related("state").prefetch_related("sources")

    @remembered
    def get_by_natural_key(self, state_slug, status, start_date):
        return self.get(state__slug=state_slug, status=status, start_date=start_date)

    @read_plan
    def published(self, *, at: datetime.datetime | None = None):
        # A membership period has no publication status of its own: it is public with its state.
        return self.filter(published_condition("state__", at=at))

    def active_on(self, day: datetime.date):
        """Periods covering ``day``; a period runs from its start date up to, not including, its end."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=day), start_date__lte=day)

    def status_of(self, state, day: datetime.date) -> str | None:
        """The status ``state`` held on ``day`` (a ``MembershipStatus`` value), or None."""
        return self.active_on(day).filter(state=state).values_list("status", flat=True).first()

    def admissions_for_page(self):
        """Public periods with their state, for listing who was admitted at a summit."""
        return self.published().select_related("state").order_by("status", "state__short_name")


class ChairmanshipQuerySet(PublishableQuerySet):
    @read_plan
    def for_api(self, *, public: bool = True):
        """Chairmanships with their state, closing summit and sources (API); for the public, the state and
        the summit only when they are public."""
        related = ("state", "culminating_summit")
        return (self.with_public(*related) if public else self.select_related(*related)).prefetch_related("sources")

    def latest_begun(self, *, today: datetime.date | None = None):
        """The chairmanship that began last on or before ``today``: the current one while its term runs
        (``Chairmanship.is_current_on``), else the latest, ended one."""
        return self.filter(start_date__lte=today or timezone.localdate()).order_by("-start_date").first()

    def current(self, *, today: datetime.date | None = None):
        """The chairmanship whose term covers ``today``, or None: an ended term is never current."""
        day = today or timezone.localdate()
        latest = self.latest_begun(today=day)
        return latest if latest is not None and latest.is_current_on(day) else None

    def with_closing_summit(self):
        """Joins the summit that closed the term as ``public_summit`` (None while it is not public)."""
        return self.annotate(
            public_summit=models.FilteredRelation(
                "culminating_summit", condition=published_condition("culminating_summit__")
            )
        ).select_related("public_summit")

    @read_plan
    def for_list(self):
        # The state names the chairmanship (``__str__``); ``state_is_public`` says whether to link it.
        return self.with_public_flag("state").with_closing_summit()

    @read_plan
    def for_citation(self):
        # A chairmanship is named after its state.
        return super().for_citation().select_related("state")

    @read_plan
    def for_home(self):
        """The chairmanship with its key figures and their sources, for the home page."""
        return self.select_related("state").prefetch_related(
            models.Prefetch("figures", queryset=KeyFigure.objects.select_related("source"))
        )

    @read_plan
    def for_detail(self):
        return (
            self.for_list()
            .with_page_list(
                "listed_documents",
                "documents",
                Document.objects.published().for_page_list().order_by("-date", "title_en"),
            )
            .with_page_list(
                "listed_initiatives", "initiatives", Initiative.objects.published().for_page_list().order_by("title")
            )
            .prefetch_related(
                models.Prefetch("figures", queryset=KeyFigure.objects.select_related("source")),
                "sources",
                "corrections",
            )
        )


class SummitQuerySet(PublishableQuerySet):
    @read_plan
    def for_api(self, *, public: bool = True):
        """Summits with their host state, chairmanship (and its state) and sources (API); for the public, the
        host state and the chairmanship only when they are public."""
        related = ("host_state", "chairmanship__state")
        return (
            (self.with_public(*related) if public else self.select_related(*related))
            .select_related("documents_reported_source")
            .prefetch_related("sources")
        )

    @remembered
    def get_by_natural_key(self, number):
        return self.get(number=number)

    @read_plan
    def for_list(self):
        return self.with_public_flag("host_state").with_public("chairmanship__state")

    def with_coverage(self):
        """Annotates ``documents_recorded``, the summit's public documents, beside the count the sources
        report (``documents_reported``) and the source that reports it."""
        return self.with_related_count("documents_recorded", "documents", Document.objects.published()).select_related(
            "documents_reported_source"
        )

    @read_plan
    def for_coverage(self):
        """Every summit with what it is reported to have adopted and what the archive records, oldest first."""
        return self.with_public_flag("host_state").with_coverage().order_by("number")

    def with_neighbours(self):
        """Annotates the slugs and numbers of the previous and next public summits (same query)."""
        public = Summit.objects.published()
        earlier = public.filter(number__lt=models.OuterRef("number")).order_by("-number")
        later = public.filter(number__gt=models.OuterRef("number")).order_by("number")
        return self.annotate(
            previous_slug=models.Subquery(earlier.values("slug")[:1]),
            previous_city=models.Subquery(earlier.values("host_city")[:1]),
            previous_number=models.Subquery(earlier.values("number")[:1]),
            next_slug=models.Subquery(later.values("slug")[:1]),
            next_city=models.Subquery(later.values("host_city")[:1]),
            next_number=models.Subquery(later.values("number")[:1]),
        )

    @read_plan
    def for_detail(self):
        """A summit's page: its own fields, its first documents and initiatives with their totals, its sources
        (cited) and corrections. Its figures, admissions and neighbours are read by ``read_page_parts()`` only
        when those parts are made."""
        return (
            self.for_list()
            .select_related("documents_reported_source")
            # ``title_en`` is ``title`` (English is kept in both), named so that ``document_summit_page`` covers it.
            .with_page_list(
                "listed_documents",
                "documents",
                Document.objects.published().for_page_list().order_by("document_type", "title_en"),
            )
            .with_page_list(
                "listed_initiatives", "initiatives", Initiative.objects.published().for_page_list().order_by("title")
            )
            .prefetch_related("sources", "corrections")
        )

    def read_page_parts(self, summit) -> tuple[str, ...]:
        """Reads onto ``summit`` what its page's kept parts show (``DetailPageMixin.kept_parts``): its key figures
        (with their sources), the statuses granted at it, and the previous and next public summits. Returns the
        lists they show besides the records read: the summits (a neighbour renamed, published or withdrawn)."""
        prefetch_related_objects(
            [summit],
            models.Prefetch("admissions", queryset=Membership.objects.admissions_for_page()),
            models.Prefetch("figures", queryset=KeyFigure.objects.select_related("source")),
        )
        neighbours = Summit.objects.filter(pk=summit.pk).with_neighbours()
        for name, value in neighbours.values(*neighbours.query.annotations).get().items():
            setattr(summit, name, value)
        return (list_tag(Summit),)


class DocumentQuerySet(PublishableQuerySet):
    @read_plan
    def for_api(self, *, public: bool = True):
        """Documents with every related summary the API shows. The public's plan is the archive's: the summit,
        chairmanship and signatories only where they are public."""
        if not public:
            return self.select_related("summit", "chairmanship__state").prefetch_related(
                "topics", "signatories", "sources"
            )
        return self.for_archive().prefetch_related(
            "topics", models.Prefetch("signatories", queryset=State.objects.published()), "sources"
        )

    @read_plan
    def for_archive(self):
        """Documents as the archive lists them: the summit and chairmanship joined, only when public."""
        return self.with_public("summit", "chairmanship__state")

    @read_plan
    def for_detail(self):
        """A document's page: its own fields, summit, chairmanship, sources (cited) and corrections. What it shows
        of its topics, signatories and initiatives is read by ``read_page_parts()`` only when those parts are made."""
        return self.for_archive().prefetch_related("sources", "corrections")

    def read_page_parts(self, document) -> tuple[str, ...]:
        """Reads onto ``document`` what its page's kept parts show (``DetailPageMixin.kept_parts``): its topics,
        public signatories and public initiatives. Returns the lists they show besides the records read: none."""
        prefetch_related_objects(
            [document],
            "topics",
            models.Prefetch("signatories", queryset=State.objects.published().order_by("short_name")),
            models.Prefetch("initiatives", queryset=Initiative.objects.published().order_by("title")),
        )
        return ()

    def latest(self, count: int):
        """The newest dated documents. An undated one has no place in "latest by date"; leaving it out also
        lets the database read the first rows of the ``document_latest`` index instead of sorting the
        whole table (about 0.7 ms instead of 120 ms at 100 000 documents on PostgreSQL)."""
        return self.for_archive().filter(date__isnull=False).order_by("-date", "-published_at")[:count]


class InitiativeQuerySet(PublishableQuerySet):
    @read_plan
    def for_api(self, *, public: bool = True):
        """Initiatives with every related summary the API shows. The public's plan is the archive's: the
        summit, chairmanship, proposers and documents only where they are public."""
        if not public:
            return self.select_related("summit", "chairmanship__state").prefetch_related(
                "proposers", "topics", "documents", "sources"
            )
        return self.for_archive().prefetch_related(
            models.Prefetch("proposers", queryset=State.objects.published()),
            "topics",
            models.Prefetch("documents", queryset=Document.objects.published()),
            "sources",
        )

    @read_plan
    def for_archive(self):
        return self.with_public("summit", "chairmanship__state")

    @read_plan
    def for_detail(self):
        return self.for_archive().prefetch_related(
            models.Prefetch("proposers", queryset=State.objects.published().order_by("short_name")),
            "topics",
            models.Prefetch("documents", queryset=Document.objects.published().order_by("-date", "title_en")),
            "sources",
            "corrections",
        )

    def latest(self, count: int):
        """The most recently published initiatives, read from the first rows of the ``initiative_latest`` index
        (ordered by ``title_en``, the twin of ``title`` that the index covers) instead of sorting every one:
        about 0.1 ms instead of 120 ms at 10 000 initiatives on PostgreSQL."""
        return self.for_archive().order_by("-published_at", "title_en")[:count]


class RecordAttachmentQuerySet(models.QuerySet):
    def for_record(self, record):
        """What is kept about ``record`` (in the model's order)."""
        return self.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


class SlugRedirectQuerySet(RecordAttachmentQuerySet):
    def record_move(self, record, old_slug: str) -> None:
        """Keeps ``old_slug`` pointing at ``record`` after its slug changed."""
        content_type = ContentType.objects.get_for_model(record)
        # A record taking back an earlier slug must not redirect away from its own address.
        self.filter(content_type=content_type, old_slug=record.slug).delete()
        self.update_or_create(content_type=content_type, old_slug=old_slug, defaults={"object_id": record.pk})


class KeyFigureQuerySet(SlugNaturalKeyQuerySet):
    @read_plan
    def for_api(self, *, public: bool = True):
        """Figures with what they describe, their source and topics (API); for the public, the chairmanship
        and summit only when they are public."""
        related = ("chairmanship__state", "summit")
        described = self.with_public(*related) if public else self.select_related(*related)
        return described.select_related("source").prefetch_related("topics")

    @read_plan
    def published(self, *, at: datetime.datetime | None = None):
        # A figure is public when the chairmanship or summit it describes is.
        return self.filter(published_condition("chairmanship__", at=at) | published_condition("summit__", at=at))


# --- Models ---------------------------------------------------------------------------------------


class Source(ShownInPages, models.Model):
    """A citable source. Every fact-bearing record cites at least one."""

    slug = models.SlugField(max_length=120, unique=True)
    # Room for the long formal titles of official documents' pages.
    title = models.CharField(max_length=500, validators=[one_line])
    publisher = models.CharField(
        max_length=200, blank=True, validators=[one_line], help_text="Organisation or outlet that published it."
    )
    author = models.CharField(max_length=300, blank=True, validators=[one_line])
    published_on = models.DateField(null=True, blank=True, help_text="Leave empty when the date is not known.")
    url = models.URLField(
        max_length=500,
        blank=True,
        help_text="Only a checked address. Leave empty for public record not yet checked against a page.",
    )
    language = models.CharField(
        max_length=16,
        default="en",
        validators=[validate_language_tag],
        help_text="The language the source is written in, as a language tag: en, ru, zh-hans, kk…",
    )
    note = models.TextField(
        blank=True,
        validators=long_text_validators(NOTE_MAX_LENGTH),
        help_text="What this source supports, and any caveat; without an address, why it has none.",
    )
    editor_note = models.TextField(
        blank=True,
        validators=long_text_validators(NOTE_MAX_LENGTH),
        help_text="For editors only: never shown to readers or API consumers.",
    )

    objects = SlugNaturalKeyQuerySet.as_manager()

    class Meta:
        ordering = ("title",)

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    @property
    def language_name(self) -> str:
        """The source's language in English words ("Russian"), or its tag when Django does not know it."""
        return language_name(self.language)


class Topic(ShownInPages, KeptInEnglish, models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True, validators=[one_line])
    description = models.TextField(blank=True, validators=long_text_validators(NOTE_MAX_LENGTH))

    objects = SlugNaturalKeyQuerySet.as_manager()

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Publishable(ShownInPages, ChoiceLabels, KeptInEnglish, models.Model):
    """Editorial state shared by every public-facing model."""

    status = models.CharField(
        max_length=20,
        choices=PublicationStatus,
        default=PublicationStatus.DRAFT,
        db_index=True,
        help_text="Only published records with a publication time in the past are shown to the public.",
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When the record goes live. A future time schedules it.",
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised on every save; used to refuse conflicting edits."
    )
    editor_note = models.TextField(
        blank=True,
        validators=long_text_validators(NOTE_MAX_LENGTH),
        help_text="For editors only: never shown to readers or API consumers.",
    )
    # Kept in step with the Markdown sources by ``render_markdown()`` on every save: pages show these, and
    # never render or sanitise Markdown while a reader waits.
    summary_html = models.TextField(blank=True, editable=False)
    summary_excerpt = models.CharField(
        max_length=rich_text.EXCERPT_LENGTH, blank=True, editable=False, help_text="The summary as plain words."
    )
    corrections = GenericRelation("chairmanship.Correction")
    # An Editor's proposed changes to the published record go with it when it is deleted.
    pending_changes = GenericRelation("chairmanship.PendingChange")

    # The Markdown fields whose sanitised HTML is stored beside them as ``<name>_html``.
    markdown_fields: tuple[str, ...] = ("summary",)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PublicationStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="%(app_label)s_%(class)s_published_has_time",
                violation_error_message="A published record needs a publication time.",
            ),
        ]

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        if self.pk is not None:
            self.version += 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(self.markdown_fields):
            kwargs["update_fields"] = {*update_fields, *self.rendered_fields()}
        super().save(*args, **kwargs)
        self._keep_old_address_working()

    def render_markdown(self) -> None:
        """Stores the sanitised HTML of each Markdown field, and the summary's plain excerpt, beside them, in
        every language the field is kept in."""
        for name in self.markdown_fields:
            for suffix in language_suffixes(type(self), name):
                setattr(self, f"{name}_html{suffix}", rich_text.to_html(getattr(self, f"{name}{suffix}") or ""))
        for suffix in language_suffixes(type(self), "summary"):
            setattr(self, f"summary_excerpt{suffix}", rich_text.to_excerpt(getattr(self, f"summary{suffix}") or ""))

    @classmethod
    def rendered_fields(cls) -> tuple[str, ...]:
        """Every column ``render_markdown()`` writes, the untranslated names included."""
        pairs = [*((f"{name}_html", name) for name in cls.markdown_fields), ("summary_excerpt", "summary")]
        return tuple(
            dict.fromkeys(
                f"{target}{suffix}" for target, source in pairs for suffix in ("", *language_suffixes(cls, source))
            )
        )

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        record = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        # Remembered so that a save can tell when a published record's public address changed.
        loaded = dict(zip(field_names, values, strict=True))
        # Also what a save compares with to tell which cached answers it touches (``tags.tags_for_change``).
        record._loaded_values = loaded
        record._stored_slug = loaded.get("slug")
        record._stored_status = loaded.get("status")
        return record

    def _keep_old_address_working(self) -> None:
        old_slug = getattr(self, "_stored_slug", None)
        if old_slug and old_slug != self.slug and getattr(self, "_stored_status", None) == PublicationStatus.PUBLISHED:
            SlugRedirect.objects.record_move(self, old_slug)
        self._stored_slug, self._stored_status = self.slug, self.status

    @property
    def public_corrections(self):
        """The visible correction log, newest first (one query, or none when prefetched)."""
        return self.corrections.all()

    @classmethod
    def publish_permission(cls) -> str:
        """The permission a user needs to publish, schedule or unpublish records of this model."""
        return f"{cls._meta.app_label}.publish_{cls._meta.model_name}"

    @property
    def is_public(self) -> bool:
        return (
            self.status == PublicationStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def natural_key(self):
        return (self.slug,)


class State(Publishable):
    slug = models.SlugField(max_length=80, unique=True)
    short_name = models.CharField(max_length=100, validators=[one_line])
    official_name = models.CharField(max_length=200, validators=[one_line])
    iso_alpha2 = models.CharField("ISO 3166 alpha-2", max_length=2, unique=True, validators=[iso_alpha2_validator])
    iso_alpha3 = models.CharField("ISO 3166 alpha-3", max_length=3, unique=True, validators=[iso_alpha3_validator])
    capital = models.CharField(max_length=100, blank=True, validators=[one_line])
    summary = models.TextField(
        blank=True,
        validators=long_text_validators(SUMMARY_MAX_LENGTH),
        help_text="A few sentences in your own words.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="states")

    objects = StateQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ("short_name",)
        permissions = [("publish_state", "Can publish, schedule and unpublish states")]

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return slug_path("chairmanship:state_detail", self.slug)


class Membership(ShownInPages, ChoiceLabels, models.Model):
    """One period of one status of a state. Periods run from start up to, not including, end."""

    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="memberships")
    status = models.CharField(max_length=20, choices=MembershipStatus)
    start_date = models.DateField()
    end_date = models.DateField(
        null=True,
        blank=True,
        help_text="The day the status ended (a new status may start that day). Empty: still holds.",
    )
    summit = models.ForeignKey(
        "Summit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="admissions",
        help_text="The summit at which this status was granted, where known.",
    )
    note = models.CharField(max_length=300, blank=True, validators=[one_line])
    sources = models.ManyToManyField(Source, blank=True, related_name="memberships")

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ("state__short_name", "start_date")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="membership_end_after_start",
                violation_error_message="The end date must be after the start date.",
            ),
            models.UniqueConstraint(fields=("state", "status", "start_date"), name="membership_unique_period_start"),
        ]
        indexes = [models.Index(fields=("status", "start_date", "end_date"))]

    def __str__(self):
        end = self.end_date.isoformat() if self.end_date else "present"
        return f"{self.state_id and self.state}: {self.get_status_display()} {self.start_date} – {end}"

    def natural_key(self):
        return (*self.state.natural_key(), self.status, self.start_date.isoformat())

    natural_key.dependencies = ["chairmanship.state"]

    def overlapping_periods(self):
        """Other periods of the same state that share at least one day with this one."""
        others = Membership.objects.filter(state_id=self.state_id).exclude(pk=self.pk)
        if self.end_date is not None:
            others = others.filter(start_date__lt=self.end_date)
        return others.filter(Q(end_date__isnull=True) | Q(end_date__gt=self.start_date))

    def clean(self):
        super().clean()
        if self.state_id is None or self.start_date is None:
            return
        if self.end_date is not None and self.end_date <= self.start_date:
            return  # the check constraint reports this one
        clash = self.overlapping_periods().first()
        if clash is not None:
            raise ValidationError(
                f"This period overlaps another period of {self.state}: {clash.get_status_display()} "
                f"from {clash.start_date} to {clash.end_date or 'present'}."
            )


class Chairmanship(Publishable):
    slug = models.SlugField(max_length=80, unique=True, help_text="e.g. kazakhstan-2023-2024")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="chairmanships")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    motto = models.CharField(max_length=300, blank=True, validators=[one_line])
    priorities = models.TextField(
        blank=True,
        validators=long_text_validators(SUMMARY_MAX_LENGTH),
        help_text="The chair's stated priorities, in your own words.",
    )
    priorities_html = models.TextField(blank=True, editable=False)
    summary = models.TextField(blank=True, validators=long_text_validators(SUMMARY_MAX_LENGTH))
    sources = models.ManyToManyField(Source, blank=True, related_name="chairmanships")

    objects = ChairmanshipQuerySet.as_manager()

    markdown_fields = ("summary", "priorities")

    class Meta(Publishable.Meta):
        ordering = ("-start_date",)
        permissions = [("publish_chairmanship", "Can publish, schedule and unpublish chairmanships")]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="chairmanship_end_not_before_start",
                violation_error_message="The end date must not be before the start date.",
            ),
        ]

    def __str__(self):
        end = self.end_date.year if self.end_date else "…"
        return f"{self.state_id and self.state} {self.start_date.year}–{end}"

    def get_absolute_url(self):
        return slug_path("chairmanship:chairmanship_detail", self.slug)

    def is_current_on(self, day: datetime.date) -> bool:
        """A term runs from the day the state took the chair up to, not including, the day it handed the
        chair on: on a handover day the new chair is the current one."""
        return self.start_date <= day and (self.end_date is None or self.end_date > day)

    @property
    def is_current(self) -> bool:
        return self.is_current_on(timezone.localdate())


class Summit(Publishable):
    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1)], help_text="Ordinal number of the meeting."
    )
    slug = models.SlugField(max_length=80, unique=True, help_text="city-year, e.g. astana-2024")
    host_state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="summits_hosted")
    host_city = models.CharField(max_length=100, validators=[one_line])
    start_date = models.DateField()
    end_date = models.DateField()
    format = models.CharField(max_length=20, choices=SummitFormat, default=SummitFormat.IN_PERSON)
    theme = models.CharField(
        max_length=300, blank=True, validators=[one_line], help_text="The official theme, where one is known."
    )
    chairmanship = models.OneToOneField(
        Chairmanship,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="culminating_summit",
        help_text="The chairmanship this summit closed.",
    )
    summary = models.TextField(blank=True, validators=long_text_validators(SUMMARY_MAX_LENGTH))
    documents_reported = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="How many documents the summit is reported to have signed or adopted (may exceed those recorded).",
    )
    documents_reported_note = models.CharField(
        max_length=300, blank=True, validators=[one_line], help_text="What the reported figure counts."
    )
    documents_reported_source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="summit_counts",
        help_text="The source that states the reported figure.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="summits")

    objects = SummitQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ("-number",)
        permissions = [("publish_summit", "Can publish, schedule and unpublish summits")]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(condition=Q(number__gte=1), name="summit_number_positive"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="summit_end_not_before_start",
                violation_error_message="The end date must not be before the start date.",
            ),
        ]

    def __str__(self):
        return self.title()

    def get_absolute_url(self):
        return slug_path("chairmanship:summit_detail", self.slug)

    def natural_key(self):
        return (self.number,)

    def title(self, *, heading=False, of_the_sco=False) -> str:
        year = self.start_date.year if self.start_date else None
        return summit_title(self.number, self.host_city, year, heading=heading, of_the_sco=of_the_sco)

    @property
    def heading(self) -> str:
        return self.title(heading=True)


class Document(Publishable):
    title = models.CharField(max_length=400, validators=[one_line])
    slug = models.SlugField(max_length=120, unique=True)
    document_type = models.CharField("type", max_length=20, choices=DocumentType, db_index=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="documents")
    summit = models.ForeignKey(Summit, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents")
    chairmanship = models.ForeignKey(
        Chairmanship, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    date = models.DateField(null=True, blank=True, db_index=True, help_text="Date of adoption or signature.")
    signatories = models.ManyToManyField(State, blank=True, related_name="documents_signed")
    adoption = models.CharField(
        max_length=30,
        choices=Adoption,
        default=Adoption.SIGNED,
        db_index=True,
        help_text="The document's legal state, independent of its editorial status.",
    )
    entered_into_force = models.DateField(null=True, blank=True, help_text="Only where known.")
    official_text_url = models.URLField(
        "official text", max_length=500, blank=True, help_text="Where the official text is published."
    )
    summary = models.TextField(blank=True, validators=long_text_validators(SUMMARY_MAX_LENGTH))
    full_text = models.TextField(blank=True, validators=long_text_validators(FULL_TEXT_MAX_LENGTH))
    full_text_html = models.TextField(blank=True, editable=False)
    pdf = models.FileField(
        "PDF",
        upload_to=document_pdf_path,
        blank=True,
        validators=[FileExtensionValidator(["pdf"]), validate_pdf],
        help_text="The official text as a PDF, at most 20 MB.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="documents")

    objects = DocumentQuerySet.as_manager()
    # What a list row shows of a document (``for_page_list()``; ``partials/document_item.html``) and its links.
    LIST_FIELDS = (
        "slug",
        "status",
        "published_at",
        "title",
        "document_type",
        "date",
        "adoption",
        "summit",
        "chairmanship",
    )

    markdown_fields = ("summary", "full_text")

    class Meta(Publishable.Meta):
        # The English title breaks ties in every language: one order, read from one index (translation.py).
        ordering = ("-date", "title_en")
        permissions = [("publish_document", "Can publish, schedule and unpublish documents")]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(entered_into_force__isnull=True)
                | Q(date__isnull=True)
                | Q(entered_into_force__gte=models.F("date")),
                name="document_force_not_before_adoption",
                violation_error_message="Entry into force cannot precede adoption.",
            ),
        ]
        indexes = [
            # The archive's default order and the home page's "latest documents", read from an index. The first
            # also carries what "published" and the type filter are decided on, so on PostgreSQL an archive
            # page's ids are read from the index alone however deep the page (SQLite has no INCLUDE and builds
            # the plain index: settings silence the warning that says so).
            models.Index(
                fields=["-date", "title_en"],
                name="document_archive_order",
                include=["id", "status", "published_at", "document_type"],
            ),
            models.Index(fields=["-date", "-published_at"], name="document_latest"),
            # A summit's page lists its first documents by type and title and counts them all: in the index's
            # order the database stops after the first rows instead of sorting every document of the summit,
            # and counts them from the index alone (PostgreSQL; about 0.2 and 0.4 ms instead of 6 and 2 ms for
            # a summit of 1 700 documents).
            models.Index(
                fields=["summit", "document_type", "title_en"],
                name="document_summit_page",
                include=["id", "status", "published_at"],
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return slug_path("chairmanship:document_detail", self.slug)


class Initiative(Publishable):
    title = models.CharField(max_length=300, validators=[one_line])
    slug = models.SlugField(max_length=120, unique=True)
    category = models.CharField(max_length=20, choices=InitiativeCategory, db_index=True)
    proposers = models.ManyToManyField(
        State, blank=True, related_name="initiatives_proposed", help_text="Leave empty when not known."
    )
    chairmanship = models.ForeignKey(
        Chairmanship, on_delete=models.SET_NULL, null=True, blank=True, related_name="initiatives"
    )
    summit = models.ForeignKey(Summit, on_delete=models.SET_NULL, null=True, blank=True, related_name="initiatives")
    # The initiative's own lifecycle; ``status`` is the editorial state every public model shares.
    implementation_status = models.CharField(
        "status", max_length=20, choices=InitiativeStatus, default=InitiativeStatus.PROPOSED, db_index=True
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="initiatives")
    documents = models.ManyToManyField(Document, blank=True, related_name="initiatives")
    summary = models.TextField(blank=True, validators=long_text_validators(SUMMARY_MAX_LENGTH))
    sources = models.ManyToManyField(Source, blank=True, related_name="initiatives")

    objects = InitiativeQuerySet.as_manager()
    # What a list row shows of an initiative (``for_page_list()``; ``partials/initiative_item.html``) and its links.
    LIST_FIELDS = (
        "slug",
        "status",
        "published_at",
        "title",
        "category",
        "implementation_status",
        "summit",
        "chairmanship",
    )

    class Meta(Publishable.Meta):
        ordering = ("title",)
        permissions = [("publish_initiative", "Can publish, schedule and unpublish initiatives")]
        # The home page's newest initiatives (InitiativeQuerySet.latest) read the first rows of this index.
        indexes = [models.Index(fields=["-published_at", "title_en"], name="initiative_latest")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return slug_path("chairmanship:initiative_detail", self.slug)


class KeyFigure(ShownInPages, ChoiceLabels, KeptInEnglish, models.Model):
    """A number the sources report about a chairmanship or a summit, with its unit and qualifier."""

    slug = models.SlugField(max_length=120, unique=True)
    label = models.CharField(
        max_length=200, validators=[one_line], help_text="What is counted, e.g. 'Share of world population'."
    )
    value = models.DecimalField(max_digits=20, decimal_places=3)
    unit = models.CharField(max_length=40, blank=True, validators=[one_line], help_text="e.g. %, USD trillion, events.")
    qualifier = models.CharField(max_length=10, choices=FigureQualifier, blank=True, default=FigureQualifier.EXACT)
    as_of = models.DateField(null=True, blank=True, help_text="The date the figure was reported for.")
    period = models.CharField(
        max_length=40, blank=True, validators=[one_line], help_text="The period the figure covers, e.g. 2023."
    )
    chairmanship = models.ForeignKey(
        Chairmanship, on_delete=models.CASCADE, null=True, blank=True, related_name="figures"
    )
    summit = models.ForeignKey(Summit, on_delete=models.CASCADE, null=True, blank=True, related_name="figures")
    topics = models.ManyToManyField(Topic, blank=True, related_name="figures", help_text="Areas the figure spans.")
    note = models.CharField(max_length=300, blank=True, validators=[one_line])
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="figures")

    objects = KeyFigureQuerySet.as_manager()

    class Meta:
        ordering = ("label",)
        constraints = [
            models.CheckConstraint(
                condition=Q(chairmanship__isnull=False) | Q(summit__isnull=False),
                name="keyfigure_describes_something",
                violation_error_message="A key figure must describe a chairmanship or a summit.",
            ),
        ]

    def __str__(self):
        return f"{self.label}: {self.display_value}"

    def natural_key(self):
        return (self.slug,)

    @property
    def display_value(self) -> str:
        number = f"{self.value.normalize():f}"
        qualifier = f"{self.get_qualifier_display()} " if self.qualifier else ""
        unit = self.unit
        if unit == "%":
            return f"{qualifier}{number}%"
        return f"{qualifier}{number} {unit}".strip()


class RecordAttachment(models.Model):
    """What the archive keeps about one record of any kind: a correction, an old slug, a proposed change."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")

    class Meta:
        abstract = True


class Correction(ShownInPages, RecordAttachment):
    """A public correction of a published record, shown on its page as "Corrected on <date>: <note>"."""

    date = models.DateField(default=timezone.localdate)
    note = models.TextField(
        validators=long_text_validators(NOTE_MAX_LENGTH),
        help_text="Shown to readers: what was wrong and what is right now.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RecordAttachmentQuerySet.as_manager()

    class Meta:
        ordering = ("-date", "-created_at")
        indexes = [models.Index(fields=("content_type", "object_id"))]

    def __str__(self):
        return f"Corrected on {self.date}: {self.note}"


class SlugRedirect(RecordAttachment):
    """An old slug of a published record; its old public address answers with a permanent redirect."""

    old_slug = models.SlugField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SlugRedirectQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("content_type", "old_slug"), name="slugredirect_unique_old_slug"),
        ]

    def __str__(self):
        return f"{self.old_slug} → {self.content_type.model} {self.object_id}"


def render_markdown_before_save(sender, instance, **kwargs):
    # A signal rather than save() alone: loading fixtures and reverting to a revision save "raw", without save().
    instance.render_markdown()


# Every editable model keeps its history (admin, import and API saves all record revisions).
# A state's revision includes its membership periods, which are edited with it. The rendered HTML is left out
# of revisions: it is made again from the Markdown whenever a revision is restored.
for _model in (Source, Topic, Membership, KeyFigure):
    reversion.register(_model)
for _model in (Chairmanship, Summit, Document, Initiative):
    reversion.register(_model, exclude=_model.rendered_fields())
reversion.register(State, follow=("memberships",), exclude=State.rendered_fields())
for _model in (State, Chairmanship, Summit, Document, Initiative):
    pre_save.connect(render_markdown_before_save, sender=_model)


class PendingChangeQuerySet(RecordAttachmentQuerySet):
    def for_record(self, record):
        """The changes waiting for a Publisher on ``record``, oldest first, with their authors."""
        return super().for_record(record).select_related("author")


class PendingChange(RecordAttachment):
    """An Editor's change to a published record, kept aside until a Publisher publishes or discards it.

    The live record stays as it is meanwhile. ``data`` holds the proposed content (the record's fields as
    Django's serializer writes them, many-to-many relations as lists of keys; never the publication
    state); ``base_version`` is the record's version it was made on, so that publishing it is refused once
    the record has moved on. ``chairmanship.publication`` writes, publishes and discards these.
    """

    data = models.JSONField(encoder=DjangoJSONEncoder)
    base_version = models.PositiveIntegerField()
    correction_note = models.TextField(
        blank=True,
        validators=long_text_validators(NOTE_MAX_LENGTH),
        help_text="The public correction note to log when published.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PendingChangeQuerySet.as_manager()

    class Meta:
        ordering = ("created_at", "pk")
        indexes = [models.Index(fields=("content_type", "object_id"))]

    def __str__(self):
        return f"Pending change to {self.content_type.model} #{self.object_id} by {self.author or 'someone'}"
