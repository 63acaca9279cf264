"""A local OpenAI-compatible chat completions server that tests script, one model at a time.

    with LLMTestServer() as llm:
        llm.script("good", answer(draft_json))           # every call to model "good"
        llm.script("flaky", malformed(), answer(draft))  # first call malformed, then well-formed
        llm.script("down", http_error(500))
        llm.script("slow", hang(30))
        ... litellm.acompletion(model="openai/good", api_base=llm.base_url, api_key="test", ...)
        llm.requests  # what each call sent

A script is a list of behaviours consumed one per request; the last one repeats. A model with no
script answers HTTP 404. The server runs uvicorn in a background thread on a free port.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

Behaviour = Callable[["LLMTestServer", dict[str, Any]], Awaitable[Response]]


def _completion(model: str, content: str, body: dict[str, Any]) -> JSONResponse:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    prompt_tokens, completion_tokens = max(1, prompt_chars // 4), max(1, len(content) // 4)
    return JSONResponse(
        {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def answer(content: str | dict[str, Any] | Callable[[dict[str, Any]], str | dict[str, Any]]) -> Behaviour:
    """Answer with `content` (a dict is sent as JSON); a callable gets the request body first."""

    async def behave(server: LLMTestServer, body: dict[str, Any]) -> Response:
        value = content(body) if callable(content) else content
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return _completion(body.get("model", ""), text, body)

    return behave


def malformed(text: str = '{"objective": "Sell mugs", "kpis": [') -> Behaviour:
    """Answer 200 with content that is not valid JSON."""
    return answer(text)


def http_error(status: int = 500, message: str = "the test server failed on purpose") -> Behaviour:
    async def behave(server: LLMTestServer, body: dict[str, Any]) -> Response:
        return JSONResponse(
            {"error": {"message": message, "type": "server_error", "code": status}}, status_code=status
        )

    return behave


def hang(seconds: float = 30.0) -> Behaviour:
    """Answer nothing for `seconds` (or until the server stops), then fail with 504."""

    async def behave(server: LLMTestServer, body: dict[str, Any]) -> Response:
        await asyncio.to_thread(server.closing.wait, seconds)
        return JSONResponse({"error": {"message": "hung on purpose"}}, status_code=504)

    return behave


@dataclass
class RecordedRequest:
    model: str
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LLMTestServer:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or _free_port()
        self.requests: list[RecordedRequest] = []
        self.closing = threading.Event()
        self._scripts: dict[str, list[Behaviour]] = {}
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def script(self, model: str, *behaviours: Behaviour) -> None:
        """Behaviours for `model`, one per request; the last repeats."""
        if not behaviours:
            raise ValueError("a script needs at least one behaviour")
        with self._lock:
            self._scripts[model] = list(behaviours)

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self.requests.clear()

    def requests_for(self, model: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.model == model]

    def _next(self, model: str) -> Behaviour | None:
        with self._lock:
            script = self._scripts.get(model)
            if not script:
                return None
            return script.pop(0) if len(script) > 1 else script[0]

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="zamc LLM test server")

        @app.post("/v1/chat/completions")
        @app.post("/chat/completions")
        async def chat_completions(request: Request) -> Response:
            body = await request.json()
            model = str(body.get("model", ""))
            self.requests.append(RecordedRequest(model=model, body=body))
            behaviour = self._next(model)
            if behaviour is None:
                return JSONResponse(
                    {"error": {"message": f"model {model!r} is not scripted"}}, status_code=404
                )
            return await behaviour(self, body)

        return app

    def start(self) -> LLMTestServer:
        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, log_level="warning", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="llm-test-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the LLM test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.closing.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LLMTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
