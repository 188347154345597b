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
    ("[web\n", {}, "c.toml:1: TOML 格式错误（第 5 列）：表名后面缺少 ]"),
    ("[web]\ntimezone = 'Beijing'\n", {}, "web.timezone"),
    ("", {"GOVOPS_WEB__TIMEZONE": "../etc/passwd"}, "web.timezone"),
    ("[demo]\ntime_scale = 0.5\n", {}, "demo.time_scale"),
    ("[demo]\nenabled = false\ntime_scale = 60\n", {}, "demo.time_scale"),
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

    def same_keys(table: dict, section: object, name: str) -> None:
        assert set(table) == {f.name for f in dataclasses.fields(section)}, name
        for f in dataclasses.fields(section):
            if dataclasses.is_dataclass(getattr(section, f.name)):  # a sub-table such as [metrics.embedded]
                same_keys(table[f.name], getattr(section, f.name), f"{name}.{f.name}")

    for sec in dataclasses.fields(cfg):
        same_keys(doc[sec.name], getattr(cfg, sec.name), sec.name)


def test_a_compressed_demo_keeps_its_own_databases(tmp_path: Path) -> None:
    """Its future timestamps must never reach the databases a real-time run reads."""
    fast = load_config(env={"GOVOPS_DEMO__TIME_SCALE": "60"})
    assert fast.database_url.endswith("var/compressed/govops.db")
    assert str(fast.resolve_path(fast.metrics.embedded.path)).endswith("var/compressed/metrics.db")
    real = load_config(env={})
    assert real.database_url != fast.database_url and real.metrics.embedded.path != fast.metrics.embedded.path
    chosen = load_config(env={"GOVOPS_DEMO__TIME_SCALE": "60",
                              "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp_path / "m.db")})
    assert chosen.metrics.embedded.path == str(tmp_path / "m.db")  # an explicit choice is kept


def _numeric_keys() -> list[tuple[str, str]]:
    from core.config import Config, numeric_settings

    return [(sec, key) for sec, key, _ in numeric_settings(Config())]


def test_every_numeric_setting_has_a_declared_range() -> None:
    """A new numeric key needs its sane range in core.config.RANGES (else it only gets a generic one)."""
    from core.config import RANGES, Config, numeric_settings

    missing = [f"{sec}.{key}" for sec, key in _numeric_keys() if (sec, key) not in RANGES]
    assert not missing, f"declare a range in core.config.RANGES for {missing}"
    for sec, key, value in numeric_settings(Config()):
        lo, hi = RANGES[(sec, key)]
        assert lo <= value <= hi, f"the default of {sec}.{key} is outside its own range"


@pytest.mark.parametrize(("section", "key"), _numeric_keys())
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1e308"])
def test_numbers_must_be_finite_and_sane_for_every_key(tmp_path: Path, section: str, key: str, value: str) -> None:
    """session_hours = nan | inf | 1e308 passed validation before (issue 9, item 12), and so did every other key."""
    f = tmp_path / "c.toml"
    f.write_text(f"[{section}]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{section}\.{key}"):
        load_config(f, env={})
    env_key = f"GOVOPS_{section.upper().replace('.', '__')}__{key.upper()}"
    with pytest.raises(ConfigError, match=rf"{section}\.{key}"):
        load_config(env={env_key: value})


@pytest.mark.parametrize(("content", "needle"), [
    ("[web]\nport = 8050\n# 注释\n".encode("gbk"), r"c\.toml:3: 文件不是 UTF-8"),
    (b"[web]\nport = 8050\n" + b"#" * (1024 * 1024), "文件过大"),
    (b"[web]\nx = " + b"[" * 600 + b"]" * 600, r"c\.toml:2: 嵌套"),
    (("a." * 3000 + "b = 1\n").encode(), r"c\.toml:1: 键名"),
    (b"[web]\nport = 8050.5\n", r"c\.toml:2: 配置项 web\.port：应为整数，而不是 8050\.5"),
])
def test_a_bad_file_is_one_message_with_its_line(tmp_path: Path, content: bytes, needle: str) -> None:
    f = tmp_path / "c.toml"
    f.write_bytes(content)
    with pytest.raises(ConfigError, match=needle):
        load_config(f, env={})


@pytest.mark.parametrize(("toml", "env", "needle"), [
    ('[metrics]\npath = "var/m.db"\n', {}, r"metrics\.path（来自 .*c\.toml）：该设置已移到 \[metrics\.embedded\] 表"),
    ("[metrics]\nraw_retention_hours = 6\n", {},
     r"metrics\.raw_retention_hours（来自 .*）：该设置已移到 \[metrics\.embedded\]"),
    ("", {"GOVOPS_METRICS__PATH": "/tmp/m.db"},
     r"环境变量 \$GOVOPS_METRICS__PATH 已停用.*请改用 \$GOVOPS_METRICS__EMBEDDED__PATH"),
    ('[metrics]\nbackend = "sqlite"\n', {}, r"metrics\.backend（来自 .*c\.toml）：取值 'sqlite' 已改名为 'embedded'"),
    ("", {"GOVOPS_METRICS__BACKEND": "sqlite"}, r"metrics\.backend（来自 \$GOVOPS_METRICS__BACKEND）：取值 'sqlite'"),
])
def test_settings_of_the_older_layout_say_where_they_went(tmp_path: Path, toml: str, env: dict[str, str],
                                                          needle: str) -> None:
    f = tmp_path / "c.toml"
    f.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle):
        load_config(f, env=env)


@pytest.mark.parametrize(("toml", "env", "needle"), [
    ("[metrics.embedded]\nfile = 'x'\n", {}, r":2: 配置项 metrics\.embedded\.file：没有这个配置项（.*path"),
    ("[metrics]\nembedded = 3\n", {}, r"metrics\.embedded 应为表（\[metrics\.embedded\]）"),
    ("[metrics.embedded]\nraw_retention_hours = 0\n", {}, r":2: 配置项 metrics\.embedded\.raw_retention_hours"),
    ("", {"GOVOPS_METRICS__EMBEDDED__NOPE": "1"}, r"EMBEDDED__NOPE: 没有配置项 metrics\.embedded\.nope"),
    ("", {"GOVOPS_METRICS__EMBEDDED": "1"}, r"GOVOPS_METRICS__EMBEDDED: 没有配置项 metrics\.embedded$"),
    ("", {"GOVOPS_WEB__PORT__X": "1"}, r"GOVOPS_WEB__PORT__X: 没有配置项 web\.port\.x"),
    ('[metrics.victoriametrics]\nurl = "127.0.0.1:8428"\n', {},
     r":2: 配置项 metrics\.victoriametrics\.url：应为 http://主机:端口"),
    ("", {"GOVOPS_METRICS__VICTORIAMETRICS__TIMEOUT": "0"}, r"metrics\.victoriametrics\.timeout：应为 0\.001 到 3600"),
])
def test_a_sub_table_is_checked_like_a_section(tmp_path: Path, toml: str, env: dict[str, str], needle: str) -> None:
    f = tmp_path / "c.toml"
    f.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle):
        load_config(f, env=env)


def test_new_media_api_hosts() -> None:
    """Every platform's API host must be an http(s) address; an app's may be empty (statistics import only)."""
    cfg = load_config(env={})
    assert cfg.newmedia.app_api == "" and cfg.newmedia.kuaishou_api.startswith("https://")
    assert load_config(env={"GOVOPS_NEWMEDIA__APP_API": "http://127.0.0.1:8080"}).newmedia.app_api
    for key in ("APP_API", "TOUTIAO_API"):
        with pytest.raises(ConfigError, match=key.lower()):
            load_config(env={f"GOVOPS_NEWMEDIA__{key}": "ftp://stats.example"})
