"""`/usr/bin/python3 -m tasks_fastapi` (from examples/fastapi/): reads the environment, listens on FASTAPI_PORT."""

from __future__ import annotations

import logging
import sys

import uvicorn

from .app import create_production_app
from .revocation_feed import RevocationFeed
from .settings import SettingsError, read_settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="[fastapi] %(levelname)s %(name)s: %(message)s")
    try:
        settings = read_settings()
    except SettingsError as error:
        sys.exit(str(error))
    revocations = RevocationFeed(
        settings.database_url,
        max_staleness_seconds=settings.revocation_max_staleness_seconds,
        # Events older than the oldest acceptable token cannot matter.
        horizon_seconds=settings.max_token_age_seconds + settings.clock_tolerance_seconds,
        clock_tolerance_seconds=settings.clock_tolerance_seconds,
    )
    revocations.start()
    app = create_production_app(settings, revocations)
    keys = "HS256 shared secret" if settings.shared_secret else settings.key_set.url  # type: ignore[union-attr]
    logging.getLogger("tasks_fastapi").info("issuer %s, audience %s, keys %s", settings.issuer, settings.audience, keys)
    # log_config=None: uvicorn logs through the handler above instead of printing every line twice.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", log_config=None)


if __name__ == "__main__":
    main()
