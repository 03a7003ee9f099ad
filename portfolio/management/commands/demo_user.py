"""Make demo logins for a development machine: an administrator, an office staff member and
a manager. Refuses to run with DEBUG off, so no production database gets a known password."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from portfolio.roles import MANAGERS, OFFICE_STAFF

PASSWORD = "gwangju-demo"
USERS = (
    ("admin", "관리자 (모든 권한)", None),
    ("staff", "인공지능산업실 직원", OFFICE_STAFF),
    ("manager", "과장·국장 (보기 전용)", MANAGERS),
)


class Command(BaseCommand):
    help = "Create demo users admin, staff and manager (password gwangju-demo); DEBUG only."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="127.0.0.1:8000", help="where the web server listens")

    def handle(self, *args, address, **options):
        if not settings.DEBUG:
            raise CommandError("demo_user only runs with DEBUG=1: it makes users with a known password.")
        User = get_user_model()
        for username, role, group in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": group is None}
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            self.stdout.write(f"  {username:8} / {PASSWORD}   {role}")
        self.stdout.write(self.style.SUCCESS("Demo logins ready. Open:"))
        for what, name in (
            ("admin (data entry)", "admin:index"),
            ("dashboard", "dashboard:home"),
            ("report center", "reports:center"),
            ("API docs", "api:docs"),
        ):
            self.stdout.write(f"  {what:19} http://{address}{reverse(name)}")
