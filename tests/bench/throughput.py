"""Throughput under wrk: a content page, a static file of the same size, and
consultation requests, alternated round by round against one gunicorn."""

import re
import statistics
import subprocess
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core import signing

from booking.forms import TOKEN_SALT
from tests.factories import valid_booking_data
from tests.production_server import Browser, hidden_inputs

THREADS = 2
CONNECTIONS = 16
ROUND_SECONDS = 5
ROUNDS = 5
POST_SCRIPT = Path(__file__).with_name("post.lua")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Round:
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    bad_responses: int


@dataclass
class Summary:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int

    @classmethod
    def of(cls, rounds: list[Round]) -> "Summary":
        return cls(
            requests_per_second=statistics.median(r.requests_per_second for r in rounds),
            p50_ms=statistics.median(r.p50_ms for r in rounds),
            p99_ms=statistics.median(r.p99_ms for r in rounds),
            requests=sum(r.requests for r in rounds),
            bad_responses=sum(r.bad_responses for r in rounds),
        )


def wrk(url: str, *, headers: dict[str, str], script_args: list[str] | None = None) -> Round:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{ROUND_SECONDS}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script_args is not None:
        command += ["-s", str(POST_SCRIPT), url, "--", *script_args]
    else:
        command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Round:
    def latency(percentile: str) -> float:
        found = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        if found is None:
            raise ValueError(f"no {percentile}% latency in wrk's output:\n{output}")
        value, unit = found.groups()
        return float(value) * UNITS_MS[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read \d+, write (\d+), timeout (\d+)", output
    )
    return Round(
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        bad_responses=(int(bad.group(1)) if bad else 0)
        + (sum(int(n) for n in errors.groups()) if errors else 0),
    )


def write_post_bodies(base_url: str, *, secret_key: str, path: Path, count: int) -> dict[str, str]:
    """Valid consultation requests, each with its own form token.

    One visit to the form gives the CSRF cookie and token every request
    reuses (as one browser would); the form tokens are signed here with
    the server's key, dated a minute back like a person's pace.
    Returns the headers the requests need.
    """
    browser = Browser(base_url)
    csrf = hidden_inputs(browser.get("/request-consultation/").text)["csrfmiddlewaretoken"]
    started = int(time.time()) - 60
    with path.open("w") as bodies:
        for number in range(count):
            token = signing.dumps(
                {"key": str(uuid.uuid4()), "started": started}, key=secret_key, salt=TOKEN_SALT
            )
            data = valid_booking_data(
                first_name=f"Bench{number}",
                email=f"bench{number}@example.com",
                form_token=token,
                csrfmiddlewaretoken=csrf,
            )
            bodies.write(urllib.parse.urlencode(data, doseq=True) + "\n")
    origin = "https://" + urllib.parse.urlsplit(base_url).netloc
    return {
        "Cookie": f"csrftoken={browser.cookies['csrftoken']}",
        "Origin": origin,
        "Referer": origin + "/request-consultation/",
    }
