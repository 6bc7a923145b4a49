"""The README's install path, walked as far as a machine can walk it: every command in the
shell blocks of the README and of the documentation's pages (``docs/*.md``) runs — the
README's install path first, then the rest in the README's and the pages' order — in a copy of
the repository, against the Slack stand-in, with ``.env`` filled in where the README says to
fill it in.

The copy shares this checkout's ``.venv`` (a symbolic link), so ``make install`` finds it up to
date instead of installing again; and only what the README puts in ``.env`` (plus the
stand-in's address) configures the bot.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import SIGNING_SECRET
from processes import (
    BIN,
    REPOSITORY,
    CommandProcess,
    answer_to,
    clean_environment,
    get,
    wait_until,
)
from sandbox import SlackDriver, SlackStandIn
from serving import free_port

README = REPOSITORY / "README.md"
DOCS = REPOSITORY / "docs"
# Where the commands are: the front page, then the documentation site's pages.
DOC_PAGES = (README, *sorted(DOCS.glob("*.md")))
# Commands the suite cannot run, and what covers them instead.
NOT_RUN = {
    "make test": "this very suite; CI runs it",
    "sudo ": "needs root and systemd; tests/test_deploy.py runs what the units start",
    "DATABASE_URL=postgresql": "needs a PostgreSQL server; tests/test_backup.py runs "
    "'Moving to PostgreSQL' against the suite's own",
}
# Commands that keep running: started, asked to answer /kindness help, then stopped.
SERVERS = ("make run", "kindness-bot run", "kindness-bot web", "gunicorn ")
# Commands that keep running without a port: started, seen to start their work, stopped.
BACKGROUND = {"kindness-bot scheduler": "scheduler started"}
# Commands that serve a page of their own (a pretend Slack, not the one the test plays).
PAGES = ("kindness-bot sandbox",)


def readme_commands(text: str | None = None) -> list[str]:
    """Each command in the ``sh`` blocks of ``text`` (default: the README, then every page of
    the documentation), in order (comments and continuations folded away)."""
    if text is None:
        text = "\n".join(page.read_text() for page in DOC_PAGES)
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            # `[--option …]` marks what may be left out: the command runs without it.
            command = re.sub(r"\s*\[[^\]]*\]", "", command)
            if command:
                commands.append(" ".join(command.split()))
    return commands


def walk() -> list[str]:
    """The install path first, in its order; then every other command once, in the README's
    and the pages' order (the opening summary's ``make run`` is step 5 of the install path)."""
    text = README.read_text()
    section = re.search(r"^## Set up with your workspace$(.*?)^## ", text, re.M | re.S)
    assert section, "the README has a 'Set up with your workspace' section"
    path = readme_commands(section.group(1))
    rest = [c for c in dict.fromkeys(readme_commands()) if c not in path]
    return path + rest


def _copy_repository(to: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in listed:
        source = REPOSITORY / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)  # keeps mtimes: make sees .venv up to date
    (to / ".venv").symlink_to(REPOSITORY / ".venv")
    return to


def _fill_env(repository: Path, standin: SlackStandIn, port: int) -> None:
    """Step 4: the two values from the Slack app's pages, and where the stand-in is."""
    path = repository / ".env"
    text = path.read_text()
    for name, value in {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }.items():
        text = re.sub(rf"^{name}=.*$", f"{name}={value}", text, flags=re.M)
    path.write_text(text)


def _answers(url: str) -> bool:
    try:
        return get(url, timeout=2)[0] == 200
    except OSError:
        return False


def _answers_help(process: CommandProcess, standin: SlackStandIn) -> None:
    driver = SlackDriver(f"{process.url}/slack/events", SIGNING_SECRET, standin)
    reply = driver.command("help", user="UREADER")
    assert reply.status == 200
    assert "What you can do with /kindness" in answer_to(standin, reply)


