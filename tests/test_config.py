"""A bad config gives a clear error naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctxdash.core.config import ConfigError, load_config


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('window = "big"', "window"),
        ("colour = 1", "colour"),
        ('[thresholds]\nwarn = "soon"', "thresholds.warn"),
        ("[thresholds]\nwarn = 1.5", "thresholds.warn"),
        ("window = [", "TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(path)


def test_missing_config_is_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml").window is None


def test_good_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('window = 1000000\n[thresholds]\nwarn = 0.7\n[models]\n"claude-x" = 500000\n')
    cfg = load_config(path)
    assert cfg.window == 1_000_000
    assert cfg.thresholds.warn == 0.7
    assert cfg.models == {"claude-x": 500_000}
