"""Production settings (`make build`): absolute URLs for feeds, canonical links and cards."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("SITEURL", "https://ridgeledger.example")
RELATIVE_URLS = False
