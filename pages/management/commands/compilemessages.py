"""compilemessages that also works where GNU gettext is not installed.

Django's command runs `msgfmt`. On a machine without it (a fresh laptop, a
slim container) the catalogues are compiled with polib instead, so the two
commands in the README need nothing beyond Python and uv. Either way only
our own catalogues are compiled, never the packages' in .venv.
"""

import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.commands import compilemessages

SKIPPED = [".venv", "staticfiles", ".cache", "node_modules"]


class Command(compilemessages.Command):
    def handle(self, **options):
        options["ignore_patterns"] = [*(options.get("ignore_patterns") or []), *SKIPPED]
        if shutil.which(self.program):
            return super().handle(**options)
        for folder in settings.LOCALE_PATHS:
            for po_path in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                if options["verbosity"] > 0:
                    self.stdout.write(f"processing file {po_path.name} in {po_path.parent}")
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        return None
