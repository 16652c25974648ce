"""What an operator relies on: /healthz and /metrics while the bot runs (against the fake Bot
API), JSON logs with administrators' actions and no message text, the data folder apart from
the code's seeds/, the shards a health check finds down, and a wheel that works without the
checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import free_port
from retrieval import IndexStore
from retrieval.answer import features
from retrieval.index import memory
from telegram_harness import PROJECT, SEEDS, bot_env, corpus_with, http_get, running_bot

EXTRA = "Grève au port\n\nLes dockers de Sète ont cessé le travail lundi matin.\n"
SECRET = "operator-secret_42"
# Building a wheel and a virtual environment: seconds alone, far more on a busy machine.
WHEEL_SECONDS = 300
DOCKERFILE = (PROJECT / "Dockerfile").read_text()


def image_health_check() -> str:
    """The Python code of the image's HEALTHCHECK, as Docker runs it (continued lines joined)."""
    line = re.search(r"^HEALTHCHECK .* CMD (.*)$", DOCKERFILE.replace("\\\n", ""), re.M)[1]
    return re.fullmatch(r'\s*python -c "(.*)"', line)[1]


def samples(metrics: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a /metrics page: (name, sorted labels) → value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(metrics) for s in family.samples}


def test_a_polling_bot_serves_health_and_metrics_and_logs_json(telegram, tmp_path):
    corpus = corpus_with(tmp_path / "corpus", **{"port.txt": EXTRA})
    admin = telegram.user("fr")
    port = free_port()
    env = bot_env(telegram, corpus, ADMIN_USER_IDS=str(admin["id"]), LOG_FORMAT="json",
                  METRICS_PORT=str(port))
    with running_bot(telegram, env, tmp_path / "bot.log") as bot:
        status, kind, body = http_get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and kind == "application/json"
        assert json.loads(body) == {"status": "ok", "engine": True, "articles": 2, "shards": {}}
        probe = [sys.executable, "-c", image_health_check()]
        assert subprocess.run(probe, env={"METRICS_PORT": str(port)}, timeout=60).returncode == 0
        assert subprocess.run(probe, env={"METRICS_PORT": str(free_port())}, timeout=60,
                              capture_output=True).returncode != 0

        private = telegram.private_chat(admin)
        telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        telegram.send(private, admin, "Qui a signé la lettre ?")
        telegram.send(private, admin, "Quelle est la capitale du Japon ?")
        telegram.send(private, admin, "Qui a critiqué la lettre ?")
        telegram.send(private, admin, "Bonjour")
        telegram.send(private, admin, "/remove port")
        telegram.send(private, admin, "/remove nowhere")
        telegram.replies(private["id"], 6)
        # Each question is counted with its log line, just after its reply (small talk is
        # logged, not counted).
        deadline = time.monotonic() + 60
        while bot.log().count("result(s)") < 4 and time.monotonic() < deadline:
            time.sleep(0.05)

        status, kind, body = http_get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and kind.startswith("text/plain")
        values = samples(body)
        assert values[("citebot_questions_total", (("outcome", "answered"),))] == 1
        assert values[("citebot_questions_total", (("outcome", "none"),))] == 1
        assert values[("citebot_questions_total", (("outcome", "unsure"),))] == 1
        assert values[("citebot_answer_seconds_count", ())] == 3
        assert values[("citebot_telegram_429_total", ())] == 1
        assert values[("citebot_rebuilds_total", (("result", "ok"),))] >= 1
        assert values[("citebot_article_refusals_total", (("reason", "no_document"),))] == 1
        assert ("citebot_updates_waiting", ()) in values
        assert bot.stop() == 0

    records = [json.loads(line) for line in bot.log().splitlines()]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(f"administrator {admin['id']} removed article port" in r["message"]
               for r in records)
    assert "lettre" not in bot.log() and "Bonjour" not in bot.log()  # never the users' words


def test_a_webhook_bot_serves_health_and_metrics_on_its_webhook_server(telegram, tmp_path):
    port = free_port()
    env = bot_env(telegram, WEBHOOK_URL="https://bot.example.org/hook", WEBHOOK_PORT=str(port),
                  WEBHOOK_SECRET_TOKEN=SECRET)
    with running_bot(telegram, env, tmp_path / "bot.log", "--webhook", ready="setWebhook"):
        status, _, body = http_get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and json.loads(body)["engine"] is True
        status, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and "citebot_questions_total" in body


def test_a_health_check_names_the_shards_it_cannot_reach(tmp_path):
    closed = f"tcp://127.0.0.1:{free_port()}"
    missing = str(tmp_path / "db" / "shard-1")
    (tmp_path / "db" / "shard-0").mkdir(parents=True)
    store = IndexStore("xapian", databases=(str(tmp_path / "db" / "shard-0"), missing, closed))
    assert store.unreachable(1.0) == [missing, closed]
    assert IndexStore().unreachable(1.0) == []