def test_the_install_path_goes_from_install_to_a_running_bot() -> None:
    commands = walk()
    steps = ["make install", "cp .env.example .env", "make run"]
    positions = [commands.index(c) for c in steps]
    assert positions == sorted(positions)
    assert any(c.startswith("kindness-bot manifest") for c in commands[: positions[1]])
    assert set(commands) == set(readme_commands()), "every command is walked"


def test_every_readme_command_runs(tmp_path: Path) -> None:
    stamp, pyproject = REPOSITORY / ".venv" / ".installed", REPOSITORY / "pyproject.toml"
    if not stamp.exists() or stamp.stat().st_mtime < pyproject.stat().st_mtime:
        pytest.fail("the .venv is older than pyproject.toml: run `make install` first")
    repository = _copy_repository(tmp_path / "kindness-bot")
    # As after `source .venv/bin/activate`: plain `kindness-bot` is found.
    env = clean_environment(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    port = free_port()
    ran: list[str] = []
    with SlackStandIn() as standin:
        for command in walk():
            if any(command.startswith(prefix) for prefix in NOT_RUN):
                continue
            if command.startswith(SERVERS):
                process = CommandProcess(
                    ["bash", "-c", command], cwd=repository, env=env, port=port
                )
                with process:
                    _answers_help(process, standin)
                    # Ctrl-C, as a person at the terminal stops it.
                    process.stop(signal_number=signal.SIGINT)
                assert "Traceback" not in process.output, f"{command}:\n{process.output}"
            elif command.startswith(PAGES):
                page = CommandProcess(
                    ["bash", "-c", command], cwd=repository, env=env, healthy=False
                )
                with page:
                    wait_until(
                        lambda: _answers(f"http://127.0.0.1:{port}/"), what=f"{command}'s page"
                    )
                    page.stop(signal_number=signal.SIGINT)
                assert "Traceback" not in page.output, f"{command}:\n{page.output}"
            elif command in BACKGROUND:
                process = CommandProcess(
                    ["bash", "-c", command], cwd=repository, env=env, healthy=False
                )
                with process:
                    wait_until(
                        lambda process=process, command=command: (
                            BACKGROUND[command] in process.read_output()
                        ),
                        what=command,
                    )
                assert process.process is not None and process.process.returncode == 0
            else:
                try:
                    done = subprocess.run(
                        ["bash", "-c", command],
                        cwd=repository,
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=120,
                    )
                except subprocess.TimeoutExpired:
                    pytest.fail(f"`{command}` kept running: list it in SERVERS or BACKGROUND")
                assert done.returncode == 0, f"`{command}` failed:\n{done.stdout}{done.stderr}"
                if command == "cp .env.example .env":
                    _fill_env(repository, standin, port)
            ran.append(command)
    assert "make run" in ran and "cp .env.example .env" in ran


def _anchors(page: Path) -> set[str]:
    """The anchors of a page's headings, as MkDocs makes them (Python-Markdown's toc)."""
    from markdown.extensions.toc import slugify

    headings = re.findall(
        r"^#+ (.+)$", re.sub(r"```.*?```", "", page.read_text(), flags=re.S), re.M
    )
    return {slugify(heading.replace("`", ""), "-") for heading in headings}


def test_the_readme_is_a_front_page_whose_links_lead_somewhere() -> None:
    """The two commands at the top, a few hundred lines, and every link to a page of the
    documentation (or a heading of the README) pointing at one that is there — MkDocs checks
    the pages' own links when `make test` builds the site strictly."""
    text = README.read_text()
    assert len(text.splitlines()) <= 300
    assert readme_commands(text)[:2] == ["make run", "make test"]
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert any(link.startswith("docs/") for link in links)
    for link in links:
        if link.startswith(("http://", "https://")):
            continue
        target, _, anchor = link.partition("#")
        page = REPOSITORY / target if target else README
        assert page.exists(), f"the README links to {target}, which is not there"
        if anchor:
            assert anchor in _anchors(page), f"{link}: no such heading in {page.name}"
