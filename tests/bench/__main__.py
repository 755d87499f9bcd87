"""The benchmark table: `uv run python -m tests.bench`.

Runs the site as production does (gunicorn with the repository's config,
production settings, DEBUG off, static files collected and compressed,
PostgreSQL, Redis) on a throwaway database `clinic_bench`, and prints:

1. a content page against a static file of the same size, alternated
   round by round under wrk: throughput, p50 and p99 latency;
2. consultation requests (CSRF, validation, insert, email tasks queued)
   per second, in the same rounds;
3. the staff request list at 100 and at 50,000 requests;
4. a patient's page of open times at 100 and at 10,000 future appointments,
   and patients posting the same time at once (p50 and p99 of those posts);
5. the manager's figures ("How are we doing?") at 1,000 and at 50,000
   requests, all received in the page's default period (the last 12 weeks);
6. bytes and requests of a first visit to every public page, in Chromium;
7. Lighthouse 12 scores for the home page, an article and the form.

`--only time_picking` measures 4 alone, `--only insights` 5 alone.

Needs wrk (`apt-get install wrk`), Chromium at /usr/bin/chromium and npx.
DATABASE_URL names the PostgreSQL server (default: the local one); Redis at
REDIS_URL (default redis://127.0.0.1:6379/15, flushed) is required, as in
production (the web server refuses to start without it). The booking rate
limits are raised for the run (all load comes from one address), and
plain-HTTP requests are not redirected (requests say they came over HTTPS,
as from the load balancer).
"""

import argparse
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
BENCH_DB = "clinic_bench"
ARTICLE = "/ketamine/how-it-works/"
FORM = "/request-consultation/"
SAME_SIZE_FILE = "bench/same-size.html"

server_url = urllib.parse.urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
BENCH_DATABASE_URL = server_url._replace(path="/" + BENCH_DB).geturl()
# In-process Django (the admin list, signing) uses its own test database.
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
import redis  # noqa: E402
from django.urls import reverse  # noqa: E402

from pages.content import PUBLIC_URL_NAMES  # noqa: E402
from tests.bench import (  # noqa: E402
    admin_list,
    insights,
    lighthouse,
    page_weight,
    throughput,
    time_picking,
)
from tests.production_server import Browser, gunicorn, manage, production_env  # noqa: E402

