"""The content model of the SCO Chairmanship Archive.

QuerySets come first, then the models. The public subset of every publishable model is named once,
in ``published_condition``; every view, feed, sitemap and API endpoint goes through it.
"""

import datetime

import reversion
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


class MembershipStatus(models.TextChoices):
    MEMBER = "member", "Member state"
    OBSERVER = "observer", "Observer state"
    DIALOGUE_PARTNER = "dialogue_partner", "Dialogue partner"


class SummitFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"
    HYBRID = "hybrid", "Hybrid"


class DocumentType(models.TextChoices):
    DECLARATION = "declaration", "Declaration"
    DECISION = "decision", "Decision"
    STRATEGY = "strategy", "Strategy"
    PROGRAMME = "programme", "Programme"
    ACTION_PLAN = "action_plan", "Action plan"
    AGREEMENT = "agreement", "Agreement"
    MEMORANDUM = "memorandum", "Memorandum"
    STATEMENT = "statement", "Statement"
    ROAD_MAP = "road_map", "Road map"
    CHARTER = "charter", "Charter"
    TREATY = "treaty", "Treaty"
    OTHER = "other", "Other"


class Adoption(models.TextChoices):
    SIGNED = "signed", "Signed"
    ADOPTED_WITHOUT_SIGNING = "adopted_without_signing", "Adopted without signing"
    PROPOSED = "proposed", "Proposed"


class InitiativeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    LAUNCHED = "launched", "Launched"
    ONGOING = "ongoing", "Ongoing"
    COMPLETED = "completed", "Completed"


class InitiativeCategory(models.TextChoices):
    ECONOMIC = "economic", "Economy and investment"
    SECURITY = "security", "Security"
    DIGITAL = "digital", "Digital and information security"
    TRANSPORT = "transport", "Transport and connectivity"
    CULTURAL = "cultural", "Culture and humanitarian ties"
    INSTITUTIONAL = "institutional", "Institutional"
    ENVIRONMENT = "environment", "Environment"


class FigureQualifier(models.TextChoices):
    EXACT = "", "exactly"
    OVER = "over", "over"
    ABOUT = "about", "about"
    UNDER = "under", "under"


def published_condition(prefix: str = "", *, at: datetime.datetime | None = None) -> Q:
    """The one publication rule: status is published and the publication time has come.

    ``prefix`` lets related models (memberships, key figures) reuse the rule through a relation.
    """
    moment = at or timezone.now()
    return Q(**{f"{prefix}status": PublicationStatus.PUBLISHED, f"{prefix}published_at__lte": moment})


iso_alpha2_validator = RegexValidator(r"^[A-Z]{2}$", "Use two capital letters, e.g. KZ.")
iso_alpha3_validator = RegexValidator(r"^[A-Z]{3}$", "Use three capital letters, e.g. KAZ.")


# --- QuerySets -----------------------------------------------------------------------------------


class SlugNaturalKeyQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class PublishableQuerySet(SlugNaturalKeyQuerySet):
    def published(self, *, at: datetime.datetime | None = None):
        return self.filter(published_condition(at=at))

    def awaiting_review(self):
        return self.filter(status=PublicationStatus.REVIEW)


class StateQuerySet(PublishableQuerySet):
    def members_on(self, day: datetime.date):
        """States that were full members on ``day``."""
        return self.with_status_on(day, MembershipStatus.MEMBER)

    def with_status_on(self, day: datetime.date, status: str):
        periods = Membership.objects.active_on(day).filter(status=status)
        return self.filter(pk__in=periods.values("state_id"))


class MembershipQuerySet(models.QuerySet):
    def get_by_natural_key(self, state_slug, status, start_date):
        return self.get(state__slug=state_slug, status=status, start_date=start_date)

    def published(self, *, at: datetime.datetime | None = None):
        # A membership period has no publication status of its own: it is public with its state.
        return self.filter(published_condition("state__", at=at))

    def active_on(self, day: datetime.date):
        """Periods covering ``day``; a period runs from its start date up to, not including, its end."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=day), start_date__lte=day)

    def status_of(self, state, day: datetime.date) -> str | None:
        """The status ``state`` held on ``day`` (a ``MembershipStatus`` value), or None."""
        return self.active_on(day).filter(state=state).values_list("status", flat=True).first()


class ChairmanshipQuerySet(PublishableQuerySet):
    def current(self, *, today: datetime.date | None = None):
        """The chairmanship whose term covers ``today``, else the latest one."""
        day = today or timezone.localdate()
        covering = self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)
        return covering.order_by("-start_date").first() or self.order_by("-start_date").first()


class SummitQuerySet(PublishableQuerySet):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class DocumentQuerySet(PublishableQuerySet):
    pass


class InitiativeQuerySet(PublishableQuerySet):
    pass


class KeyFigureQuerySet(SlugNaturalKeyQuerySet):
    def published(self, *, at: datetime.datetime | None = None):
        # A figure is public when the chairmanship or summit it describes is.
        return self.filter(published_condition("chairmanship__", at=at) | published_condition("summit__", at=at))


# --- Models ---------------------------------------------------------------------------------------


class Source(models.Model):
    """A citable source. Every fact-bearing record cites at least one."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True, help_text="Organisation or outlet that published it.")
    author = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True, help_text="Leave empty when the date is not known.")
    url = models.URLField(
        max_length=500,
        blank=True,
        help_text="Only a checked address. Leave empty for public record not yet checked against a page.",
    )
    note = models.TextField(blank=True, help_text="What this source supports, and any caveat.")

    objects = SlugNaturalKeyQuerySet.as_manager()

    class Meta:
        ordering = ("title",)

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)


