import logging

from django import forms
from django.core.exceptions import ValidationError

from authors.models import Author
from newsroom import imaging, storage

logger = logging.getLogger(__name__)

PORTRAIT_NOT_STORED = "The portrait could not be stored, nothing was saved — try again later."


class AuthorForm(forms.ModelForm):
    """The portrait goes through the same upload gate as photos."""

    portrait = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=Author._meta.get_field("portrait").help_text,
    )

    class Meta:
        model = Author
        fields = ["name", "slug", "job_title", "bio", "portrait", "user", "is_active"]

    prepared = None

    def clean_portrait(self):
        upload = self.cleaned_data.get("portrait")
        if not upload or not hasattr(upload, "content_type"):
            return upload
        try:
            self.prepared = imaging.prepare(upload)
        except imaging.ImageRejected as rejected:
            raise ValidationError(rejected.messages, code=rejected.code) from None
        return upload

    def validate_unique(self):
        """Django's last step of validation, after the instance is filled: the portrait is
        written only once everything else passed (a refused form leaves no file), and a
        storage that cannot keep it is a form error, not a 500."""
        super().validate_unique()
        if self.prepared is None or self.errors:
            return
        try:
            self.instance.set_portrait(self.prepared)
        except storage.FAULTS as fault:
            logger.error("Media storage failed while writing a portrait: %r", fault)
            self.add_error("portrait", storage.NotStored(PORTRAIT_NOT_STORED))

    def save(self, commit=True):
        author = super().save(commit=False)  # the portrait was written by validate_unique
        if commit:
            author.save()
            self.save_m2m()
        return author
