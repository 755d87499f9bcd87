from django import template

register = template.Library()


@register.filter
def reachable(locations) -> bool:
    """Whether any office has a phone number or email on the site yet.

    Until one does, pages must not say "contact us" without saying how.
    """
    return any(location.phone or location.public_email for location in locations)
