"""Settings for local preview (`make serve`). Production overrides live in publishconf.py."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent

SITENAME = "The Ridge Ledger"
SITE_TAGLINE = "Independent opinion from the South Caucasus"
SITEURL = ""
AUTHOR = "The Ridge Ledger"
PATH = str(ROOT / "content")
THEME = str(ROOT / "theme")
OUTPUT_PATH = str(ROOT / "output")
CACHE_ROOT = str(ROOT / ".cache")  # content, render, compiled-template... caches (`invoke clean` empties them)
TIMEZONE = "Asia/Tbilisi"
DEFAULT_LANG = "en"
SITE_LOGO = "images/mark.svg"  # square mark for header and favicon; logo.svg is the wordmark

PLUGIN_PATHS = [str(ROOT / "plugins")]
# Order matters: content_model validates first; stories before related (cards); cta before feeds.
PLUGINS = ["content_model", "speedups",
           "site_pages", "images", "stories", "related", "cta", "popular", "feeds", "output_writer"]

# --- content layout -------------------------------------------------------------------
ARTICLE_PATHS = ["columns"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
ARTICLE_EXCLUDES: list[str] = []
READERS = {"html": None, "rst": None}  # Markdown only; our reader handles .md

ARTICLE_URL = "columns/{slug}/"
ARTICLE_SAVE_AS = "columns/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
# Drafts and scheduled columns are never written: a guessable URL would leak them.
DRAFT_URL = DRAFT_SAVE_AS = DRAFT_PAGE_URL = DRAFT_PAGE_SAVE_AS = ""
CATEGORY_URL = "section/{slug}/"
CATEGORY_SAVE_AS = "section/{slug}/index.html"
CATEGORIES_URL = "sections/"
CATEGORIES_SAVE_AS = "sections/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
ARCHIVES_URL = "archive/"
ARCHIVES_SAVE_AS = "archive/index.html"
YEAR_ARCHIVE_URL = "archive/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "archive/{date:%Y}/index.html"
INDEX_SAVE_AS = "index.html"
DIRECT_TEMPLATES = ["index", "categories", "authors", "tags", "archives"]

# Collision-free pagination: tag "topic4" page 8 never meets tag "topic48".
DEFAULT_PAGINATION = 12
PAGINATED_TEMPLATES = {"index": None, "category": None, "author": None, "tag": None, "archives": 50}
PAGINATION_PATTERNS = [
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
]

SLUGIFY_SOURCE = "title"
# Our reader sets each column's category (its section); a Category per year folder made by
# Pelican from the path would be thrown away (and slugified 10,000 times at 10,000 columns).
USE_FOLDER_AS_CATEGORY = False
ARTICLE_ORDER_BY = "reversed-date"

# --- rendering ---------------------------------------------------------------------------
# auto_reload off: every build makes a new Jinja environment, so checking each template's
# mtime on every {% include %} (tens of thousands of stat calls at 10,000 columns) buys nothing.
# `{% fragment %}` (site_pages.fragments) renders a teaser or card once per build.
JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True, "auto_reload": False,
                     "extensions": ["site_pages.fragments.FragmentCache"]}
FORMATTED_FIELDS: list[str] = []
TYPOGRIFY = False
DEFAULT_DATE_FORMAT = "%-d %B %Y"

# Feeds are written by our feeds plugin; Pelican's own are off.
FEED_ALL_ATOM = FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = TRANSLATION_FEED_RSS = None

RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = False  # the build driver writes to a fresh folder and swaps
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# Footer navigation to editor-written pages, in this order.
FOOTER_PAGES = ["about", "membership"]

# --- images (issue 8) ---------------------------------------------------------------------
# Derivatives are cached by content hash in .cache/images (kept by `invoke clean`).
IMAGE_COVER_WIDTHS = [480, 800, 1200, 1600]
IMAGE_FORMATS = ["avif", "webp", "jpeg"]
IMAGE_QUALITY = {"avif": 55, "webp": 78, "jpeg": 82}
IMAGE_AVATAR_SIZES = [24, 40, 64, 128]  # CSS px used by the theme; 2x variants are made too
IMAGE_CARD_SIZE = [320, 180]
IMAGE_SOCIAL_SIZE = [1200, 630]
IMAGE_CACHE_DIR = str(ROOT / ".cache" / "images")
IMAGE_MAX_PIXELS = 40_000_000  # larger images (decompression bombs) are refused before decoding
IMAGE_OUTPUT_DIR = "images/derived"
IMAGE_WORKERS = 0  # 0 = every core

# --- stories (issue 7) --------------------------------------------------------------------
STORY_URL = "stories/{slug}/"
STORY_SAVE_AS = "stories/{slug}/index.html"
STORIES_URL = "stories/"
STORIES_SAVE_AS = "stories/index.html"
# Lean scale, left to right; "unknown" is always allowed and shown apart.
STORY_LEAN_SCALE = ["left", "lean left", "center", "lean right", "right"]
STORY_FACTUALITY_SCALE = ["very high", "high", "mixed", "low", "very low"]
# A side of the scale with less than this share of the rated sources gets a blindspot note
# (only from STORY_BLINDSPOT_MIN_RATED rated sources on).
STORY_BLINDSPOT_SHARE = 0.2
STORY_BLINDSPOT_MIN_RATED = 3
# Member-only details on the public site, replaced by the membership upsell. Any of:
# lean_distribution, blindspot, ownership, country, factuality.
STORY_PREMIUM_DETAILS = ["ownership", "factuality"]
STORY_PAGINATION = 12
STORY_HOME_COUNT = 3
FOOTER_PAGES = [*FOOTER_PAGES, "methodology"]

# --- related articles (issue 3) -----------------------------------------------------------
# Cards under each column: explicit `related:` picks first, then the best scores (see
# `invoke related <slug>` for why). Score = sum of weight x signal, times a recency decay.
RELATED_COUNT = 3
RELATED_WEIGHTS = {"tags": 0.5, "text": 1.0, "section": 0.1, "author": 0.05}
RELATED_THRESHOLD = 0.15  # on (tags + text) x recency: section or author alone never earn a card
RELATED_INCLUDE_NEWER = True  # older columns link forward to later ones (pages are rebuilt)
RELATED_HALF_LIFE_DAYS = 730  # a candidate two years apart counts half
RELATED_MAX_PER_AUTHOR = 2  # diversity: not all cards by one author unless nothing else fits
RELATED_EXCERPT_LENGTH = 160  # characters of the card excerpt, cut at a word

# --- membership call-to-action (issue 4) -------------------------------------------------
# Variants and targeting live in content/cta.yml. Each feed item gets a short footer:
CTA_FEED_FOOTER = True
# Listing pages showing the default variant as a banner: any of "home", "section".
CTA_BANNER_PAGES = ["home", "section"]

# --- most popular and editor's picks (issue 6) -------------------------------------------
# Analytics exports / access logs read at build time (format detected per file, or set
# POPULAR_FORMAT to plausible, goatcounter, umami, ga4 or access_log).
POPULAR_ANALYTICS_DIR = str(ROOT / "data" / "analytics")
POPULAR_FORMAT = "auto"
POPULAR_WINDOW_DAYS = 7  # complete days before the build's reference day
POPULAR_TOP_N = 5
POPULAR_PER_SECTION = True  # section pages show their own Most Popular
POPULAR_MIN_VIEWS = 1
PICKS_TOP_N = 5
POPULAR_PROVENANCE_PATH = "popular/provenance.json"

# --- feeds (issue 5) ----------------------------------------------------------------------
# Feed URLs must be absolute; local builds (SITEURL = "") use this address instead.
FEED_FALLBACK_SITEURL = "http://127.0.0.1:8000"
FEED_MAX_ITEMS = 50
# Starts every item id (RFC 4151 tag: URI): a domain we own and a date we owned it. Never change it.
FEED_TAGGING_ENTITY = "ridgeledger.example,2025"
# Committed record of item ids, beside content/ (see plugins/feeds/ids.py for the editor workflow).
FEED_ID_REGISTRY = "data/feed-ids.json"
FEED_WEBSUB_HUB = None  # e.g. "https://pubsubhubbub.appspot.com/" to push updates to readers

# --- output writer (issue 9) ---------------------------------------------------------------
# Pages are rendered by this many processes (0 = one per core); only changed files are written.
OUTPUT_WRITER_WORKERS = 0
