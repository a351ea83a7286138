"""Production settings (`make build`): absolute URLs for feeds, canonical links and cards."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("SITEURL", "https://ridgeledger.example")
RELATIVE_URLS = False
