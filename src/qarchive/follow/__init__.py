"""Following questions: events between versions, the watchlist, alerts, notifications, digest, feed."""

__all__: list[str] = []
