"""`python manage.py feed_token NAME [--rotate]`: the token of a read-only feed user.

Creates the user NAME in the briefing feed group (no password, not staff) or reuses it, and
prints its token alone on stdout so scripts can capture it: TOKEN=$(python manage.py feed_token
briefing). --rotate replaces the token; the old one stops working at once.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from api.roles import BRIEFING_FEED


class Command(BaseCommand):
    help = "Create or reuse a read-only briefing-feed user and print its API token."

    def add_arguments(self, parser):
        parser.add_argument("name", help="user name of the feed, e.g. mayor-briefing")
        parser.add_argument("--rotate", action="store_true", help="replace the token with a new one")

    @transaction.atomic
    def handle(self, *args, name: str, rotate: bool, **options):
        User = get_user_model()
        try:
            User.username_validator(name)
            if len(name) > User._meta.get_field("username").max_length:
                raise ValidationError(_("The name is too long."))
        except ValidationError as error:
            raise CommandError(
                _("Invalid feed name %(name)r: %(error)s") % {"name": name, "error": " ".join(error.messages)}
            ) from None
        group = Group.objects.filter(name=BRIEFING_FEED).first()
        if group is None:
            raise CommandError(_("The briefing feed group is missing; run `python manage.py migrate` first."))

        user = User.objects.select_for_update().filter(username=name).first()
        if user is None:
            user = User(username=name, is_staff=False, is_superuser=False)
            user.set_unusable_password()
            user.save()
            self.stderr.write(_("Created the feed user %(name)s.") % {"name": name})
        elif user.is_staff or user.is_superuser or not user.groups.filter(pk=group.pk).exists():
            # Never hand out a token for a person's account: feed users are made here only.
            raise CommandError(
                _("The user %(name)s exists and is not a feed user; choose another name.") % {"name": name}
            )
        user.groups.add(group)
        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if rotate:
            self.stderr.write(_("New token made; the old one no longer works."))
        elif not created:
            self.stderr.write(_("Reusing the existing token of %(name)s.") % {"name": name})
        self.stdout.write(token.key)
