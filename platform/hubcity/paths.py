"""Where the project's non-Python folders live (the repository root holds them)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
LOCALE_DIR = PROJECT_ROOT / "locale"
NODE_MODULES_DIR = PROJECT_ROOT / "node_modules"
