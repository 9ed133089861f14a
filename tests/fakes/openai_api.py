"""A fake OpenAI-compatible API (chat completions + models) on a real loopback HTTP port.

Replies come from a pluggable ``responder(messages, model) -> str | Reply``; every request is recorded
so tests can check what was sent (for instance that private-channel text never reaches a prompt).
Structured output is checked as OpenAI checks it: a ``response_format`` of type ``json_schema`` with
``strict`` must hold a schema strict mode accepts (every object closed, every property required), or
the request is refused with a 400 before any responder runs. The fake never forces an answer into
the schema: what the responder says is what the client gets, so tests can send a malformed one.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .slack_api import HttpRequest, HttpResponse, LoopbackFake, LoopbackServer

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """A reply with more than text: a refusal (OpenAI sets `refusal` and no content), or a finish reason."""

    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"


Responder = Callable[[list[JSONDict], str], "str | Reply"]

__all__ = [
    "FakeOpenAI",
    "OpenAIRequest",
    "Reply",
    "Responder",
    "default_responder",
    "message_text",
    "strict_schema_errors",
]


def message_text(message: JSONDict) -> str:
    """The text of a chat message whose content is a string or a list of content parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def default_responder(messages: list[JSONDict], model: str) -> str:
    """Deterministic: "Summary: " + the first 12 words of the last user message."""
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    words = message_text(last_user).split() if last_user is not None else []
    return "Summary: " + " ".join(words[:12])


def _words(text: str) -> int:
    return len(text.split())


def _error(message: str, type_: str, code: str | None = None, param: str | None = None) -> JSONDict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


_FAULT_BODIES: dict[int, JSONDict] = {
    400: _error("Invalid request.", "invalid_request_error"),
    401: _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    429: _error("Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"),
    500: _error("The server had an error while processing your request. Sorry about that!", "server_error"),
    503: _error("The engine is currently overloaded, please try again later.", "server_error"),
}


