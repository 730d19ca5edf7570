"""The app factory, configuration and health check."""

import pytest

from facilitator import Config, TestingConfig, create_app


def test_testing_config_is_used(app):
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_config_reads_environment(monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    config = Config()
    assert config.PORT == 8123
    assert config.PUBLIC_URL == "http://0.0.0.0:8123"
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:///elsewhere.db"
    assert config.SECRET_KEY == "from-env"
    monkeypatch.setenv("PUBLIC_URL", "https://tafels.example.org/")
    assert Config().PUBLIC_URL == "https://tafels.example.org"
    assert Config().SESSION_COOKIE_SECURE is True


def test_the_live_batch_window_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("LIVE_BATCH_WINDOW_MS", raising=False)
    assert round(Config().LIVE_BATCH_WINDOW, 6) == 0.001
    monkeypatch.setenv("LIVE_BATCH_WINDOW_MS", "8")
    assert round(Config().LIVE_BATCH_WINDOW, 6) == 0.008
    for wrong in ("-1", "101", "twee", ""):
        monkeypatch.setenv("LIVE_BATCH_WINDOW_MS", wrong)
        with pytest.raises(ValueError, match="LIVE_BATCH_WINDOW_MS"):
            Config()


def test_secret_key_generated_once_and_kept(monkeypatch, tmp_path):
    from facilitator import config as config_module

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config_module._secret_key(tmp_path)
    assert len(first) >= 32
    assert config_module._secret_key(tmp_path) == first


def test_factory_accepts_mapping(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.testing


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_pages_have_lang_title_and_one_h1(client):
    html = client.get("/secretariaat/inloggen").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "<title>" in html
    assert html.count("<h1") == 1


def test_security_headers(client):
    response = client.get("/secretariaat/inloggen")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_testing_config_defaults_to_memory():
    assert TestingConfig().SQLALCHEMY_DATABASE_URI == "sqlite://"


def test_make_run_warns_when_links_point_at_all_interfaces(monkeypatch):
    from facilitator.cli import public_url_warning

    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    config = Config()
    warning = public_url_warning(vars(config), explicit=False)
    assert warning and "PUBLIC_URL=http://" in warning and str(config.PORT) in warning
    assert public_url_warning(vars(config), explicit=True) is None
    monkeypatch.setenv("HOST", "127.0.0.1")
    assert public_url_warning(vars(Config()), explicit=False) is None


# -- private files ------------------------------------------------------------------------------


def mode(path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """A permissive umask (022) for the test, as many machines have: the app must not rely on it."""
    import os

    old = os.umask(0o022)
    yield
    os.umask(old)


def test_instance_dir_database_and_its_wal_files_are_private(tmp_path, open_umask):
    from facilitator.database import ensure_schema
    from facilitator.extensions import db

    instance = tmp_path / "instance"
    config = TestingConfig(f"sqlite:///{instance / 'facilitator.db'}")
    config.INSTANCE_DIR = str(instance)
    app = create_app(config)
    with app.app_context():
        ensure_schema()
        from facilitator import operations

        operations.create_user("secretaris", "geheim-wachtwoord-1")
        files = {p.name: p for p in instance.iterdir()}
        assert {"facilitator.db", "facilitator.db-wal", "facilitator.db-shm"} <= set(files)
        assert mode(instance) == 0o700
        for name in ("facilitator.db", "facilitator.db-wal", "facilitator.db-shm"):
            assert mode(files[name]) == 0o600, name
        db.session.remove()
        db.engine.dispose()


def test_an_existing_world_readable_database_is_made_private(tmp_path, open_umask):
    import sqlite3

    from facilitator.extensions import db

    path = tmp_path / "old.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    config = TestingConfig(f"sqlite:///{path}")
    config.INSTANCE_DIR = str(tmp_path / "instance")
    app = create_app(config)
    assert mode(path) == 0o600
    with app.app_context():
        db.engine.dispose()


def test_secret_key_file_and_instance_dir_are_private(monkeypatch, tmp_path, open_umask):
    from facilitator import config as config_module

    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    config_module._secret_key(instance)
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temporary file left