TARGETS = {
    "content_vs_static": 0.9,
    "posts_vs_content": 0.3,
    "admin_time_growth": 1.5,
    "picking_time_growth": 1.5,
    "insights_growth": 2.0,
    "page_kb": 20,
    "form_kb": 25,
    "page_requests": 4,
}
# Measured before pages were compressed and Bootstrap trimmed (2026-11-30):
# the article's first visit, and its HTML alone, as transferred.
BEFORE = {"page_kb": 39.2, "page_requests": 4, "html_kb": 11.8}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--admin-total", type=int, default=50_000)
    parser.add_argument("--insights-total", type=int, default=50_000)
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--picking-total", type=int, default=10_000)
    parser.add_argument("--race-clients", type=int, default=50)
    parser.add_argument("--race-rounds", type=int, default=5)
    parser.add_argument(
        "--only",
        choices=["pages", "time_picking", "insights"],
        help="measure this section alone (pages: throughput, weight, Lighthouse)",
    )
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    secret_key = secrets.token_urlsafe(50)
    env = production_env(
        database_url=BENCH_DATABASE_URL,
        workdir=workdir,
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_BOOKING_REQUESTS_PER_HOUR="1000000",
        DJANGO_BOOKING_POSTS_PER_HOUR="1000000",
        # Lighthouse fetches robots.txt without the load balancer's HTTPS
        # header; every other request carries it.
        DJANGO_SECURE_SSL_REDIRECT="0",
    )
    env["REDIS_URL"] = cache = fresh_redis()
    fresh_database()
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    machine = describe_machine()
    print(f"# Benchmarks, {time.strftime('%Y-%m-%d')}: {machine}")
    print(f"cache: Redis {cache}; database: PostgreSQL {BENCH_DB}\n")

    throughput_rows, admin_rows, browser_rows, picking_rows, insights_rows = [], [], [], [], []
    if options.only in (None, "pages"):
        with gunicorn(env, log=workdir / "gunicorn-a.log") as base_url:
            article_size = len(Browser(base_url).get(ARTICLE).body)
            browser_rows = weigh_pages(base_url)
            if not options.no_lighthouse:
                browser_rows += run_lighthouse(base_url.replace("127.0.0.1", "localhost"))

        same_size = workdir / "static" / SAME_SIZE_FILE
        same_size.parent.mkdir(parents=True, exist_ok=True)
        same_size.write_bytes(b"x" * article_size)
        with gunicorn(env, log=workdir / "gunicorn-b.log") as base_url:
            throughput_rows = run_throughput(base_url, secret_key, workdir, article_size)
    if options.only is None:
        admin_rows = run_admin_list(options.admin_total)

    if options.only in (None, "insights"):
        insights_rows = run_insights(options.insights_total)

    if options.only in (None, "time_picking"):
        # Last: Milford takes online bookings from here on.
        picking_rows = run_time_picking(options.picking_total) + run_booking_race(
            env, workdir, clients=options.race_clients, rounds=options.race_rounds
        )

    # In the order: throughput, submissions, staff list, time picking,
    # the manager's figures, page weight, Lighthouse.
    rows = throughput_rows + admin_rows + picking_rows + insights_rows + browser_rows
    print("\n| Benchmark | Measured | Target | Met |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def fresh_database() -> None:
    admin_url = urllib.parse.urlsplit(BENCH_DATABASE_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")


def fresh_redis() -> str:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError:
        sys.exit(f"Redis does not answer at {url}: production needs it, and so does the bench.")
    return url


def describe_machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def stored_bookings() -> int:
    with psycopg.connect(BENCH_DATABASE_URL) as connection:
        return connection.execute("SELECT count(*) FROM booking_booking").fetchone()[0]


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def run_throughput(base_url: str, secret_key: str, workdir: Path, size: int) -> list[list[str]]:
    bodies = workdir / "bodies.txt"
    post_headers = throughput.write_post_bodies(
        base_url, secret_key=secret_key, path=bodies, count=20_000
    )
    https = {"X-Forwarded-Proto": "https"}
    static_rounds, content_rounds, post_rounds = [], [], []
    before = stored_bookings()
    first_body = 0
    for _ in range(throughput.ROUNDS):
        static_rounds.append(throughput.wrk(f"{base_url}/static/{SAME_SIZE_FILE}", headers=https))
        content_rounds.append(throughput.wrk(base_url + ARTICLE, headers=https))
        post_rounds.append(
            throughput.wrk(
                base_url + FORM,
                headers={**https, **post_headers},
                script_args=[str(bodies), str(throughput.THREADS), str(first_body)],
            )
        )
        # Skip what this round sent, and what may still have been in flight.
        first_body += post_rounds[-1].requests + 2 * throughput.CONNECTIONS
    static = throughput.Summary.of(static_rounds)
    content = throughput.Summary.of(content_rounds)
    posts = throughput.Summary.of(post_rounds)
    stored = stored_bookings() - before
    seconds = throughput.ROUND_SECONDS * throughput.ROUNDS
    stored_per_second = stored / seconds

    def figures(summary: throughput.Summary) -> str:
        return (
            f"{summary.requests_per_second:.0f} req/s, p50 {summary.p50_ms:.1f} ms, "
            f"p99 {summary.p99_ms:.1f} ms ({summary.bad_responses} errors)"
        )

    content_ratio = content.requests_per_second / static.requests_per_second
    post_ratio = stored_per_second / content.requests_per_second
    print(f"wrk: {throughput.THREADS} threads, {throughput.CONNECTIONS} connections, ")
    print(f"{throughput.ROUNDS} rounds of {throughput.ROUND_SECONDS} s each; medians of rounds")
    print(f"booking: {posts.requests} posts sent, {stored} requests stored")
    return [
        [f"Content page `{ARTICLE}` ({size / 1024:.1f} KB)", figures(content), "", ""],
        ["Static file of the same size", figures(static), "", ""],
        [
            "Content page ÷ static file",
            f"{content_ratio:.2f}",
            f"≥ {TARGETS['content_vs_static']}",
            met(content_ratio >= TARGETS["content_vs_static"]),
        ],
        [
            "Consultation requests stored",
            f"{stored_per_second:.0f} /s, p50 {posts.p50_ms:.1f} ms, p99 {posts.p99_ms:.1f} ms "
            f"({posts.bad_responses} errors)",
            "",
            "",
        ],
        [
            "Requests stored ÷ content page",
            f"{post_ratio:.2f}",
            f"≥ {TARGETS['posts_vs_content']}",
            met(post_ratio >= TARGETS["posts_vs_content"] and posts.bad_responses == 0),
        ],
    ]


def run_admin_list(total: int) -> list[list[str]]:
    results = admin_list.run(total)
    print(f"\nStaff request list (median of {admin_list.RUNS} runs, 100 rows per page):")
    for size, role, name, ms, queries in results:
        print(f"  {size:>6} requests  {role:<10}  {name:<15}  {ms:7.1f} ms  {queries} queries")
    rows = []
    for role, name in sorted({(role, name) for _, role, name, _, _ in results}):
        small, large = (r for r in results if r[1] == role and r[2] == name)
        growth = large[3] / small[3]
        if name == "search":
            continue
        rows.append(
            [
                f"Staff request list, {role}, {name}: 100 → {total:,} requests",
                f"{small[3]:.0f} → {large[3]:.0f} ms ({growth:.2f}×), "
                f"{small[4]} → {large[4]} queries",
                f"same queries, ≤ {TARGETS['admin_time_growth']}×",
                met(small[4] == large[4] and growth <= TARGETS["admin_time_growth"]),
            ]
        )
    return rows


def run_time_picking(total: int) -> list[list[str]]:
    results = time_picking.run(total)
    print(f"\nPage of open times, `{time_picking.PICK}` (median of {time_picking.RUNS} runs):")
    for size, ms, queries in results:
        print(f"  {size:>6} future appointments  {ms:7.1f} ms  {queries} queries")
    (small_size, small_ms, small_queries), (_, large_ms, large_queries) = results
    growth = large_ms / small_ms
    return [
        [
            f"Page of open times: {small_size} → {total:,} future appointments",
            f"{small_ms:.0f} → {large_ms:.0f} ms ({growth:.2f}×), "
            f"{small_queries} → {large_queries} queries",
            f"same queries, ≤ {TARGETS['picking_time_growth']}×",
            met(small_queries == large_queries and growth <= TARGETS["picking_time_growth"]),
        ]
    ]


def run_insights(total: int) -> list[list[str]]:
    rows = []
    # A clinic's four years of requests, the page showing its default 12
    # weeks (the target); then every request inside those 12 weeks, a stress
    # case no clinic this size reaches, shown for what it costs.
    for history_weeks, what, targeted in (
        (208, "received over 4 years", True),
        (12, "all in the 12 weeks shown", False),
    ):
        results = insights.run(total, history_weeks=history_weeks)
        print(f"\nManager's figures, {what} (median of {insights.RUNS} runs):")
        for size, ms, queries, described in results:
            print(f"  {size:>6} requests  {ms:7.1f} ms  {queries} queries  ({described})")
        (small_size, small_ms, small_queries, _), (_, large_ms, large_queries, _) = results
        growth, _ = insights.verdict(results)
        rows.append(
            [
                f"Manager's figures: {small_size:,} → {total:,} requests, {what}",
                f"{small_ms:.0f} → {large_ms:.0f} ms ({growth:.2f}×), "
                f"{small_queries} → {large_queries} queries",
                f"same queries, ≤ {TARGETS['insights_growth']}×" if targeted else "(stress case)",
                met(small_queries == large_queries and growth <= TARGETS["insights_growth"])
                if targeted
                else "",
            ]
        )
    return rows


def run_booking_race(env: dict, workdir: Path, *, clients: int, rounds: int) -> list[list[str]]:
    time_picking.take_online_bookings_at_milford()
    workers = time_picking.RACE_WORKERS
    # The patients fill the form in at machine speed.
    env = {**env, "DJANGO_BOOKING_MIN_FILL_SECONDS": "0"}
    with gunicorn(env, workers=workers, log=workdir / "gunicorn-race.log") as base_url:
        race = time_picking.contention(base_url, clients=clients, rounds=rounds)
    print(
        f"\nBooking race: {rounds} rounds of {clients} patients posting the same time at once "
        f"({workers} gunicorn workers): {race.winners} booked, {race.taken} told it was "
        f"just taken, other answers: {race.other or 'none'}"
    )
    return [
        [
            f"Booking a time, {clients} patients posting it at once",
            f"p50 {race.p50:.0f} ms, p99 {race.p99:.0f} ms; "
            f"{race.winners} of {rounds} times booked once, {len(race.other)} errors",
            "one booking per time, no errors",
            met(race.ok),
        ]
    ]


def weigh_pages(base_url: str) -> list[list[str]]:
    paths = [reverse(name) for name in PUBLIC_URL_NAMES] + [FORM]
    weights = page_weight.measure(base_url, paths)
    print("\nFirst visit in Chromium (empty cache):")
    for weight in weights:
        print(
            f"  {weight.path:<40} {weight.kilobytes:5.1f} KB  {weight.requests} requests  "
            f"{weight.third_party} third-party"
        )
    pages = [w for w in weights if w.path != FORM]
    (form,) = [w for w in weights if w.path == FORM]
    heaviest = max(pages, key=lambda w: w.kilobytes)
    most = max(w.requests for w in weights)
    third_party = sum(w.third_party for w in weights)
    (article,) = [w for w in weights if w.path == ARTICLE]
    ok = (
        heaviest.kilobytes <= TARGETS["page_kb"]
        and form.kilobytes <= TARGETS["form_kb"]
        and most <= TARGETS["page_requests"]
        and third_party == 0
    )
    return [
        [
            f"Page weight, all {len(pages)} public pages (before: article {BEFORE['page_kb']} KB, "
            f"{BEFORE['page_requests']} requests)",
            f"≤ {heaviest.kilobytes:.1f} KB (`{heaviest.path}`), ≤ {most} requests, "
            f"{third_party} third-party",
            f"≤ {TARGETS['page_kb']} KB, ≤ {TARGETS['page_requests']} requests, 0",
            met(ok),
        ],
        [
            "Page weight, the form",
            f"{form.kilobytes:.1f} KB, {form.requests} requests",
            f"≤ {TARGETS['form_kb']} KB",
            met(form.kilobytes <= TARGETS["form_kb"]),
        ],
        [
            f"HTML transferred, the article (before: {BEFORE['html_kb']} KB)",
            f"{article.html_kilobytes:.1f} KB",
            f"≤ {BEFORE['html_kb'] / 2:.1f} KB (half)",
            met(article.html_kilobytes <= BEFORE["html_kb"] / 2),
        ],
    ]


def run_lighthouse(base_url: str) -> list[list[str]]:
    rows = []
    for label, path in [("home", "/"), ("article", ARTICLE), ("form", FORM)]:
        scores, failing = lighthouse.scores(base_url + path)
        if failing:
            print(f"Lighthouse {path}: points lost on: {'; '.join(failing)}")
        rows.append(
            [
                f"Lighthouse, {label} (`{path}`)",
                " / ".join(str(scores[c]) for c in lighthouse.CATEGORIES)
                + " (performance / accessibility / best practices / SEO)",
                "100 each",
                met(all(score == 100 for score in scores.values())),
            ]
        )
    return rows


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as error:
        sys.exit(f"{error.cmd[0]} failed:\n{error.stderr or error.stdout}")
