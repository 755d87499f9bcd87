from urllib.parse import urlencode

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact, In
from django.utils.translation import gettext_lazy as _


class LocationQuerySet(models.QuerySet):
    def active(self) -> "LocationQuerySet":
        return self.filter(is_active=True)


class Location(models.Model):
    """A clinic office where patients can be seen."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    address_line1 = models.CharField(_("address line 1"), max_length=120)
    address_line2 = models.CharField(_("address line 2"), max_length=120, blank=True)
    city = models.CharField(_("city"), max_length=80)
    state = models.CharField(_("state"), max_length=2, default="CT")
    postal_code = models.CharField(_("ZIP code"), max_length=10)
    # Left blank until staff enter the real details: none are invented.
    phone = models.CharField(
        _("phone"), max_length=30, blank=True, help_text=_("Shown on the site when filled in.")
    )
    hours = models.TextField(
        _("opening hours"),
        blank=True,
        help_text=_("One line per day or range, e.g. “Mon–Fri 9am–5pm”. Shown when filled in."),
    )
    notification_email = models.EmailField(
        _("front-desk email"),
        blank=True,
        help_text=_("New consultation requests for this location are announced here."),
    )
    is_active = models.BooleanField(
        _("accepting requests"),
        default=True,
        help_text=_("Inactive locations are hidden from the site and the booking form."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("state"), 2), name="location_state_two_letters"
            ),
            models.CheckConstraint(
                condition=In(Length("postal_code"), [5, 10]),
                name="location_postal_code_zip_length",
            ),
            models.CheckConstraint(
                condition=~models.Q(name="") & ~models.Q(address_line1="") & ~models.Q(city=""),
                name="location_required_text_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def street_address(self) -> str:
        return ", ".join(line for line in (self.address_line1, self.address_line2) if line)

    @property
    def locality_line(self) -> str:
        return f"{self.city}, {self.state} {self.postal_code}"

    @property
    def full_address(self) -> str:
        return f"{self.street_address}, {self.locality_line}"

    @property
    def map_url(self) -> str:
        return "https://www.google.com/maps/search/?" + urlencode(
            {"api": "1", "query": self.full_address}
        )

    @property
    def phone_uri(self) -> str:
        digits = "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
        return f"tel:{digits}" if digits else ""

    @property
    def hours_lines(self) -> list[str]:
        return [line.strip() for line in self.hours.splitlines() if line.strip()]
