from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Educational pages"

    def ready(self) -> None:
        from pages import checks  # noqa: F401  (registers the launch check)
