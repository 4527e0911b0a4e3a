"""The web app and REST API (FastAPI): `jixiao serve`, or create_app(db) in code."""

from jixiao.web.app import create_app

__all__ = ["create_app"]
