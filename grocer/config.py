"""Environment-driven configuration, read in one place.

Every setting comes from a ``GROCER_*`` environment variable with an explicit default.
``GROCER_ENV=dev`` (or ``--dev`` on the command line) points every retailer at the local
simulator and the database at the development file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from grocer.constants import COMPANY_LIST

REAL_RETAILER_URLS: dict[str, str] = {
    "coles": "https://www.coles.com.au",
    "woolworths": "https://www.woolworths.com.au",
    "aldi": "https://api.aldi.com.au",
    "iga": "https://www.igashop.com.au",
}
IGA_LOCATOR_URL = "https://embed.salefinder.com.au"  # IGA's store locator lives here
DEFAULT_SIM_PORT = 8411


def _data_dir() -> Path:
    if explicit := os.getenv("GROCER_DATA_DIR"):
        return Path(explicit).expanduser()
    xdg = os.getenv("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "grocer"


def _fraction(name: str) -> float | None:
    """A 0-1 setting from the environment; None when unset."""
    text = os.getenv(name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r}: not a number") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}={text!r}: must be between 0 and 1")
    return value


@dataclass(frozen=True)
class Config:
    """Resolved configuration; build it with :func:`load_config`."""

    env: str
    data_dir: Path
    database_url: str
    sim_url: str
    retailer_urls: dict[str, str] = field(default_factory=dict)
    model_path: str | None = None
    link_threshold: float | None = None  # GROCER_LINK_THRESHOLD: same-product links' score
    batch_size: int = 500
    iga_locator_url: str = IGA_LOCATOR_URL

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    def retailer_url(self, company: str) -> str:
        return self.retailer_urls[company]


def load_config(*, dev: bool | None = None) -> Config:
    """Read the environment once and resolve every setting.

    Args:
        dev: force (True) or forbid (False) the development environment; None reads
            ``GROCER_ENV``.
    """
    env = "dev" if dev else (os.getenv("GROCER_ENV", "prod").lower() if dev is None else "prod")
    data_dir = _data_dir()
    sim_url = os.getenv("GROCER_SIM_URL", f"http://127.0.0.1:{DEFAULT_SIM_PORT}").rstrip("/")
    db_file = "grocer-dev.sqlite3" if env == "dev" else "grocer.sqlite3"
    database_url = os.getenv("GROCER_DATABASE_URL") or f"sqlite:///{data_dir / db_file}"
    urls: dict[str, str] = {}
    for company in COMPANY_LIST:
        default = f"{sim_url}/{company}" if env == "dev" else REAL_RETAILER_URLS[company]
        urls[company] = os.getenv(f"GROCER_{company.upper()}_URL", default).rstrip("/")
    return Config(
        env=env,
        data_dir=data_dir,
        database_url=database_url,
        sim_url=sim_url,
        retailer_urls=urls,
        model_path=os.getenv("GROCER_MODEL_PATH") or None,
        link_threshold=_fraction("GROCER_LINK_THRESHOLD"),
        batch_size=int(os.getenv("GROCER_BATCH_SIZE", "500")),
        iga_locator_url=os.getenv(
            "GROCER_IGA_LOCATOR_URL", urls["iga"] if env == "dev" else IGA_LOCATOR_URL
        ).rstrip("/"),
    )
