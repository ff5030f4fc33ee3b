"""One frozen settings object, built once from the environment and passed down.

Every base URL qarchive talks to lives here and nowhere else. Tests point the
``QARCHIVE_*_URL`` variables at a local server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from qarchive._version import __version__
from qarchive.errors import UsageError

__all__ = [
    "DEFAULT_AN_DATA_URL",
    "DEFAULT_AN_QUESTIONS_URL",
    "DEFAULT_AN_URL",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_RETRY_WAIT",
    "DEFAULT_RATE",
    "DEFAULT_RETRY_BACKOFF",
    "DEFAULT_SENAT_DATA_URL",
    "DEFAULT_SENAT_URL",
    "DEFAULT_TIMEOUT",
    "ENV_VARS",
    "Settings",
    "default_archive_dir",
    "load_settings",
]

DEFAULT_AN_URL = "https://www.assemblee-nationale.fr"
DEFAULT_AN_QUESTIONS_URL = "https://questions.assemblee-nationale.fr"
DEFAULT_AN_DATA_URL = "https://data.assemblee-nationale.fr"
DEFAULT_SENAT_URL = "https://www.senat.fr"
DEFAULT_SENAT_DATA_URL = "https://data.senat.fr"
DEFAULT_RATE = 1.0  # requests per second, per host
DEFAULT_TIMEOUT = 30.0  # seconds, for connect and for each read
DEFAULT_MAX_RETRIES = 4  # after the first attempt, on 429/5xx/timeouts
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # one question page or record is far below this
DEFAULT_MAX_RETRY_WAIT = 120.0  # never sleep longer than this for one Retry-After
DEFAULT_RETRY_BACKOFF = 1.0  # seconds before the first retry; doubles each time

# Setting name -> environment variable, the documented configuration surface.
ENV_VARS: dict[str, str] = {
    "archive_dir": "QARCHIVE_ARCHIVE",
    "an_url": "QARCHIVE_AN_URL",
    "an_questions_url": "QARCHIVE_AN_QUESTIONS_URL",
    "an_data_url": "QARCHIVE_AN_DATA_URL",
    "senat_url": "QARCHIVE_SENAT_URL",
    "senat_data_url": "QARCHIVE_SENAT_DATA_URL",
    "rate": "QARCHIVE_RATE",
    "timeout": "QARCHIVE_TIMEOUT",
    "max_retries": "QARCHIVE_MAX_RETRIES",
    "max_bytes": "QARCHIVE_MAX_BYTES",
    "max_retry_wait": "QARCHIVE_MAX_RETRY_WAIT",
    "retry_backoff": "QARCHIVE_RETRY_BACKOFF",
}


def default_archive_dir() -> Path:
    """Return the platform's user data directory for qarchive."""
    return Path(platformdirs.user_data_dir("qarchive", appauthor=False))


class Settings(BaseModel):
    """Everything configurable, with visible defaults. Immutable once built."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    archive_dir: Path = Field(default_factory=default_archive_dir)
    an_url: str = DEFAULT_AN_URL
    an_questions_url: str = DEFAULT_AN_QUESTIONS_URL
    an_data_url: str = DEFAULT_AN_DATA_URL
    senat_url: str = DEFAULT_SENAT_URL
    senat_data_url: str = DEFAULT_SENAT_DATA_URL
    rate: float = Field(default=DEFAULT_RATE, ge=0)  # 0 disables the rate limit
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    max_retries: int = Field(default=DEFAULT_MAX_RETRIES, ge=0, le=20)
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    max_retry_wait: float = Field(default=DEFAULT_MAX_RETRY_WAIT, ge=0)
    retry_backoff: float = Field(default=DEFAULT_RETRY_BACKOFF, ge=0)
    user_agent: str = (
        f"qarchive/{__version__} (+https://pypi.org/project/qarchive/; "
        "archiver of French parliamentary written questions)"
    )

    @field_validator("an_url", "an_questions_url", "an_data_url", "senat_url", "senat_data_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) base URL such as https://host, got {value!r}")
        return value.rstrip("/")

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The hosts (with port) qarchive may send requests to."""
        return frozenset(
            urlsplit(url).netloc.lower()
            for url in (
                self.an_url,
                self.an_questions_url,
                self.an_data_url,
                self.senat_url,
                self.senat_data_url,
            )
        )


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build the settings from ``QARCHIVE_*`` environment variables and overrides.

    Args:
        env: the environment to read (``os.environ`` when omitted).
        **overrides: values that win over the environment (CLI options); ``None``
            values are ignored.

    Raises:
        UsageError: a variable holds a value of the wrong kind.
    """
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for name, var in ENV_VARS.items():
        if env.get(var):
            values[name] = env[var]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        source = ENV_VARS.get(field, field)
        raise UsageError(f"invalid setting {source}: {first['msg']}") from None
