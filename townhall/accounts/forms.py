"""Sign-up form: asks for the name people will see next to what they write."""

from django import forms


class SignupForm(forms.Form):
    name = forms.CharField(max_length=255, label="Your name", required=True)

    def signup(self, request, user) -> None:  # called by allauth after the user is created
        from townhall.accounts.services import attach_member

        attach_member(user, name=self.cleaned_data["name"])
