from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    # django-bootstrap-static ships every Bootstrap build; collect only the
    # minified stylesheet (and its source map, which it references).
    ignore_patterns = [
        *BaseStaticFilesConfig.ignore_patterns,
        "bootstrap/js/*",
        "*.rtl.*",
        "*bootstrap-grid*",
        "*bootstrap-reboot*",
        "*bootstrap-utilities*",
        "*bootstrap.css*",
    ]
