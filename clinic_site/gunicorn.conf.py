"""Gunicorn settings: `gunicorn -c clinic_site/gunicorn.conf.py`.

Everything a deployment may want to change comes from the environment.
"""

import multiprocessing
import os

wsgi_app = "clinic_site.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never take the site down;
# rarely, because each recycle stalls the requests queued on that worker
# (the content-page benchmark's p99 was 300 ms with 2,000, 10 ms without).
max_requests = 20000
max_requests_jitter = 2000
# Load Django once in the master: a recycled or restarted worker is a fork,
# ready at once, instead of a second of importing while requests queue.
# Nothing opens a database or cache connection at import time.
preload_app = True

# Logs go to stdout/stderr for the process manager to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The access log carries no query string: request paths only.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# Heartbeat files in RAM, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Gunicorn's control socket would otherwise be created in the home folder;
# nothing here uses it.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
