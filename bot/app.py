"""Build the Telegram Application: services, handlers in order, command menu; run it."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from .commands import public_commands
from .config import Config
from .services import Services

log = logging.getLogger(__name__)


async def post_init(app: Application) -> None:
    """Set the command menu in each language."""
    for lang in ("en", "km", "fr"):
        commands = [BotCommand(c.name, c.description.get(lang) or c.description["en"]) for c in public_commands()]
        await app.bot.set_my_commands(commands, language_code=None if lang == "en" else lang)


async def post_shutdown(app: Application) -> None:
    """Close the database."""
    services: Services | None = app.bot_data.get("services")
    if services is not None:
        services.db.conn.close()


def build_application(config: Config, services: Services | None = None) -> Application:
    """The Application with every handler registered; `services` may be given by tests."""
    from handlers import errors, questions, start

    builder = ApplicationBuilder().token(config.require_token())
    if config.api_base_url:
        builder.base_url(config.api_base_url)
    if config.api_base_file_url:
        builder.base_file_url(config.api_base_file_url)
    builder.rate_limiter(AIORateLimiter(max_retries=3))
    builder.post_init(post_init).post_shutdown(post_shutdown)
    app = builder.build()
    app.bot_data["services"] = services or Services.build(config)
    # Order matters: commands and buttons first, free text last, errors at the end.
    start.register(app)
    questions.register(app)
    errors.register(app)
    return app


def run(config: Config, webhook_url: str | None = None, listen: str = "127.0.0.1", port: int = 8443,
        secret_token: str | None = None) -> int:
    """Run until SIGINT/SIGTERM (python-telegram-bot stops cleanly on both)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would log the token in URLs
    app = build_application(config)
    log.info("starting with %d entries", len(app.bot_data["services"].assistant.kb))
    if webhook_url:
        import secrets
        secret_token = secret_token or secrets.token_urlsafe(32)
        app.run_webhook(listen=listen, port=port, url_path="telegram", webhook_url=webhook_url,
                        secret_token=secret_token, allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
