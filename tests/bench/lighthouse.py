"""Lighthouse 12 (from npm) on a page: the four category scores, 0–100."""

import json
import os
import subprocess

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


ATTEMPTS = 3


def scores(url: str) -> tuple[dict[str, int], list[str]]:
    """Category scores, and the titles of the audits that cost points.

    Lighthouse now and then fails to record a trace ("Please run Lighthouse
    again", NO_NAVSTART); such a run is repeated, up to ATTEMPTS times.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _run(url)
        except subprocess.CalledProcessError:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _run(url: str) -> tuple[dict[str, int], list[str]]:
    result = subprocess.run(
        [
            "npx",
            "--yes",
            "lighthouse@12",
            url,
            "--quiet",
            "--output=json",
            "--output-path=stdout",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            '--extra-headers={"X-Forwarded-Proto": "https"}',
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
        timeout=300,
    )
    report = json.loads(result.stdout)
    found = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    audits = [
        report["audits"][ref["id"]]
        for name in CATEGORIES
        for ref in report["categories"][name]["auditRefs"]
        if ref["weight"] > 0
    ]
    failing = sorted({a["title"] for a in audits if a["score"] is not None and a["score"] < 1})
    return found, failing
