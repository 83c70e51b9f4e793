"""The admin's editing form for publishable records: completeness, conflicts and public corrections.

Two people may open the same record. The form carries the ``version`` it was loaded from; when the
stored record has moved on, the save is refused, the fields the other person changed are named, and
everything the second person typed stays in the form.
"""

import contextlib

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.base import DeserializationError
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.text import Truncator
from reversion.errors import RevertError
from reversion.models import Version

from chairmanship.models import PublicationStatus
from chairmanship.publication import normalized_published_at, publication_problems
from chairmanship.versions import comparable, record_field_values


class EditorialForm(forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    correction_note = forms.CharField(
        label="Public correction note",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Fill in when this save corrects a published fact. Readers see it on the page as "
            "“Corrected on [date]: [note]”. Leave empty for silent edits (typos, layout)."
        ),
    )

    # Set by the admin for the person editing: Publishers may publish, schedule and unpublish.
    may_publish = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version
            # The values the editor loaded travel with the form, so a conflict can be explained even for a
            # record whose earlier versions were never recorded (loaded from fixtures, for example).
            for name, field in self.fields.items():
                if name not in ("loaded_version", "correction_note"):
                    field.show_hidden_initial = True

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None:
            self._refuse_conflicting_edit()
        if "published_at" in self.fields:
            cleaned_data["published_at"] = normalized_published_at(
                status=cleaned_data.get("status", self.instance.status), published_at=cleaned_data.get("published_at")
            )
        if (
            cleaned_data.get("correction_note")
            and getattr(self.instance, "_stored_status", None) != PublicationStatus.PUBLISHED
        ):
            self.add_error(
                "correction_note", "Only a published record takes a public correction; this one is not public."
            )
        return cleaned_data

    def _post_clean(self):
        super()._post_clean()
        if self.instance.status == PublicationStatus.PUBLISHED and not self.errors:
            # Without a sources field in the form, the stored sources count.
            sources = self.cleaned_data.get("sources")
            for problem in publication_problems(self.instance, sources=sources):
                self.add_error(None, f"Not ready to publish: {problem}")
        if not self.errors:
            self._store_uploads()

    def _store_uploads(self) -> None:
        """Writes new uploads now, so a full disk or unwritable folder is a form error, not a 500.

        A file left half-written by the failure is removed; the record then keeps its previous file.
        """
        for field in self.instance._meta.concrete_fields:
            if not isinstance(field, models.FileField) or not isinstance(
                self.cleaned_data.get(field.name), UploadedFile
            ):
                continue
            upload = self.cleaned_data[field.name]
            name = field.generate_filename(self.instance, upload.name)
            try:
                stored = field.storage.save(name, upload, max_length=field.max_length)
            except OSError as error:
                with contextlib.suppress(OSError):
                    if field.storage.exists(name):
                        field.storage.delete(name)
                setattr(self.instance, field.attname, self.initial.get(field.name))
                self.add_error(
                    field.name,
                    f"The file could not be stored ({error.strerror or error}). Nothing was saved; "
                    "please try again later or tell the site's administrator.",
                )
                continue
            setattr(self.instance, field.attname, stored)

    # --- conflicts -----------------------------------------------------------------------------

    def _refuse_conflicting_edit(self) -> None:
        model = type(self.instance)
        # Locked until this request's transaction ends, so two saves cannot both pass this check.
        stored = model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        if stored is None:
            raise forms.ValidationError("This record was deleted while you were editing it.", code="deleted")
        loaded_version = self.cleaned_data.get("loaded_version")
        if loaded_version == stored.version:
            return
        changed = self._fields_changed_since(loaded_version, stored)
        latest = Version.objects.get_for_object(stored).select_related("revision__user").first()
        who = "Someone else"
        if latest is not None and latest.revision.user is not None:
            who = latest.revision.user.get_full_name() or latest.revision.user.get_username()
        when = f" at {timezone.localtime(latest.revision.date_created):%Y-%m-%d %H:%M}" if latest is not None else ""
        names = ", ".join(str(self.fields[name].label or name) for name in changed) or "no field you can edit here"
        for name in changed:
            now = self._display(stored, name)
            self.add_error(name, f"{who} changed this while you were editing. It now reads: {now}")
        # The next save knowingly overwrites: the form now carries the version the editor has been shown.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = stored.version
        raise forms.ValidationError(
            "%(who)s saved this record%(when)s while you were editing it. Fields they changed: %(names)s. "
            "Your input is kept below: compare it with their changes, then save again to keep yours.",
            code="conflict",
            params={"who": who, "when": when, "names": names},
        )

    def _fields_changed_since(self, loaded_version, stored) -> list[str]:
        """Form fields whose stored value differs from the one the editor loaded."""
        editable = [name for name in self.fields if name not in ("loaded_version", "correction_note")]
        loaded = None
        if loaded_version is not None:
            for version in Version.objects.get_for_object(stored).only("serialized_data", "format"):
                try:
                    values = version.field_dict
                except (RevertError, FieldDoesNotExist, DeserializationError):
                    continue  # a version of an older schema tells nothing about this form
                if values.get("version") == loaded_version:
                    loaded = values
                    break
        current = record_field_values(stored)
        if loaded is not None:
            return [
                name
                for name in editable
                if self._attname(name) in loaded
                and comparable(loaded[self._attname(name)]) != comparable(current.get(self._attname(name)))
            ]
        # No recorded version of what the editor loaded: use the initial values their form posted back.
        stored_initial = model_to_dict(stored, fields=editable)
        changed = []
        for name in editable:
            field = self.fields[name]
            posted = field.hidden_widget().value_from_datadict(self.data, self.files, self.add_initial_prefix(name))
            if isinstance(field, forms.FileField):
                if comparable(stored_initial.get(name)) != (posted or ""):
                    changed.append(name)
            elif field.has_changed(stored_initial.get(name), posted):
                changed.append(name)
        return changed

    def _attname(self, name: str) -> str:
        try:
            return self.instance._meta.get_field(name).attname
        except FieldDoesNotExist:
            return name

    @staticmethod
    def _display(record, name: str) -> str:
        field = record._meta.get_field(name)
        if field.many_to_many:
            value = ", ".join(str(item) for item in getattr(record, name).all()) or "(none)"
        elif field.choices:
            value = getattr(record, f"get_{name}_display")()
        else:
            value = getattr(record, name)
            value = "(empty)" if value in (None, "") else str(value)
        return Truncator(value).chars(200)
