from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from booking.selectors import location_directory


def locations(request: HttpRequest) -> dict:
    # Lazy: the query only runs on pages whose template lists the locations.
    return {"clinic_locations": SimpleLazyObject(location_directory)}
