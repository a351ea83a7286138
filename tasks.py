"""Developer tasks (invoke). The Makefile bootstraps .venv and calls these."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

SYSTEM_PACKAGES = ["chromium", "chromium-driver", "default-jre-headless", "newsboat", "fonts-dejavu-core"]
# what must be on PATH for the tests, and the Debian package that provides it
SYSTEM_COMMANDS = {"chromium": "chromium", "java": "default-jre-headless", "newsboat": "newsboat"}


def _settings_file(prod: bool) -> Path:
    return ROOT / ("publishconf.py" if prod else "pelicanconf.py")


def _build(prod: bool = False, output: str | None = None) -> bool:
    import logging

    from pelican.log import init as init_logging
    from site_build import build_site

    init_logging(level=logging.WARNING)
    overrides = {"OUTPUT_PATH": str(Path(output).resolve())} if output else {}
    result = build_site(_settings_file(prod), overrides)
    if result.ok:
        print(f"built {result.output} in {result.seconds:.1f}s")
    else:
        for message in result.errors:
            print(message, file=sys.stderr)
        print(f"build failed; {result.output} was left as it was", file=sys.stderr)
    return result.ok


@task(help={"prod": "use publishconf.py (absolute URLs)", "output": "output folder"})
def build(c, prod=False, output=None):
    """Validate the content and build the site (into a temporary folder, then swap)."""
    ends_process = _only_task_on_command_line("build")
    if ends_process:
        from site_build.memory import collector_off_until_exit

        collector_off_until_exit()
    ok = _build(prod, output)
    if ends_process:
        from site_build.memory import exit_without_teardown

        # nothing runs after this task: skip freeing the build's objects one by one at exit
        exit_without_teardown(0 if ok else 1)
    if not ok:
        raise Exit(code=1)


def _only_task_on_command_line(name: str) -> bool:
    """True when `invoke` was asked for task `name` and no other (`invoke build test` runs
    `test` after `build`). A word that only looks like a task name (an option's value) just
    means the process ends the usual way."""
    from invoke import Collection

    others = set(Collection.from_module(sys.modules[__name__]).task_names) - {name}
    words = {word.replace("_", "-") for word in sys.argv[1:]}
    return Path(sys.argv[0]).name in ("invoke", "inv") and not words & {o.replace("_", "-") for o in others}


@task(help={"slug": "the column's slug", "limit": "how many candidates to show", "prod": "use publishconf.py"})
def related(c, slug, limit=10, prod=False):
    """Explain a column's Related Articles: each candidate's score, signal by signal."""
    from related.explain import explain

    try:
        print(explain(slug, _settings_file(prod), int(limit)))
    except LookupError as exc:
        raise Exit(str(exc.args[0]), code=1) from None


@task(help={"port": "port on 127.0.0.1", "host": "address to bind"})
def serve(c, port=8000, host="127.0.0.1"):
    """Build, serve on http://127.0.0.1:8000 and rebuild + reload the browser on every change."""
    from livereload import Server

    _build()
    server = Server()
    for watched in ("content", "theme", "plugins", "pelicanconf.py"):
        server.watch(str(ROOT / watched), lambda: _build(), delay=0.5)
    print(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
    server.serve(root=str(ROOT / "output"), host=host, port=int(port), open_url_delay=None)


@task(help={"all": "also remove the image derivative cache"})
def clean(c, all=False):
    """Remove the output and every cache except image derivatives (`--all`: those too)."""
    from site_build.clean import clean as clean_site

    for path in clean_site(ROOT / "output", ROOT / ".cache", everything=all):
        print(f"removed {path.relative_to(ROOT)}")


@task(help={
    "title": "the column's title (any script; the file name is transliterated)",
    "section": "section id from content/sections.yml",
    "author": "author id from content/authors/",
})
def new(c, title, section="commentary", author=""):
    """Start a new column as a draft with the front-matter filled in."""
    from content_model.slugs import slug_from_title

    now = dt.datetime.now().astimezone()
    slug = slug_from_title(title)
    path = ROOT / "content" / "columns" / f"{now:%Y}" / f"{slug}.md"
    if path.exists():
        raise Exit(f"{path.relative_to(ROOT)} already exists", code=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    quoted = title.replace('"', '\\"')
    path.write_text(
        "---\n"
        f'title: "{quoted}"\n'
        f"date: {now:%Y-%m-%d %H:%M %z}\n"
        f"section: {section}\n"
        f"authors: [{author}]\n"
        "summary: One sentence that tells the reader why this matters.\n"
        "tags: []\n"
        "status: draft\n"
        "---\n\nWrite the column here.\n",
        encoding="utf-8",
    )
    print(path.relative_to(ROOT))


def _missing_system_commands() -> dict[str, str]:
    return {cmd: pkg for cmd, pkg in SYSTEM_COMMANDS.items() if shutil.which(cmd) is None}


@task
def setup_test_deps(c):
    """Install what the tests need: Debian packages (as root) and npm tools (vnu, axe-core)."""
    missing = _missing_system_commands()
    packages = list(SYSTEM_PACKAGES)
    if shutil.which("npm") is None:  # Debian's npm conflicts with a Node.js that brings its own
        missing["npm"] = "npm"
        packages += ["nodejs", "npm"]
    if missing:
        command = "apt-get update && apt-get install -y --no-install-recommends " + " ".join(packages)
        if os.geteuid() != 0:
            raise Exit(
                "The tests need system packages that are not installed: "
                + ", ".join(sorted(set(missing.values())))
                + f"\nRun as root:\n  sudo sh -c '{command}'\nthen run `make test` again.",
                code=1,
            )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
                       check=True, env=env)
    stamp = ROOT / "node_modules" / ".package-lock.json"
    lock = ROOT / "package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        c.run("npm ci --no-audit --no-fund --ignore-scripts", pty=False)


@task(pre=[setup_test_deps], help={"k": "only tests matching this expression", "x": "stop at first failure"})
def test(c, k="", x=False):
    """Run ruff and the whole test suite (unit, build, feeds, browser, HTML checker)."""
    bin_dir = Path(sys.executable).parent  # the venv's tools, whatever PATH says
    c.run(f"{bin_dir / 'ruff'} check .", pty=False)
    args = [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup"]
    if k:
        args += ["-k", k]
    if x:
        args.append("-x")
    c.run(" ".join(args), pty=False)


@task(help={
    "n": "number of generated columns (invoke bench -n 10000)",
    "seed": "corpus seed",
    "workdir": "where the corpus goes",
    "plugins": "also run each plugin's own scale benchmark (default on; --no-plugins to skip)",
    "scaling": "also compare time per column of cold builds at 2,000 and 20,000 columns "
               "(default on, about 15 minutes; --no-scaling to skip)",
})
def bench(c, n=2000, seed=1, workdir=".cache/bench", plugins=True, scaling=True):
    """Stock Pelican vs our full build on a generated corpus, each plugin's scale benchmark, scaling."""
    from benchmark.measure import format_report, format_scaling, run_bench, run_scaling
    from benchmark.plugin_benches import format_plugin_report, run_plugin_benches

    report = run_bench(int(n), int(seed), (ROOT / workdir).resolve())
    print(format_report(report), flush=True)
    if plugins:
        print(format_plugin_report(run_plugin_benches(int(n))), flush=True)
    if scaling:
        print(format_scaling(run_scaling(int(seed), (ROOT / workdir).resolve())))
