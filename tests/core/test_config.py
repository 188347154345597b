from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, ConfigError, load_config


def test_defaults_need_no_file() -> None:
    cfg = load_config(env={})
    assert cfg.web.port == 8050
    assert cfg.collectors.probe_timeout == 15.0
    assert cfg.database_url == f"sqlite:///{PROJECT_ROOT / 'var/govops.db'}"


def test_file_and_env_override(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text('[web]\nport = 9001\n[collectors]\nprobe_timeout = 3.5\n', encoding="utf-8")
    cfg = load_config(f, env={"GOVOPS_WEB__PORT": "9002", "GOVOPS_DEMO__ENABLED": "false"})
    assert cfg.web.port == 9002  # environment wins over the file
    assert cfg.collectors.probe_timeout == 3.5
    assert cfg.demo.enabled is False


@pytest.mark.parametrize(("toml", "env", "needle"), [
    ("[web]\nport = 'abc'\n", {}, "web.port"),
    ("[web]\nprot = 1\n", {}, "web.prot"),
    ("[webb]\nport = 1\n", {}, "webb"),
    ("", {"GOVOPS_COLLECTORS__PROBE_TIMEOUT": "soon"}, "GOVOPS_COLLECTORS__PROBE_TIMEOUT"),
    ("", {"GOVOPS_WEB__NOPE": "1"}, "web.nope"),
    ("[collectors]\nconcurrency = 0\n", {}, "collectors.concurrency"),
    ("[logging]\nlevel = 'LOUD'\n", {}, "logging.level"),
    ("[database]\nurl = 'mysql://x'\n", {}, "database.url"),
    ("[demo]\nbind_prefix = '10.0.0'\n", {}, "demo.bind_prefix"),
    ("[web\n", {}, "invalid TOML"),
    ("[web]\ntimezone = 'Beijing'\n", {}, "web.timezone"),
    ("", {"GOVOPS_WEB__TIMEZONE": "../etc/passwd"}, "web.timezone"),
])
def test_wrong_settings_name_the_key(tmp_path: Path, toml: str, env: dict[str, str], needle: str) -> None:
    f = tmp_path / "c.toml"
    f.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.").replace("[", r"\[")):
        load_config(f, env=env)


def test_example_file_is_valid_and_complete() -> None:
    """The documented example lists every setting with its default value."""
    import dataclasses
    import tomllib

    example = PROJECT_ROOT / "govops.example.toml"
    cfg = load_config(example, env={})
    assert cfg == load_config(env={})
    doc = tomllib.loads(example.read_text(encoding="utf-8"))
    for sec in dataclasses.fields(cfg):
        assert set(doc[sec.name]) == {f.name for f in dataclasses.fields(getattr(cfg, sec.name))}, sec.name