@dataclass(frozen=True)
class OpenAIRequest:
    """One request the fake received (header names lowercased)."""

    method: str
    path: str
    json: JSONDict | None
    headers: dict[str, str]
    http_status: int

    @property
    def authorization(self) -> str | None:
        """The Authorization header, e.g. "Bearer k"."""
        return self.headers.get("authorization")

    @property
    def messages(self) -> list[JSONDict]:
        """The chat messages sent (empty for other endpoints)."""
        messages = (self.json or {}).get("messages")
        return list(messages) if isinstance(messages, list) else []

    @property
    def prompt_text(self) -> str:
        """All message texts joined with newlines."""
        return "\n".join(message_text(m) for m in self.messages if isinstance(m, dict))

    @property
    def response_format(self) -> JSONDict | None:
        """The `response_format` sent, if any (structured output: type "json_schema")."""
        found = (self.json or {}).get("response_format")
        return found if isinstance(found, dict) else None

    @property
    def json_schema(self) -> JSONDict | None:
        """The JSON schema a structured-output request asked the answer to follow."""
        found = self.response_format
        if not found or found.get("type") != "json_schema":
            return None
        schema = (found.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else None


def strict_schema_errors(schema: Any, where: str = "()") -> list[str]:
    """What OpenAI's strict mode refuses in a schema: objects not closed, properties not all required."""
    if not isinstance(schema, dict):
        return []
    errors: list[str] = []
    if schema.get("type") == "object" or "properties" in schema:
        if schema.get("additionalProperties") is not False:
            errors.append(f"In context={where}, 'additionalProperties' is required to be supplied and to be false.")
        properties = schema.get("properties") or {}
        missing = sorted(set(properties) - set(schema.get("required") or []))
        if missing:
            errors.append(f"In context={where}, 'required' is required to include every property; missing {missing}.")
    for key in ("properties", "$defs", "definitions"):
        for name, child in (schema.get(key) or {}).items():
            errors += strict_schema_errors(child, f"{where}.{key}.{name}")
    for key in ("items", "anyOf", "allOf", "oneOf"):
        children = schema.get(key)
        for n, child in enumerate(children if isinstance(children, list) else [children]):
            errors += strict_schema_errors(child, f"{where}.{key}.{n}")
    return errors


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    retry_after_ms: int | None
    message: str | None
    remaining: int


def _refused_response_format(response_format: Any) -> JSONDict | None:
    """OpenAI's 400 for a structured-output request whose schema strict mode cannot take; None when it can."""
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not isinstance(spec.get("schema"), dict):
        return _error("Missing required parameter: 'response_format.json_schema'.", "invalid_request_error")
    errors = strict_schema_errors(spec["schema"]) if spec.get("strict") else []
    if not errors:
        return None
    message = f"Invalid schema for response_format '{spec['name']}': {errors[0]}"
    return _error(message, "invalid_request_error", "invalid_json_schema", "response_format")


class FakeOpenAI(LoopbackFake):
    """A fake OpenAI server: ``POST /v1/chat/completions``, ``GET /v1/models``.

    Pass ``url`` as ``openai.OpenAI(base_url=...)``. With ``api_key`` set, other keys get 401.
    ``stream=True`` is answered with server-sent ``chat.completion.chunk`` events.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        model: str = "gpt-4o-mini",
        api_key: str | None = None,
        created: int = 1_700_000_000,
    ) -> None:
        self.responder: Responder = responder or default_responder
        self.model = model
        self.api_key = api_key
        self.created = created
        self.requests: list[OpenAIRequest] = []
        self._lock = threading.RLock()
        self._faults: deque[_Fault] = deque()
        self._counter = 0
        self._server = LoopbackServer(self._handle_http)

    @property
    def url(self) -> str:
        """Base URL for ``openai.OpenAI(base_url=...)``."""
        return f"{self._server.origin}/v1"

    # -- faults & inspection ------------------------------------------------------------------

    def fail_next(
        self,
        *,
        times: int = 1,
        status: int = 429,
        retry_after: int | None = None,
        retry_after_ms: int | None = None,
        message: str | None = None,
    ) -> None:
        """Make the next ``times`` API requests fail with an OpenAI-style error body.

        The openai client ignores ``retry-after: 0`` (it falls back to its own backoff);
        ``retry_after_ms=1`` makes a retrying client come back almost at once.
        """
        with self._lock:
            self._faults.append(_Fault(status, retry_after, retry_after_ms, message, times))

    def chat_requests(self) -> list[OpenAIRequest]:
        """Recorded ``/v1/chat/completions`` requests, in order."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def all_prompt_text(self) -> str:
        """Every message text of every chat request, joined (for "never sent" assertions)."""
        return "\n".join(r.prompt_text for r in self.chat_requests())

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        with self._lock:
            self.requests.clear()

    # -- HTTP ---------------------------------------------------------------------------------

    def _handle_http(self, request: HttpRequest) -> HttpResponse:
        body: JSONDict | None = None
        if request.body:
            try:
                decoded = json.loads(request.body)
            except ValueError:
                decoded = None
            body = decoded if isinstance(decoded, dict) else None
        with self._lock:
            self._counter += 1
            request_id = f"req_fake_{self._counter:06d}"
            response = self._route(request, body, request_id)
            response.headers.setdefault("x-request-id", request_id)
            self.requests.append(
                OpenAIRequest(request.method, request.path, body, dict(request.headers), response.status)
            )
            return response

    def _route(self, request: HttpRequest, body: JSONDict | None, request_id: str) -> HttpResponse:
        path = request.path.rstrip("/")
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[len("Bearer ") :].strip():
            return HttpResponse.of_json(
                401,
                _error(
                    "You didn't provide an API key. You need to provide your API key in an Authorization"
                    " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error",
                ),
            )
        if self.api_key is not None and auth[len("Bearer ") :].strip() != self.api_key:
            return HttpResponse.of_json(401, _FAULT_BODIES[401])
        if self._faults:
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.popleft()
            payload = json.loads(json.dumps(_FAULT_BODIES.get(fault.status, _FAULT_BODIES[500])))
            if fault.message is not None:
                payload["error"]["message"] = fault.message
            headers: dict[str, str] = {}
            if fault.retry_after is not None:
                headers["retry-after"] = str(fault.retry_after)
            if fault.retry_after_ms is not None:
                headers["retry-after-ms"] = str(fault.retry_after_ms)
            return HttpResponse.of_json(fault.status, payload, headers)
        if request.method == "GET" and path == "/v1/models":
            return HttpResponse.of_json(200, {"object": "list", "data": [self._model_json(self.model)]})
        if request.method == "GET" and path.startswith("/v1/models/"):
            return HttpResponse.of_json(200, self._model_json(path[len("/v1/models/") :]))
        if request.method == "POST" and path == "/v1/chat/completions":
            return self._chat_completions(body, request_id)
        return HttpResponse.of_json(
            404, _error(f"Invalid URL ({request.method} {request.path})", "invalid_request_error")
        )

    def _model_json(self, model_id: str) -> JSONDict:
        return {"id": model_id, "object": "model", "created": self.created, "owned_by": "fake-openai"}

    def _chat_completions(self, body: JSONDict | None, request_id: str) -> HttpResponse:
        if body is None:
            return HttpResponse.of_json(
                400, _error("We could not parse the JSON body of your request.", "invalid_request_error")
            )
        for name in ("model", "messages"):
            if name not in body:
                return HttpResponse.of_json(
                    400,
                    _error(
                        f"Missing required parameter: '{name}'.",
                        "invalid_request_error",
                        "missing_required_parameter",
                        name,
                    ),
                )
        messages = body["messages"]
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            return HttpResponse.of_json(
                400, _error("Invalid type for 'messages'.", "invalid_request_error", "invalid_type", "messages")
            )
        refused = _refused_response_format(body.get("response_format"))
        if refused is not None:
            return HttpResponse.of_json(400, refused)
        model = str(body["model"])
        try:
            reply = self.responder(messages, model)
        except Exception:
            self._server.errors.append(traceback.format_exc())
            return HttpResponse.of_json(500, _FAULT_BODIES[500])
        if not isinstance(reply, Reply):
            reply = Reply(content=reply)
        content, refusal, finish_reason = reply.content or "", reply.refusal, reply.finish_reason
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(max_tokens, int) and _words(content) > max_tokens:
            content = " ".join(content.split()[:max_tokens])
            finish_reason = "length"
        prompt_tokens = sum(_words(message_text(m)) for m in messages)
        completion_tokens = _words(content)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        completion_id = f"chatcmpl-{request_id}"
        n = body.get("n") if isinstance(body.get("n"), int) else 1
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return self._stream(completion_id, model, content, finish_reason, usage if include_usage else None)
        completion = {
            "id": completion_id,
            "object": "chat.completion",
            "created": self.created,
            "model": model,
            "choices": [
                {
                    "index": i,
                    "message": {
                        "role": "assistant",
                        "content": None if refusal is not None else content,
                        "refusal": refusal,
                    },
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
                for i in range(max(1, n or 1))
            ],
            "usage": usage,
            "system_fingerprint": "fp_fake",
        }
        return HttpResponse.of_json(200, completion)

    def _stream(
        self, completion_id: str, model: str, content: str, finish_reason: str, usage: JSONDict | None
    ) -> HttpResponse:
        def chunk(delta: JSONDict, finish: str | None) -> JSONDict:
            return {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }

        events: list[JSONDict] = [chunk({"role": "assistant", "content": ""}, None)]
        words = content.split(" ")
        events += [chunk({"content": w if i == 0 else " " + w}, None) for i, w in enumerate(words) if content]
        events.append(chunk({}, finish_reason))
        if usage is not None:
            events.append({**chunk({}, None), "choices": [], "usage": usage})
        text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return HttpResponse(200, {"Content-Type": "text/event-stream; charset=utf-8"}, text.encode("utf-8"))