class Topic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    objects = SlugNaturalKeyQuerySet.as_manager()

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Publishable(models.Model):
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
        super().save(*args, **kwargs)

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
    short_name = models.CharField(max_length=100)
    official_name = models.CharField(max_length=200)
    iso_alpha2 = models.CharField("ISO 3166 alpha-2", max_length=2, unique=True, validators=[iso_alpha2_validator])
    iso_alpha3 = models.CharField("ISO 3166 alpha-3", max_length=3, unique=True, validators=[iso_alpha3_validator])
    capital = models.CharField(max_length=100, blank=True)
    summary = models.TextField(blank=True, help_text="A few sentences in your own words.")
    sources = models.ManyToManyField(Source, blank=True, related_name="states")

    objects = StateQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ("short_name",)
        permissions = [("publish_state", "Can publish, schedule and unpublish states")]

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return reverse("chairmanship:state_detail", kwargs={"slug": self.slug})


class Membership(models.Model):
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
    note = models.CharField(max_length=300, blank=True)
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
    motto = models.CharField(max_length=300, blank=True)
    priorities = models.TextField(blank=True, help_text="The chair's stated priorities, in your own words.")
    summary = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="chairmanships")

    objects = ChairmanshipQuerySet.as_manager()

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
        return reverse("chairmanship:chairmanship_detail", kwargs={"slug": self.slug})


class Summit(Publishable):
    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1)], help_text="Ordinal number of the meeting."
    )
    slug = models.SlugField(max_length=80, unique=True, help_text="city-year, e.g. astana-2024")
    host_state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="summits_hosted")
    host_city = models.CharField(max_length=100)
    start_date = models.DateField()
    end_date = models.DateField()
    format = models.CharField(max_length=20, choices=SummitFormat, default=SummitFormat.IN_PERSON)
    theme = models.CharField(max_length=300, blank=True, help_text="The official theme, where one is known.")
    chairmanship = models.OneToOneField(
        Chairmanship,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="culminating_summit",
        help_text="The chairmanship this summit closed.",
    )
    summary = models.TextField(blank=True)
    documents_signed_reported = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Number of documents signed as reported by the sources (may exceed the documents recorded here).",
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
        return f"{self.number}. {self.host_city} {self.start_date.year}"

    def get_absolute_url(self):
        return reverse("chairmanship:summit_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.number,)


class Document(Publishable):
    title = models.CharField(max_length=400)
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
    summary = models.TextField(blank=True)
    full_text = models.TextField(blank=True)
    pdf = models.FileField(upload_to="documents/", blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="documents")

    objects = DocumentQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ("-date", "title")
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

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("chairmanship:document_detail", kwargs={"slug": self.slug})


class Initiative(Publishable):
    title = models.CharField(max_length=300)
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
    summary = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="initiatives")

    objects = InitiativeQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ("title",)
        permissions = [("publish_initiative", "Can publish, schedule and unpublish initiatives")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("chairmanship:initiative_detail", kwargs={"slug": self.slug})


class KeyFigure(models.Model):
    """A number the sources report about a chairmanship or a summit, with its unit and qualifier."""

    slug = models.SlugField(max_length=120, unique=True)
    label = models.CharField(max_length=200, help_text="What is counted, e.g. 'Share of world population'.")
    value = models.DecimalField(max_digits=20, decimal_places=3)
    unit = models.CharField(max_length=40, blank=True, help_text="e.g. %, USD trillion, events.")
    qualifier = models.CharField(max_length=10, choices=FigureQualifier, blank=True, default=FigureQualifier.EXACT)
    as_of = models.DateField(null=True, blank=True, help_text="The date the figure was reported for.")
    period = models.CharField(max_length=40, blank=True, help_text="The period the figure covers, e.g. 2023.")
    chairmanship = models.ForeignKey(
        Chairmanship, on_delete=models.CASCADE, null=True, blank=True, related_name="figures"
    )
    summit = models.ForeignKey(Summit, on_delete=models.CASCADE, null=True, blank=True, related_name="figures")
    topics = models.ManyToManyField(Topic, blank=True, related_name="figures", help_text="Areas the figure spans.")
    note = models.CharField(max_length=300, blank=True)
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


# Every editable model keeps its history (admin, import and API saves all record revisions).
# A state's revision includes its membership periods, which are edited with it.
for _model in (Source, Topic, Membership, Chairmanship, Summit, Document, Initiative, KeyFigure):
    reversion.register(_model)
reversion.register(State, follow=("memberships",))
