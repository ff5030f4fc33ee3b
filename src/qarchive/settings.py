"""One frozen settings object, built once from the environment and passed down; the clock.

Every base URL qarchive talks to lives here and nowhere else. Tests point the
``QARCHIVE_*_URL`` variables at a local server. Functions that timestamp take a
:data:`Clock` (:func:`utc_now` by default), so that tests can give them the time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from qarchive._version import __version__
from qarchive.errors import UsageError

__all__ = [
    "DEFAULT_AN_DATA_URL",
    "DEFAULT_AN_QUESTIONS_URL",
    "DEFAULT_AN_URL",
    "DEFAULT_DEADLINE",
    "DEFAULT_DOWNLOAD_DEADLINE",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_RETRY_WAIT",
    "DEFAULT_RATE",
    "DEFAULT_RETRY_BACKOFF",
    "DEFAULT_SENAT_DATA_URL",
    "DEFAULT_SENAT_URL",
    "DEFAULT_TIMEOUT",
    "ENV_VARS",
    "Clock",
    "Settings",
    "default_archive_dir",
    "load_settings",
    "setting_sources",
    "utc_now",
]

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time, timezone-aware UTC (the default clock)."""
    return dt.datetime.now(dt.UTC)


DEFAULT_AN_URL = "https://www.assemblee-nationale.fr"
DEFAULT_AN_QUESTIONS_URL = "https://questions.assemblee-nationale.fr"
DEFAULT_AN_DATA_URL = "https://data.assemblee-nationale.fr"
DEFAULT_SENAT_URL = "https://www.senat.fr"
DEFAULT_SENAT_DATA_URL = "https://data.senat.fr"
DEFAULT_RATE = 1.0  # requests per second, per host
DEFAULT_TIMEOUT = 30.0  # seconds, for connect and for each read
DEFAULT_DEADLINE = 300.0  # seconds for a whole request, body included (a trickle ends)
DEFAULT_DOWNLOAD_DEADLINE = 3600.0  # seconds for a whole download (a legislature zip)
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
    "deadline": "QARCHIVE_DEADLINE",
    "download_deadline": "QARCHIVE_DOWNLOAD_DEADLINE",
    "max_retries": "QARCHIVE_MAX_RETRIES",
    "max_bytes": "QARCHIVE_MAX_BYTES",
    "max_retry_wait": "QARCHIVE_MAX_RETRY_WAIT",
    "retry_backoff": "QARCHIVE_RETRY_BACKOFF",
}


def default_archive_dir() -> Path:
    """Return the platform's user data directory for qarchive."""
    import platformdirs  # only when no archive is given: else every start pays for it

    return Path(platformdirs.user_data_dir("qarchive", appauthor=False))


