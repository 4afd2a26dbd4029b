"""ctxdash's own folders (configuration, cache, data, state), as plain strings.

One rule for every process: an environment variable (``CTXDASH_CONFIG_DIR``,
``CTXDASH_CACHE_DIR``, ``CTXDASH_DATA_DIR``, ``CTXDASH_STATE_DIR``) wins; on Linux the XDG base
folders (``XDG_CONFIG_HOME`` … when set to an absolute path, else ``~/.config`` …); elsewhere
what ``platformdirs`` says. The status line imports this module, so it imports only :mod:`os`
and :mod:`sys` (``platformdirs`` only off Linux); :mod:`ctxdash.core.paths` wraps it in
``Path`` objects.
"""

from __future__ import annotations

import os
import sys

APP = "ctxdash"
#: For each folder: the variable that overrides it, the XDG variable and its default on Linux.
_WHERE = {
    "config": ("CTXDASH_CONFIG_DIR", "XDG_CONFIG_HOME", ".config"),
    "cache": ("CTXDASH_CACHE_DIR", "XDG_CACHE_HOME", ".cache"),
    "data": ("CTXDASH_DATA_DIR", "XDG_DATA_HOME", os.path.join(".local", "share")),
    "state": ("CTXDASH_STATE_DIR", "XDG_STATE_HOME", os.path.join(".local", "state")),
}


def own(kind: str) -> str:
    """ctxdash's ``config``, ``cache``, ``data`` or ``state`` folder."""
    override, xdg, default = _WHERE[kind]
    value = os.environ.get(override)
    if value:
        return os.path.expanduser(value)
    if sys.platform.startswith("linux"):
        base = os.environ.get(xdg, "").strip()
        if not base or not os.path.isabs(base):
            base = os.path.join(os.path.expanduser("~"), default)
        return os.path.join(base, APP)
    import platformdirs  # macOS and Windows: their own conventions

    return str(getattr(platformdirs, f"user_{kind}_dir")(APP))


def config_file() -> str:
    """The TOML configuration file (``CTXDASH_CONFIG`` names another one)."""
    value = os.environ.get("CTXDASH_CONFIG")
    return os.path.expanduser(value) if value else os.path.join(own("config"), "config.toml")
