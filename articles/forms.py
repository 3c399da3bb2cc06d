"""Forms of the desk: the article editor and the workflow steps."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from articles import conflicts, photos, richtext
from articles.models import Article, CorrectionKind, Photo, Section, UsageRights
from articles.previews import DURATIONS
from articles.services import StaleEdit
from articles.tag_names import check_tag_names
from authors.models import Author
from newsroom import imaging, storage


class OrderedAutocompleteMultiple(AutocompleteSelectMultiple):
    """Keeps the chosen order (the byline order) instead of sorting the options."""

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        if not groups:
            return groups
        order = {str(v): index for index, v in enumerate(value)}
        subgroups = groups[0][1]
        subgroups.sort(key=lambda option: order.get(str(option["value"]), len(order)))
        for index, option in enumerate(subgroups):
            option["index"] = str(index)
        return groups


class OrderedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice whose cleaned value is a list in the order submitted."""

    def clean(self, value):
        chosen = super().clean(value)
        by_key = {str(obj.pk): obj for obj in chosen}
        return [by_key[str(key)] for key in dict.fromkeys(value or []) if str(key) in by_key]


class ArticleForm(forms.ModelForm):
    body = ProseEditorFormField(
        config={"extensions": richtext.EDITOR_EXTENSIONS},
        widget=AdminProseEditorWidget,
        required=False,
        help_text=Article._meta.get_field("body").help_text,
    )
    bylines = OrderedModelMultipleChoiceField(
        queryset=Author.objects.all(),
        required=False,
        label="Bylines",
        help_text="Who wrote the story, in the order readers see the names. Type to search; "
        "remove a name and add it again to move it to the end.",
    )
    sections = forms.ModelMultipleChoiceField(
        queryset=Section.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Sections",
        help_text="Every section where the story appears. The primary section is always "
        "included, whether ticked or not.",
    )
    # The version the text in the form was written on (see the stale-edit check in
    # clean()). Text this browser kept and puts back carries the version it was written on.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set by ArticleAdmin.get_form: who is editing (for the double-submit rule).
    editing_user = None
    # Set when a save is refused as stale: the text and the saved version side by side.
    conflict: conflicts.Conflict | None = None

    class Meta:
        model = Article
        # Every content field of the article (the authors come as `bylines`, above).
        fields = [
            conflicts.form_name(field)
            for field in Article.content_fields()
            if conflicts.form_name(field) == field.name
        ]
        widgets = {
            "standfirst": forms.Textarea(attrs={"rows": 3, "maxlength": 400}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["bylines"] = [author.pk for author in self.instance.byline_authors]
            self.initial["loaded_version"] = self.instance.version
        if "bylines" in self.fields:
            self.fields["bylines"].widget = OrderedAutocompleteMultiple(
                Article._meta.get_field("authors"), admin.site
            )
            # Authors who left stay on their old stories but cannot be added to new ones.
            current = [a.pk for a in self.instance.byline_authors] if self.instance.pk else []
            self.fields["bylines"].queryset = Author.objects.filter(
                Q(is_active=True) | Q(pk__in=current)
            )
        if "primary_section" in self.fields:
            self.fields["primary_section"].empty_label = "— choose a section —"

    def clean_headline(self):
        headline = self.cleaned_data["headline"].strip()
        if not headline:
            raise ValidationError("Write a headline.")
        return headline

    def clean_tags(self):
        tags = self.cleaned_data.get("tags") or []
        check_tag_names(tags)
        return tags

    def clean_slug(self):
        slug = self.cleaned_data.get("slug", "").strip()
        if slug and Article.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                f"Another article already uses the address “{slug}”. Choose another slug "
                "or leave it empty to make one from the headline."
            )
        return slug

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_not_stale(cleaned)
        return cleaned

    def validate_unique(self):
        # Django runs this once it has filled the instance from the form; it checks the
        # model's constraints, but skips those naming fields the form lacks, such as the
        # publish times of published_article_is_complete. A published story must still be
        # complete (Article.PUBLISHED_NEEDS, the constraint's own list), or the database
        # would refuse the save with an IntegrityError.
        super().validate_unique()
        for name in self.instance.missing_to_be_published():
            if name not in self.errors:
                field = name if name in self.fields else None
                self.add_error(field, Article.PUBLISHED_NEEDS[name].message)

    def _check_not_stale(self, cleaned) -> None:
        """Refuse a save made from an older copy (or from a copy that does not say which
        version it was written on); a repeat of the same save is fine."""
        current = Article.objects.select_related(
            "last_edited_by", "created_by", "primary_section", "lead_photo"
        ).get(pk=self.instance.pk)
        submitted = cleaned.get("loaded_version")
        if submitted == current.version:
            return
        conflict = conflicts.compare(current, cleaned)
        if (
            submitted is not None
            and current.last_edited_by_id == getattr(self.editing_user, "pk", None)
            and not conflict.differences
        ):
            # A double click or a resent form: nothing would change, so no conflict.
            cleaned["loaded_version"] = current.version
            return
        self.conflict = conflict
        # The page that reports the refusal shows the saved version beside the person's
        # text, so the text in it is now written on that version: its next save is checked
        # against it (and refused again if anyone saves in between).
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = current.version
        if submitted is None:
            raise ValidationError(
                "This save did not say which version of the article your text was written "
                "on, so it was not saved. Your text is still in the form: compare it with "
                "the saved version below, keep what you need from each, and save again.",
                code="stale",
            )
        raise ValidationError(str(StaleEdit(current)), code="stale")


# --- workflow steps -----------------------------------------------------------------


class PublishForm(forms.Form):
    WHEN_CHOICES = [("now", "Publish now"), ("schedule", "Schedule for a later time")]

    when = forms.ChoiceField(choices=WHEN_CHOICES, widget=forms.RadioSelect, initial="now")
    publish_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In the newsroom's time zone. The story appears by itself at this time.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "schedule":
            at = cleaned.get("publish_at")
            if at is None:
                if "publish_at" not in self.errors:
                    self.add_error("publish_at", "Choose when the story should appear.")
            elif at <= timezone.now():
                self.add_error(
                    "publish_at",
                    "That time has passed. Choose a time in the future, or publish now.",
                )
        return cleaned

    @property
    def publish_time(self):
        return self.cleaned_data["publish_at"] if self.cleaned_data["when"] == "schedule" else None


class ReturnForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        error_messages={"required": "Write a note telling the journalist what to change."},
        help_text="Tell the journalist what to change. They see this note on the article.",
    )


class UnpublishForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text="Why it is coming down (kept in the article's history, not shown to readers).",
    )


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(choices=CorrectionKind.choices, initial=CorrectionKind.CORRECTION)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "Write the note readers will see."},
        help_text="Shown to readers at the end of the article with today's date, e.g. “An "
        "earlier version of this article misstated the date of the vote.”",
    )


class ShareForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=list(DURATIONS.items()),
        coerce=int,
        initial=3,
        label="Link works for",
    )


# --- photos -------------------------------------------------------------------------


class PhotoForm(forms.ModelForm):
    """Uploads pass newsroom.imaging's gate; a photo that looks like one we already have
    needs a second look before a copy is saved."""

    image = forms.FileField(
        label="Photo",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=Photo._meta.get_field("image").help_text,
    )
    save_anyway = forms.BooleanField(
        required=False,
        label="It is a different photo: save it anyway",
        help_text="Tick this only if the photo is not the one already in the library.",
    )

    class Meta:
        model = Photo
        fields = [
            "image",
            "alt_text",
            "caption",
            "credit",
            "agency",
            "rights",
            "licence",
            "usable_until",
            "focal_x",
            "focal_y",
        ]

    # What PhotoAdmin.changeform_view made of the POST before its transaction opened:
    # photos.NewFiles, or the imaging.ImageRejected that refused the upload. Decoding is
    # never done here: form validation runs inside the admin's transaction.
    upload_result = None

    @property
    def new_files(self) -> photos.NewFiles | None:
        result = self.upload_result
        return result if isinstance(result, photos.NewFiles) else None

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload is None or upload is False or not hasattr(upload, "content_type"):
            return upload  # no new file: the stored one stays
        result = self.upload_result
        if isinstance(result, imaging.ImageRejected):
            raise ValidationError(result.messages, code=result.code)
        if isinstance(result, storage.NotStored):
            return upload  # clean() says so above the form
        if result is None or not result.image:
            raise ImproperlyConfigured(
                "PhotoForm got an upload nobody processed: photos.process() it before "
                "validating, outside the transaction (see PhotoAdmin.changeform_view)."
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        rights = cleaned.get("rights")
        if rights == UsageRights.AGENCY and not cleaned.get("agency"):
            self.add_error("agency", "An agency-licensed photo needs its agency.")
        if not cleaned.get("credit", "").strip() and not cleaned.get("agency"):
            self.add_error("credit", "Give the photo a credit line or choose its agency.")
        if rights == UsageRights.CREATIVE_COMMONS and not cleaned.get("licence", "").strip():
            self.add_error("licence", "Say which Creative Commons licence, e.g. “CC BY 4.0”.")
        if isinstance(self.upload_result, storage.NotStored):
            # Above the form: it may come from a new focal point as well as a new file.
            raise self.upload_result
        files = self.new_files
        if files is not None and files.image and not cleaned.get("save_anyway"):
            similar = photos.near_duplicates(files.perceptual_hash, exclude_pk=self.instance.pk)
            if similar:
                self.add_error("image", _duplicate_message(similar))
        return cleaned


def _duplicate_message(similar) -> str:
    first = similar[0].photo
    source = first.agency.name if first.agency_id else (first.credit or "our library")
    uses = similar[0].uses
    links = format_html_join(
        ", ",
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        ((reverse("admin:articles_photo_change", args=[s.photo.pk]), s.photo.alt_text[:60])
         for s in similar),
    )  # fmt: skip
    return format_html(
        "This looks like a photo we already have — {}, used in {} {}: {}. Choose that one "
        "on the article instead, or tick “save it anyway” below and upload again.",
        source,
        uses,
        "story" if uses == 1 else "stories",
        links,
    )