def test_add_writes_to_the_data_folder_never_to_the_codes_seeds(tmp_path, capsys):
    from bot.terminal.cli import main

    before = sorted(p.name for p in SEEDS.iterdir())
    article = tmp_path / "article.txt"
    article.write_text(EXTRA, encoding="utf-8")
    assert main(["add", str(article)]) == 0
    data = Path(os.environ["XDG_DATA_HOME"]) / "citebot" / "articles"
    assert sorted(p.name for p in SEEDS.iterdir()) == before
    names = sorted(p.name for p in data.iterdir() if not p.name.startswith("."))
    assert names == sorted([*before, f"{capsys.readouterr().out.split(':')[0]}.md"])


def test_the_wheel_carries_the_bot_and_runs_without_the_checkout(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "bot", "retrieval", "seeds"):
        if (PROJECT / name).is_dir():  # the tree as committed, without build leftovers
            shutil.copytree(PROJECT / name, source / name,
                            ignore=shutil.ignore_patterns("*.so", "__pycache__"))
        else:
            shutil.copy(PROJECT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path), str(source)],
                   check=True, timeout=WHEEL_SECONDS, capture_output=True)
    [wheel] = tmp_path.glob("citebot-*.whl")
    files = zipfile.ZipFile(wheel).namelist()
    assert "retrieval/data/eng-fra.tsv" in files and "bot/seeds/000_85afb7300cb9c276.txt" in files
    assert not any(f.startswith(("benchmarks/", "tests/")) for f in files)
    assert any(f.endswith("dist-info/licenses/LICENSE") for f in files)
    if memory._memory is not None:  # a C compiler here: the wheel's scorer is compiled too
        assert any(f.startswith("retrieval/index/_memory.") and f.endswith(".so") for f in files)
    if features._windows is not None:  # and its windows
        assert any(f.startswith("retrieval/answer/_windows.") and f.endswith(".so") for f in files)

    # A fresh environment with only the wheel; its dependencies are this environment's.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=WHEEL_SECONDS)
    [site] = venv.glob("lib/python*/site-packages")
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site / "dependencies.pth").write_text("\n".join(deps) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=WHEEL_SECONDS, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "LANG": "en_US.UTF-8",
           "PYTHONPATH": ""}
    version = subprocess.run([str(venv / "bin" / "citebot"), "--version"], cwd=elsewhere,
                             env=env, capture_output=True, text=True, timeout=WHEEL_SECONDS)
    assert version.returncode == 0 and version.stdout == "citebot 0.1.0\n", version.stderr
    answer = subprocess.run([str(venv / "bin" / "citebot"), "ask", "Qui a signé la lettre ?"],
                            cwd=elsewhere, env=env, capture_output=True, text=True,
                            timeout=WHEEL_SECONDS)
    assert "William H. Seely" in answer.stdout, answer.stderr
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import bot; print(bot.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=WHEEL_SECONDS)
    assert where.stdout.startswith(str(venv)), "the wheel's bot, not the checkout's"


def test_ask_json_into_head_ends_quietly():
    questions = "Qui a signé la lettre ?\n" * 200
    done = subprocess.run(f"{sys.executable} -m bot ask --json - | head -n 1", shell=True,
                          input=questions, capture_output=True, text=True, cwd=PROJECT,
                          timeout=WHEEL_SECONDS)
    assert json.loads(done.stdout)["answered"] is True
    assert done.stderr == ""  # no "Broken pipe"


def test_the_image_installs_as_make_does():
    install = re.search(r"^PIP_INSTALL := (.*)$", (PROJECT / "Makefile").read_text(), re.M)[1]
    assert f"RUN /opt/citebot/bin/{install} '.[xapian]'\n" in DOCKERFILE
    assert "$(VENV)/bin/$(PIP_INSTALL) -e '.[dev,xapian]'" in (PROJECT / "Makefile").read_text()
    assert 'ENTRYPOINT ["citebot"]\nCMD ["run"]' in DOCKERFILE and "\nUSER citebot\n" in DOCKERFILE


def test_the_systemd_unit_verifies_and_is_hardened(tmp_path):
    if not shutil.which("systemd-analyze"):
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is missing: make installs it (Debian's systemd) as root")
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    unit = (PROJECT / "deploy" / "citebot.service").read_text()
    citebot = Path(sys.executable).parent / "citebot"  # the console script, installed by make
    assert "ExecStart=/opt/citebot/bin/citebot run\n" in unit
    (tmp_path / "citebot.service").write_text(
        unit.replace("/opt/citebot/bin/citebot", str(citebot))
        .replace("EnvironmentFile=/", "EnvironmentFile=-/"))  # no settings file here
    path = str(tmp_path / "citebot.service")
    verify = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                            timeout=60)
    assert verify.returncode == 0 and "citebot.service" not in verify.stderr, verify.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes", path],
                              capture_output=True, text=True, timeout=60)
    level = re.search(r"Overall exposure level for citebot.service: ([\d.]+)", security.stdout)
    assert level and float(level[1]) < 2.0, security.stdout[-500:]
