"""The Celery application.

Without `TOWNHALL_REDIS_URL` tasks run eagerly in-process (the embedded default);
with it they go to real workers (`celery -A townhall worker`).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

app = Celery("townhall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
