from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Enrol a staff user's authenticator app for two-factor login: prints the otpauth:// URI\n"
        "and the secret to type in. --replace removes the user's earlier devices first."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true")

    def handle(self, *args, username: str, replace: bool, **options) -> None:
        try:
            user = get_user_model().objects.get(username=username, is_staff=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No staff user called {username!r}.") from None
        devices = TOTPDevice.objects.filter(user=user)
        if devices.exists() and not replace:
            raise CommandError(f"{username} already has an authenticator; use --replace.")
        devices.delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        secret = device.config_url.split("secret=")[1].split("&")[0]
        self.stdout.write(
            f"Authenticator for {username}: scan this URI as a QR code, or type in the secret.\n"
            f"  URI:    {device.config_url}\n"
            f"  secret: {secret}\n"
            "Show it only to that person; it is not shown again."
        )
