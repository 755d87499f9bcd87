from django.tasks import task

from booking import services


@task
def send_notification(*, notification_id: int) -> str:
    return services.notification_deliver(notification_id=notification_id).state
