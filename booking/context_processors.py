from django.http import HttpRequest

from booking.models import Location


def locations(request: HttpRequest) -> dict:
    # Lazy: the query only runs on pages whose template lists the locations.
    return {"clinic_locations": Location.objects.active()}