class _Invalid(ValueError):
    """A bad value for one setting; ``Settings`` turns it into a UsageError naming it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _base_url(name: str, value: object) -> str:
    text = str(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Invalid(name, f"expected an http(s) base URL such as https://host, got {text!r}")
    return text.rstrip("/")


def _number(name: str, value: object) -> int | float:
    whole = name in _INTS
    wanted = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Invalid(name, f"expected {wanted}, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise _Invalid(name, f"expected {wanted}, got {value!r}") from None
    if not math.isfinite(number) or (whole and not number.is_integer()):
        raise _Invalid(name, f"expected {wanted}, got {value!r}")
    low, low_allowed, high = _BOUNDS[name]
    if number < low or (number == low and not low_allowed) or (high is not None and number > high):
        expected = f"at least {low:g}" if low_allowed else f"more than {low:g}"
        if high is not None:
            expected += f" and at most {high:g}"
        raise _Invalid(name, f"expected {expected}, got {value!r}")
    return int(number) if whole else number


# name -> (lower bound, lower bound allowed, upper bound)
_BOUNDS: dict[str, tuple[float, bool, float | None]] = {
    "rate": (0, True, None),  # 0 disables the rate limit
    "timeout": (0, False, None),
    "deadline": (0, False, None),
    "download_deadline": (0, False, None),
    "max_retries": (0, True, 20),
    "max_bytes": (0, False, None),
    "max_retry_wait": (0, True, None),
    "retry_backoff": (0, True, None),
}
_URLS = ("an_url", "an_questions_url", "an_data_url", "senat_url", "senat_data_url")
_INTS = ("max_retries", "max_bytes")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything configurable, with visible defaults. Immutable once built.

    A plain dataclass checked in ``__post_init__`` rather than a Pydantic model, so
    that the read-only commands (list, search, stats) start without importing Pydantic.
    Numbers may be given as text (from the environment); a bad value raises
    :class:`~qarchive.errors.UsageError` naming its variable.
    """

    archive_dir: Path = field(default_factory=default_archive_dir)
    an_url: str = DEFAULT_AN_URL
    an_questions_url: str = DEFAULT_AN_QUESTIONS_URL
    an_data_url: str = DEFAULT_AN_DATA_URL
    senat_url: str = DEFAULT_SENAT_URL
    senat_data_url: str = DEFAULT_SENAT_DATA_URL
    rate: float = DEFAULT_RATE
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    download_deadline: float = DEFAULT_DOWNLOAD_DEADLINE
    max_retries: int = DEFAULT_MAX_RETRIES
    max_bytes: int = DEFAULT_MAX_BYTES
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    retry_backoff: float = DEFAULT_RETRY_BACKOFF
    user_agent: str = (
        f"qarchive/{__version__} (+https://pypi.org/project/qarchive/; "
        "archiver of French parliamentary written questions)"
    )

    def __post_init__(self) -> None:
        try:
            checked: dict[str, object] = {"archive_dir": Path(self.archive_dir)}
            for name in _URLS:
                checked[name] = _base_url(name, getattr(self, name))
            for name in _BOUNDS:
                checked[name] = _number(name, getattr(self, name))
            if not isinstance(self.user_agent, str) or not self.user_agent.strip():
                raise _Invalid("user_agent", "expected a non-empty text")
        except _Invalid as exc:
            source = ENV_VARS.get(exc.name, exc.name)
            raise UsageError(f"invalid setting {source}: {exc}") from None
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # frozen: normalised once, here

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The hosts (with port) qarchive may send requests to."""
        return frozenset(urlsplit(getattr(self, name)).netloc.lower() for name in _URLS)

    def replace(self, **changes: object) -> Settings:
        """A copy with some values changed (checked like the originals)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build the settings from ``QARCHIVE_*`` environment variables and overrides.

    Args:
        env: the environment to read (``os.environ`` when omitted).
        **overrides: values that win over the environment (CLI options); ``None``
            values are ignored.

    Raises:
        UsageError: a variable holds a value of the wrong kind, or an override
            names no setting.
    """
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for name, var in ENV_VARS.items():
        if env.get(var):
            values[name] = env[var]
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = sorted(set(values) - _FIELDS)
    if unknown:
        raise UsageError(f"unknown setting {unknown[0]!r}")
    return Settings(**values)  # type: ignore[arg-type]


_FIELDS = frozenset(f.name for f in dataclasses.fields(Settings))


def setting_sources(
    env: Mapping[str, str] | None = None, *, overridden: Iterable[str] = ()
) -> dict[str, str]:
    """Where each setting's value comes from: an option, its variable, or the default.

    Args:
        env: the environment read (``os.environ`` when omitted).
        overridden: the settings a command-line option gave (``archive_dir``).

    Example:
        >>> setting_sources({"QARCHIVE_RATE": "2"})["rate"], setting_sources({})["rate"]
        ('QARCHIVE_RATE', 'default')
    """
    env = os.environ if env is None else env
    given = set(overridden)
    return {
        name: "option" if name in given else var if env.get(var) else "default"
        for name, var in ENV_VARS.items()
    }
