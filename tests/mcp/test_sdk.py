"""`ctx mcp` driven by the official MCP Python SDK, in both protocol eras.

Run by `tests/mcp/run` (which makes the virtual environment and builds
ctx): `python tests/mcp/test_sdk.py CTX_BINARY`. Every check is an assert;
any failure exits non-zero.

1. The SDK's own client (auto / legacy / 2026-07-28 modes, and a manual
   handshake at 2024-11-05) lists and calls every tool, reads the
   resources and gets a prompt. The snapshot a render names reproduces the
   same bytes through `ctx snapshot render`; `ctx log` shows the delivery
   with the client's name; a CLI `pack add` during the session succeeds.
2. Raw lines in every revision: each line the server writes validates as a
   JSON-RPC message and, for results, as the result of its method in the
   revision in use, by the SDK's own types; and stdin EOF ends the server
   with exit 0.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import anyio
import mcp_types as types
from mcp import Client, ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_types import jsonrpc_message_adapter
from mcp_types.jsonrpc import JSONRPCError, JSONRPCResponse
from mcp_types.methods import validate_server_result

CTX = os.path.abspath(sys.argv[1])
HOME = tempfile.mkdtemp(prefix="ctx-mcp-home-")
PROJECT = tempfile.mkdtemp(prefix="ctx-mcp-project-")
ENV = {
    "PATH": os.environ.get("PATH", ""),
    "CTX_HOME": HOME,
    "CTX_USER": "sdk-test",
}
HANDSHAKE = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
MODERN = "2026-07-28"


def ctx(*args: str) -> str:
    done = subprocess.run(
        [CTX, *args], cwd=PROJECT, env=ENV, capture_output=True, text=True
    )
    assert done.returncode == 0, f"ctx {args}: {done.stderr}"
    return done.stdout


def setup() -> None:
    Path(PROJECT, "src").mkdir()
    Path(PROJECT, "src/lib.rs").write_text("pub fn answer() -> u32 {\n    42\n}\n")
    Path(PROJECT, "README.md").write_text(
        "# Demo\n\ntoken = ghp_Sdk7Xq2Lk9Zr4Wm1Tb8Vn3Hs6Jd0Fy5Gc8Qw\n"
    )
    ctx("pack", "create", "app", "--tokens", "4000")
    ctx("pack", "add", "app", "src/lib.rs")
    ctx("pack", "add", "app", "README.md")
    ctx("pack", "create", "docs")
    ctx("pack", "add", "docs", "glob:*.md")


def params() -> StdioServerParameters:
    return StdioServerParameters(command=CTX, args=["mcp"], env=ENV, cwd=PROJECT)


def text_of(result) -> str:
    return result.content[0].text


async def exercise(client, name: str, structured: bool) -> None:
    """Every tool, resource and prompt through one connected client."""
    tools = await client.list_tools()
    names = [t.name for t in tools.tools]
    assert names == [
        "list_packs",
        "show_pack",
        "render",
        "snapshot_list",
        "snapshot_render",
        "snapshot_diff",
        "log",
    ], names
    for tool in tools.tools:
        assert tool.input_schema["type"] == "object"

    packs = await client.call_tool("list_packs", {})
    assert not packs.is_error
    assert [p["name"] for p in json.loads(text_of(packs))["packs"]] == ["app", "docs"]
    shown = await client.call_tool("show_pack", {"pack": "app"})
    assert not shown.is_error, text_of(shown)

    render = await client.call_tool("render", {"packs": ["app"]})
    assert not render.is_error, text_of(render)
    payload = text_of(render)
    assert "pub fn answer()" in payload
    assert "ghp_Sdk7" not in payload, "a secret reached the agent"
    summary = json.loads(render.content[1].text)
    if structured:
        assert render.structured_content == summary
    assert "payload" not in summary
    snapshot = summary["snapshot"]

    # The snapshot reproduces the bytes the agent was sent.
    assert ctx("snapshot", "render", snapshot) == payload
    # A CLI write while the agent is connected succeeds.
    Path(PROJECT, f"{name}.txt").write_text(f"written during {name}\n")
    ctx("pack", "add", "docs", f"{name}.txt")

    part = await client.call_tool(
        "snapshot_render", {"id": snapshot, "start_line": 1, "end_line": 3}
    )
    assert not part.is_error, text_of(part)
    assert payload.startswith(text_of(part))
    listed = await client.call_tool("snapshot_list", {})
    assert snapshot in text_of(listed)
    diff = await client.call_tool("snapshot_diff", {"a": snapshot, "b": "app"})
    assert not diff.is_error, text_of(diff)
    log = await client.call_tool("log", {"limit": 5})
    assert not log.is_error, text_of(log)
    missing = await client.call_tool("render", {"packs": ["nope"]})
    assert missing.is_error and "no pack named `nope`" in text_of(missing)

    resources = await client.list_resources()
    uris = [str(r.uri) for r in resources.resources]
    assert "ctx://pack/app" in uris and f"ctx://snapshot/{snapshot}" in uris, uris
    templates = await client.list_resource_templates()
    assert [t.uri_template for t in templates.resource_templates] == [
        "ctx://pack/{name}",
        "ctx://snapshot/{id}",
    ]
    read = await client.read_resource(f"ctx://snapshot/{snapshot}")
    assert read.contents[0].text == payload
    live = await client.read_resource("ctx://pack/docs")
    assert f"{name}.txt" in live.contents[0].text

    prompts = await client.list_prompts()
    assert [p.name for p in prompts.prompts] == ["app", "docs"]
    prompt = await client.get_prompt("app", {})
    assert prompt.messages[0].role == "user"
    assert "pub fn answer()" in prompt.messages[0].content.text

    served = ctx("log", "--kind", "agent_served")
    assert f"to {name} 1.0 via render" in served, served


async def sdk_clients() -> None:
    for mode, expected in [
        ("auto", MODERN),
        ("legacy", "2025-11-25"),
        (MODERN, MODERN),
    ]:
        name = f"sdk-{mode}"
        info = types.Implementation(name=name, version="1.0")
        async with Client(params(), mode=mode, client_info=info) as client:
            assert client.protocol_version == expected, client.protocol_version
            await exercise(client, name, structured=True)

    # The oldest handshake, by hand: the SDK offers only its newest.
    info = types.Implementation(name="sdk-2024", version="1.0")
    async with stdio_client(params()) as (read, write):
        async with ClientSession(read, write, client_info=info) as session:
            result = await session.send_request(
                types.InitializeRequest(
                    params=types.InitializeRequestParams(
                        protocol_version="2024-11-05",
                        capabilities=types.ClientCapabilities(),
                        client_info=info,
                    )
                ),
                types.InitializeResult,
            )
            assert result.protocol_version == "2024-11-05"
            session.adopt(result)
            await session.send_notification(types.InitializedNotification())
            tools = await session.list_tools()
            assert all(t.annotations is None for t in tools.tools)
            render = await session.call_tool("render", {"packs": ["app"]})
            assert "pub fn answer()" in render.content[0].text
            assert render.structured_content is None


def envelope(client: str) -> dict:
    return {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": client, "version": "1"},
    }


def requests(version: str) -> list[tuple[str, dict]]:
    """One request of every method the server implements, in `version`."""
    calls = [
        ("tools/list", {}),
        ("tools/call", {"name": "list_packs", "arguments": {}}),
        ("tools/call", {"name": "show_pack", "arguments": {"pack": "app"}}),
        ("tools/call", {"name": "render", "arguments": {"packs": ["app", "docs"]}}),
        ("tools/call", {"name": "snapshot_list", "arguments": {}}),
        ("tools/call", {"name": "log", "arguments": {"limit": 3}}),
        ("tools/call", {"name": "render", "arguments": {"packs": ["nope"]}}),
        ("resources/list", {}),
        ("resources/templates/list", {}),
        ("resources/read", {"uri": "ctx://pack/app"}),
        ("prompts/list", {}),
        ("prompts/get", {"name": "docs"}),
    ]
    if version != MODERN:
        calls.insert(0, ("ping", {}))
    return calls


def raw_session(version: str) -> None:
    """Drives the server with raw lines and validates every line it writes."""
    lines = []
    methods = {}
    next_id = 1
    if version == MODERN:
        lines.append({"jsonrpc": "2.0", "id": 0, "method": "server/discover",
                      "params": {"_meta": envelope("raw")}})
        methods[0] = "server/discover"
    else:
        lines.append({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                      "params": {"protocolVersion": version, "capabilities": {},
                                 "clientInfo": {"name": "raw", "version": "1"}}})
        methods[0] = "initialize"
        lines.append({"jsonrpc": "2.0", "method": "notifications/initialized"})
    for method, p in requests(version):
        if version == MODERN:
            p = {**p, "_meta": envelope("raw")}
        lines.append({"jsonrpc": "2.0", "id": next_id, "method": method, "params": p})
        methods[next_id] = method
        next_id += 1
    text = "".join(json.dumps(line) + "\n" for line in lines)
    text += "this is not json\n"
    done = subprocess.run(
        [CTX, "mcp"], input=text, cwd=PROJECT, env=ENV, capture_output=True,
        text=True, timeout=120,
    )
    assert done.returncode == 0, f"{version}: exit {done.returncode}: {done.stderr}"
    out = done.stdout.splitlines()
    assert len(out) == len(methods) + 1, (version, len(out), done.stdout[-2000:])
    for line in out:
        message = jsonrpc_message_adapter.validate_json(line)
        if isinstance(message, JSONRPCResponse):
            method = methods[message.id]
            validate_server_result(method, version, message.result)
            has_type = "resultType" in message.result
            assert has_type == (version == MODERN), (version, method, line[:200])
        else:
            assert isinstance(message, JSONRPCError), line[:200]
            assert message.id is None and message.error.code == -32700, line[:200]


def main() -> None:
    setup()
    anyio.run(sdk_clients)
    for version in HANDSHAKE + [MODERN]:
        raw_session(version)
    print("ctx mcp: the Python SDK's clients and types agree, in every revision")


if __name__ == "__main__":
    main()
