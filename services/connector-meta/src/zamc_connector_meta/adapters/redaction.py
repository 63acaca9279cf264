"""Keep secrets out of logs: the libraries under the SDK log URLs whose query holds the token."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = re.compile(
    r"(?i)(access_token|fb_exchange_token|client_secret|appsecret_proof|input_token|code)=([^&\s'\"]+)"
)
NOISY_LOGGERS = ("urllib3.connectionpool", "urllib3", "requests", "httpx", "httpcore", "facebook_business")


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(r"\1=[redacted]", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()


def install() -> None:
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
