"""The settings module refuses unsafe or malformed configuration with one clear line."""

import json
import re
import secrets

import pytest
import yaml

from tests.support import ROOT, clean_env, manage

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "news.example.com",
}


def assert_one_line_error(result, *words):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_production_refuses_to_start_without_secret_key():
    env = clean_env(**{**PRODUCTION, "SECRET_KEY": ""})
    assert_one_line_error(manage("check", env=env), "SECRET_KEY")


def test_production_refuses_a_short_development_secret_key():
    env = clean_env(**{**PRODUCTION, "SECRET_KEY": "changeme"})
    assert_one_line_error(manage("check", env=env), "SECRET_KEY")


def test_production_refuses_to_start_without_allowed_hosts():
    env = clean_env(**{**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert_one_line_error(manage("check", env=env), "ALLOWED_HOSTS")


@pytest.mark.parametrize(
    "url",
    [
        "postgres//missing-colon",
        "mysql-ish://x/y",
        "postgres://user@host:5432/",
        "postgres://u@h:port/db",
    ],
)
def test_malformed_database_url_gets_a_clear_message(url):
    assert_one_line_error(manage("check", env=clean_env(DATABASE_URL=url)), "DATABASE_URL")


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEBUG", "maybe"), ("TIME_ZONE", "Mars/Olympus"), ("SITE_URL", "news.example.com"),
     ("REDIS_URL", "localhost:6379"), ("TASKS_BACKEND", "celery"),
     ("TASKS_HEARTBEAT_SECONDS", "soon"), ("TASKS_ATTEMPTS", "0")],
)  # fmt: skip
def test_malformed_variables_are_named(name, value):
    assert_one_line_error(manage("check", env=clean_env(**{name: value})), name)


def test_development_defaults_need_no_configuration(tmp_path):
    result = manage("check", env=clean_env(SQLITE_PATH=str(tmp_path / "db.sqlite3")))
    assert result.returncode == 0, result.stderr


def test_deploy_check_is_clean_with_production_variables(tmp_path):
    env = clean_env(**PRODUCTION, SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variables", "named"),
    [({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE"),
     ({"MEDIA_STORAGE": "s3"}, "S3_BUCKET"),
     ({"MEDIA_STORAGE": "s3", "S3_BUCKET": "media", "S3_ENDPOINT_URL": "minio:9000"},
      "S3_ENDPOINT_URL"),
     ({"MEDIA_STORAGE": "s3", "S3_BUCKET": "media", "MEDIA_URL": "/media/"}, "MEDIA_URL"),
     ({"MEDIA_STORAGE": "s3", "S3_BUCKET": "media", "S3_SIGNED_URLS": "1",
       "S3_URL_EXPIRY": "300"}, "S3_URL_EXPIRY")],
)  # fmt: skip
def test_media_storage_mistakes_are_named(variables, named):
    assert_one_line_error(manage("check", env=clean_env(**variables)), named)


def compose_environment(service: str) -> dict[str, str]:
    """A docker-compose.yml service's environment as the container gets it, with a
    placeholder for each secret the file asks for."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = {}
    for name, value in compose["services"][service]["environment"].items():
        value = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))  # ${NAME:-default}
        environment[name] = re.sub(r"\$\{\w+(:\?[^}]*)?\}", "x" * 50, value)  # secrets
    return environment


@pytest.mark.parametrize("service", ["web1", "web2", "worker", "migrate"])
def test_the_compose_files_app_settings_store_media_in_minio(service):
    seen = _settings_seen(
        clean_env(**compose_environment(service)),
        "[settings.STORAGES['default']['OPTIONS']['endpoint_url'], settings.MEDIA_URL]",
    )
    assert seen == ["http://minio:9000", "http://localhost:9000/newsroom/"]


def _settings_seen(env, expression: str):
    code = f"import json; from django.conf import settings; print(json.dumps({expression}))"
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_read_replicas_are_aliases_of_their_own_mirroring_the_primary_in_tests():
    env = clean_env(
        DATABASE_URL="postgres://app@db.example:5432/news",
        DATABASE_REPLICA_URLS="postgres://app@replica-a:5432/news, postgres://app@replica-b/news",
    )
    seen = _settings_seen(
        env,
        "[sorted(settings.DATABASES), settings.DATABASE_REPLICAS, settings.DATABASE_ROUTERS,"
        " settings.DATABASES['replica2']['HOST'], settings.DATABASES['replica1']['TEST']['MIRROR'],"
        " settings.DATABASES['replica1']['OPTIONS']['connect_timeout']]",
    )
    assert seen == [
        ["default", "replica1", "replica2"],
        ["replica1", "replica2"],
        ["newsroom.replicas.ReplicaRouter"],
        "replica-b",
        "default",  # the test run creates and migrates no replica
        1,  # a replica that does not answer costs a reader one second, once
    ]


def test_without_replicas_there_is_no_router():
    seen = _settings_seen(clean_env(), "[sorted(settings.DATABASES), settings.DATABASE_ROUTERS]")
    assert seen == [["default"], []]


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_REPLICA_URLS": "postgres://app@replica/news"},  # no PostgreSQL primary
        {"DATABASE_URL": "postgres://app@db/news", "DATABASE_REPLICA_URLS": "sqlite:///x.db"},
        {"DATABASE_URL": "postgres://app@db/news", "DATABASE_REPLICA_URLS": "postgres://r:x/n"},
    ],
)
def test_replica_urls_that_cannot_work_are_named(env):
    assert_one_line_error(manage("check", env=clean_env(**env)), "DATABASE_REPLICA_URLS")
