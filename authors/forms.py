from django import forms
from django.core.exceptions import ValidationError

from authors.models import Author
from newsroom import imaging


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

    def save(self, commit=True):
        author = super().save(commit=False)
        if self.prepared is not None:
            author.set_portrait(self.prepared)
        if commit:
            author.save()
            self.save_m2m()
        return author
