"""Bytes and requests a first visit to each public page costs, in Chromium."""

import urllib.parse
from dataclasses import dataclass
from functools import partial

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


@dataclass
class Weight:
    path: str
    kilobytes: float
    requests: int
    third_party: int
    html_kilobytes: float  # the page itself, as transferred (compressed or not)


def measure(base_url: str, paths: list[str]) -> list[Weight]:
    """Each page in a fresh browser context: an empty cache, as a first visit."""
    host = urllib.parse.urlsplit(base_url).netloc
    weights = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for path in paths:
            context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
            page = context.new_page()
            responses = []
            page.on("response", partial(_record, responses))
            page.goto(base_url + path, wait_until="load")
            transferred = html = 0
            for response in responses:
                sizes = response.request.sizes()
                size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
                transferred += size
                if response.request.resource_type == "document":
                    html += size
            weights.append(
                Weight(
                    path=path,
                    kilobytes=transferred / 1024,
                    requests=len(responses),
                    third_party=sum(urllib.parse.urlsplit(r.url).netloc != host for r in responses),
                    html_kilobytes=html / 1024,
                )
            )
            context.close()
        browser.close()
    return weights


def _record(seen: list, response) -> None:
    seen.append(response)
