from django import forms
from django.core.validators import validate_email

from articles.models import Section
from newsletter.models import Source


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254)
    briefing = forms.BooleanField(required=False)
    sections = forms.ModelMultipleChoiceField(
        queryset=Section.objects.all(), required=False, to_field_name="slug"
    )
    source = forms.ChoiceField(choices=Source.choices, required=False)

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        local, _, domain = email.rpartition("@")
        # EmailField accepts "someone@localhost"; mail to it goes nowhere.
        if "." not in domain or domain.endswith(".") or domain.startswith("."):
            raise forms.ValidationError("Enter an email address such as name@example.com.")
        validate_email(email)
        return local + "@" + domain.lower()

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("briefing") and not data.get("sections"):
            raise forms.ValidationError("Choose the daily briefing, a section's alerts, or both.")
        return data
