//! `ctx mcp` over its real stdio: both protocol eras, every tool, resource
//! and prompt, provenance (every payload is a snapshot in the log that
//! reproduces it), errors that keep the server serving, and a fuzz of
//! malformed lines. The official Python SDK drives it too (`tests/mcp/`).

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::Env;

const MODERN: &str = "2026-07-28";

/// A running `ctx mcp` and its output lines.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Server {
    fn start(env: &Env, args: &[&str]) -> Self {
        let mut cmd: Command = env.command(&[&["mcp"], args].concat());
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ctx mcp starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).expect("write");
        stdin.write_all(b"\n").expect("write");
        stdin.flush().expect("flush");
    }

    /// The next line the server writes, parsed; every line must be JSON.
    fn recv(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Sends a request and returns its response.
    fn call(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        let reply = self.recv();
        assert_eq!(reply["id"], id, "{reply}");
        assert_eq!(reply["jsonrpc"], "2.0");
        reply
    }

    /// Nothing more is written for a while.
    fn assert_silent(&self) {
        if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(300)) {
            panic!("unexpected output: {line}");
        }
    }

    /// Closes stdin and returns the exit code and stderr.
    fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let out = self.child.wait_with_output().expect("exits");
        assert!(self.lines.recv_timeout(Duration::from_secs(5)).is_err());
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn initialize(&mut self, version: &str) -> Value {
        let reply = self.call(
            0,
            "initialize",
            json!({
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": {"name": "it-client", "version": "1.2"},
            }),
        );
        self.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        reply
    }
}

/// The 2026-07-28 envelope.
fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "modern-client", "version": "9"},
    })
}

fn project() -> Env {
    let env = Env::new();
    env.write("src/lib.rs", "pub fn answer() -> u32 {\n    42\n}\n");
    env.write(
        "notes.md",
        "# Notes\n\napi_key = \"sk_live_51HqLyjWDarjtT1zdp7dcXYZabc\"\n",
    );
    env.ok(&["pack", "create", "app", "--tokens", "2000"]);
    env.ok(&["pack", "add", "app", "src/lib.rs"]);
    env.ok(&["pack", "add", "app", "notes.md"]);
    env
}

#[test]
fn handshake_revisions_are_agreed_and_shaped() {
    let env = project();
    for (asked, agreed) in [
        ("2024-11-05", "2024-11-05"),
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2026-07-28", "2025-11-25"),
        ("1999-01-01", "2025-11-25"),
    ] {
        let mut server = Server::start(&env, &[]);
        let init = server.initialize(asked);
        assert_eq!(init["result"]["protocolVersion"], agreed, "{init}");
        assert_eq!(
            init["result"]["capabilities"],
            json!({"tools": {}, "resources": {}, "prompts": {}})
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "ctx");
        let ping = server.call(1, "ping", json!({}));
        assert_eq!(ping["result"], json!({}));
        let tools = server.call(2, "tools/list", json!({}));
        let first = &tools["result"]["tools"][0];
        assert!(tools["result"].get("resultType").is_none(), "{tools}");
        assert_eq!(first.get("annotations").is_some(), agreed >= "2025-03-26");
        assert_eq!(first.get("outputSchema").is_some(), agreed >= "2025-06-18");
        let names: Vec<&str> = tools["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .map(|t| t["name"].as_str().expect("name"))
            .collect();
        assert_eq!(
            names,
            [
                "list_packs",
                "show_pack",
                "render",
                "snapshot_list",
                "snapshot_render",
                "snapshot_diff",
                "log"
            ]
        );
        let (code, stderr) = server.finish();
        assert_eq!(code, 0, "{stderr}");
    }
}

#[test]
fn the_modern_revision_is_served_statelessly() {
    let env = project();
    let mut server = Server::start(&env, &[]);
    let discover = server.call(1, "server/discover", json!({"_meta": meta()}));
    let result = &discover["result"];
    assert_eq!(result["supportedVersions"], json!([MODERN]), "{discover}");
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["cacheScope"], "public");
    assert!(result["ttlMs"].is_u64());
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "ctx"
    );
    let tools = server.call(2, "tools/list", json!({"_meta": meta()}));
    assert_eq!(tools["result"]["resultType"], "complete");
    assert!(tools["result"]["ttlMs"].is_u64());
    let call = server.call(
        3,
        "tools/call",
        json!({"_meta": meta(), "name": "list_packs", "arguments": {}}),
    );
    assert_eq!(call["result"]["resultType"], "complete");
    assert!(call["result"].get("ttlMs").is_none(), "{call}");
    assert_eq!(
        call["result"]["structuredContent"]["packs"][0]["name"],
        "app"
    );

    // No handshake methods in this revision; a bad envelope is refused.
    let ping = server.call(4, "ping", json!({"_meta": meta()}));
    assert_eq!(ping["error"]["code"], -32601);
    let unsupported = server.call(
        5,
        "tools/list",
        json!({"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2030-01-01",
            "io.modelcontextprotocol/clientCapabilities": {},
        }}),
    );
    assert_eq!(unsupported["error"]["code"], -32022);
    assert_eq!(
        unsupported["error"]["data"],
        json!({"supported": [MODERN], "requested": "2030-01-01"})
    );
    let missing = server.call(
        6,
        "tools/list",
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": MODERN}}),
    );
    assert_eq!(missing["error"]["code"], -32602);
    let bare = server.call(7, "server/discover", json!({}));
    assert_eq!(bare["error"]["code"], -32602);
    assert_eq!(server.finish().0, 0);
}

#[test]
fn every_payload_sent_is_a_snapshot_in_the_log() {
    let env = project();
    let mut server = Server::start(&env, &[]);
    server.initialize("2025-11-25");
    let render = server.call(
        1,
        "tools/call",
        json!({"name": "render", "arguments": {"packs": ["app"]}}),
    );
    let result = &render["result"];
    assert!(result.get("isError").is_none(), "{render}");
    let payload = result["content"][0]["text"].as_str().expect("payload");
    assert!(payload.contains("pub fn answer()"), "{payload}");
    assert!(
        !payload.contains("sk_live_"),
        "a secret was sent: {payload}"
    );
    let summary = &result["structuredContent"];
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["items"].as_array().map(Vec::len), Some(2));
    assert!(summary.get("payload").is_none());
    let id = summary["snapshot"]
        .as_str()
        .expect("snapshot id")
        .to_owned();

    // The snapshot gives back the bytes the agent was sent.
    let reproduced = env.ok(&["snapshot", "render", &id]);
    assert_eq!(reproduced.stdout, payload);
    // And the log says who saw it, and how.
    let log = env.ok(&["log", "--kind", "agent_served"]).stdout;
    assert!(
        log.contains(&format!(
            "served snapshot {} to it-client 1.2 via render",
            &id[..8]
        )),
        "{log}"
    );
    let events = env.ok(&["log", "--kind", "agent_served", "--json"]).json();
    let event = &events["events"][0];
    assert_eq!(event["protocol"], "2025-11-25");
    assert_eq!(event["method"], "tools/call");
    assert_eq!(event["client"], "it-client");

    // The same payload again is the same snapshot; a CLI write while the
    // server runs succeeds.
    let again = server.call(
        2,
        "tools/call",
        json!({"name": "render", "arguments": {"packs": ["app"]}}),
    );
    assert_eq!(
        again["result"]["structuredContent"]["snapshot"],
        id.as_str()
    );
    env.write("more.txt", "more\n");
    env.ok(&["pack", "add", "app", "more.txt"]);
    let listed = env.ok(&["snapshot", "list", "--json"]).json();
    assert_eq!(listed["snapshots"].as_array().map(Vec::len), Some(1));

    // Resources and prompts send payloads too, and are recorded.
    let read = server.call(3, "resources/read", json!({"uri": "ctx://pack/app"}));
    let text = read["result"]["contents"][0]["text"]
        .as_str()
        .expect("text");
    assert!(text.contains("more.txt"), "{read}");
    let snap = server.call(
        4,
        "resources/read",
        json!({"uri": format!("ctx://snapshot/{id}")}),
    );
    assert_eq!(snap["result"]["contents"][0]["text"], payload);
    let prompt = server.call(5, "prompts/get", json!({"name": "app"}));
    assert_eq!(prompt["result"]["messages"][0]["role"], "user");
    let served = env.ok(&["log", "--kind", "agent_served", "--json"]).json();
    let vias: Vec<&str> = served["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["via"].as_str().expect("via"))
        .collect();
    assert_eq!(
        vias,
        [
            "prompt app",
            format!("ctx://snapshot/{id}").as_str(),
            "ctx://pack/app",
            "render",
            "render"
        ]
    );
    env.ok(&["fsck"]);

    // A second agent session works beside the first.
    let mut other = Server::start(&env, &[]);
    other.initialize("2025-03-26");
    let both = [&mut server, &mut other].map(|s| {
        s.call(
            9,
            "tools/call",
            json!({"name": "list_packs", "arguments": {}}),
        )
    });
    for reply in both {
        assert!(reply["result"].get("isError").is_none(), "{reply}");
    }
    assert_eq!(other.finish().0, 0);
    assert_eq!(server.finish().0, 0);
}

#[test]
fn a_payload_over_the_limit_is_read_in_line_ranges() {
    let env = Env::new();
    let body: String = (0..400)
        .map(|i| format!("line {i} of a long file\n"))
        .collect();
    env.write("big.txt", &body);
    env.ok(&["pack", "create", "big"]);
    env.ok(&["pack", "add", "big", "big.txt"]);
    let mut server = Server::start(&env, &["--max-response-tokens", "500"]);
    server.initialize("2025-06-18");
    let render = server.call(
        1,
        "tools/call",
        json!({"name": "render", "arguments": {"packs": ["big"]}}),
    );
    let summary = &render["result"]["structuredContent"];
    assert_eq!(summary["complete"], false, "{render}");
    let text = render["result"]["content"][0]["text"]
        .as_str()
        .expect("text");
    assert!(text.contains("snapshot_render"), "{text}");
    assert!(!text.contains("line 399"));
    let id = summary["snapshot"].as_str().expect("id").to_owned();
    let total = summary["payload_lines"].as_u64().expect("lines");

    // Read it all back in ranges that fit, and get the exact payload.
    let mut start = 1;
    let mut whole = String::new();
    for round in 2.. {
        let part = server.call(
            round,
            "tools/call",
            json!({"name": "snapshot_render", "arguments": {"id": id, "start_line": start}}),
        );
        let s = &part["result"]["structuredContent"];
        assert!(s["tokens"].as_u64().expect("tokens") <= 500, "{part}");
        assert_eq!(s["total_lines"], total);
        whole.push_str(part["result"]["content"][0]["text"].as_str().expect("text"));
        match s.get("next_start_line") {
            Some(next) => start = next.as_u64().expect("next"),
            None => break,
        }
    }
    assert_eq!(whole, env.ok(&["snapshot", "render", &id]).stdout);
    assert_eq!(server.finish().0, 0);
}

#[test]
fn errors_are_results_and_the_server_goes_on() {
    let env = project();
    let mut server = Server::start(&env, &[]);
    server.initialize("2025-11-25");
    let missing = server.call(
        1,
        "tools/call",
        json!({"name": "render", "arguments": {"packs": ["nope"]}}),
    );
    assert_eq!(missing["result"]["isError"], true, "{missing}");
    let text = missing["result"]["content"][0]["text"]
        .as_str()
        .expect("text");
    assert!(text.starts_with("error: no pack named `nope`"), "{text}");
    let bad = server.call(
        2,
        "tools/call",
        json!({"name": "render", "arguments": {"packs": "app", "format": 3}}),
    );
    assert_eq!(bad["result"]["isError"], true, "{bad}");
    let unknown = server.call(3, "tools/call", json!({"name": "nope"}));
    assert_eq!(unknown["error"]["code"], -32602);
    let write = server.call(
        4,
        "tools/call",
        json!({"name": "create_pack", "arguments": {"name": "x"}}),
    );
    assert!(
        write["result"]["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("--allow-write")),
        "{write}"
    );
    let method = server.call(5, "completion/complete", json!({}));
    assert_eq!(method["error"]["code"], -32601);
    let resource = server.call(6, "resources/read", json!({"uri": "ctx://pack/nope"}));
    assert_eq!(resource["error"]["code"], -32002, "{resource}");
    let prompt = server.call(7, "prompts/get", json!({"name": "nope"}));
    assert_eq!(prompt["error"]["code"], -32602);
    let cursor = server.call(8, "tools/list", json!({"cursor": "bogus"}));
    assert_eq!(cursor["error"]["code"], -32602);

    // Notifications are never answered; a cancelled request is not either.
    server.send(r#"{"jsonrpc":"2.0","method":"notifications/whatever","params":{}}"#);
    server.assert_silent();
    server
        .send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}"#);
    server.send(r#"{"jsonrpc":"2.0","id":99,"method":"ping"}"#);
    server.send(r#"{"jsonrpc":"2.0","id":100,"method":"ping"}"#);
    assert_eq!(server.recv()["id"], 100);
    // A batch gets an array of the answers to its requests.
    server.send(
        r#"[{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]"#,
    );
    assert_eq!(
        server.recv(),
        json!([{"jsonrpc": "2.0", "id": "a", "result": {}}])
    );
    assert_eq!(server.finish().0, 0);
}

#[test]
fn write_tools_exist_only_when_allowed() {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    let mut server = Server::start(&env, &["--allow-write"]);
    server.initialize("2025-11-25");
    let tools = server.call(1, "tools/list", json!({}));
    assert_eq!(tools["result"]["tools"].as_array().map(Vec::len), Some(10));
    let created = server.call(
        2,
        "tools/call",
        json!({"name": "create_pack", "arguments": {"name": "w", "tokens": 100}}),
    );
    assert_eq!(
        created["result"]["structuredContent"]["pack"]["name"], "w",
        "{created}"
    );
    let added = server.call(
        3,
        "tools/call",
        json!({"name": "add_artifact", "arguments": {"pack": "w", "source": "a.txt"}}),
    );
    let id = added["result"]["structuredContent"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let removed = server.call(
        4,
        "tools/call",
        json!({"name": "remove_artifact", "arguments": {"pack": "w", "artifact": id}}),
    );
    assert_eq!(
        removed["result"]["structuredContent"]["spec"], "a.txt",
        "{removed}"
    );
    assert_eq!(server.finish().0, 0);
    let log = env.ok(&["log"]).stdout;
    assert!(log.contains("removed a.txt"), "{log}");
}

#[test]
fn malformed_lines_never_stop_the_server_or_reach_stdout_unframed() {
    let env = project();
    let mut server = Server::start(&env, &[]);
    // A fixed-seed generator of hostile lines: broken JSON, wrong types,
    // huge ids, unknown methods, notifications with odd params, requests
    // before initialize.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"jsonrpc\":\"2.0\"",
        "\"id\":",
        "1",
        "-1",
        "1e400",
        "18446744073709551616",
        "\"x\"",
        "null",
        "true",
        ",",
        ":",
        "\"method\":",
        "\"tools/call\"",
        "\"ping\"",
        "\"initialize\"",
        "\"params\":",
        "{\"name\":\"render\"}",
        "\"\\u0000\"",
        "\u{feff}",
        "\"notifications/cancelled\"",
        "\"resources/read\"",
    ];
    let mut expected = 0;
    for i in 0..1000u64 {
        let line = match i % 4 {
            // Random concatenations: mostly invalid JSON.
            0 | 1 => (0..(next() % 12))
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect::<String>(),
            // Valid requests with hostile params.
            2 => {
                let methods = ["tools/call", "resources/read", "prompts/get", "nope", "tools/list"];
                let method = methods[(next() % 5) as usize];
                let name = ["render", "log", "x"][(next() % 3) as usize];
                json!({
                "jsonrpc": "2.0",
                "id": i,
                "method": method,
                "params": {"name": name,
                           "arguments": {"packs": [next().to_string()], "limit": -1},
                           "uri": "ctx://pack/../../etc", "cursor": 7},
            })
            .to_string()
            }
            // Notifications, never answered.
            _ => json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": {}}})
                .to_string(),
        };
        if line.trim().is_empty() {
            continue;
        }
        server.send(&line);
        // Count what must be answered: anything but a notification or a
        // response, i.e. everything not of the last kind.
        if i % 4 != 3 {
            expected += 1;
        }
    }
    // Every answered line is one JSON-RPC message (or a batch of them).
    server.send(r#"{"jsonrpc":"2.0","id":"end","method":"ping"}"#);
    let mut answered = 0;
    loop {
        let reply = server.recv();
        if reply["id"] == "end" {
            break;
        }
        let messages = match &reply {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for m in messages {
            assert_eq!(m["jsonrpc"], "2.0", "{m}");
            assert!(m.get("result").is_some() != m.get("error").is_some(), "{m}");
        }
        answered += 1;
    }
    // Random lines that parse as notifications or responses get no answer.
    assert!(
        answered <= expected && answered >= expected / 2,
        "{answered} of {expected}"
    );
    let (code, _) = server.finish();
    assert_eq!(code, 0);
}

#[test]
fn an_agent_in_a_long_session_is_sent_only_what_changed() {
    let env = project();
    let mut server = Server::start(&env, &[]);
    server.initialize("2025-11-25");
    let first = server.call(
        1,
        "tools/call",
        json!({"name": "render", "arguments": {"packs": ["app"]}}),
    );
    let id = first["result"]["structuredContent"]["snapshot"]
        .as_str()
        .expect("id")
        .to_owned();
    env.write("src/lib.rs", "pub fn answer() -> u32 {\n    43\n}\n");
    let delta = server.call(
        2,
        "tools/call",
        json!({"name": "render", "arguments": {"packs": ["app"], "since": id}}),
    );
    let summary = &delta["result"]["structuredContent"];
    assert_eq!(
        summary["items"].as_array().map(Vec::len),
        Some(1),
        "{delta}"
    );
    assert_eq!(summary["since"]["unchanged"], json!(["notes.md"]));
    let payload = delta["result"]["content"][0]["text"]
        .as_str()
        .expect("text");
    assert!(
        payload.contains("43") && !payload.contains("# Notes"),
        "{payload}"
    );
    // What was sent is itself a snapshot that reproduces it.
    let sent = summary["snapshot"].as_str().expect("id");
    assert_eq!(env.ok(&["snapshot", "render", sent]).stdout, payload);
    assert_eq!(server.finish().0, 0);
}

#[test]
fn a_snapshot_taken_without_redaction_is_never_sent_to_an_agent() {
    let env = project();
    let raw = env
        .ok(&["snapshot", "create", "app", "--no-redact", "--json"])
        .json();
    let raw = raw["id"].as_str().expect("id").to_owned();
    let mut server = Server::start(&env, &[]);
    server.initialize("2025-11-25");
    let read = server.call(
        1,
        "tools/call",
        json!({"name": "snapshot_render", "arguments": {"id": raw}}),
    );
    assert_eq!(read["result"]["isError"], true, "{read}");
    assert!(!read.to_string().contains("sk_live_"), "{read}");
    let resource = server.call(
        2,
        "resources/read",
        json!({"uri": format!("ctx://snapshot/{raw}")}),
    );
    assert!(resource.get("error").is_some(), "{resource}");
    assert!(!resource.to_string().contains("sk_live_"));
    // A diff against it shows no secret either.
    env.write(
        "notes.md",
        "# Notes\n\napi_key = \"sk_live_51HqLyjWDarjtT1zdp7dcXYZabd\"\n",
    );
    let diff = server.call(
        3,
        "tools/call",
        json!({"name": "snapshot_diff", "arguments": {"a": raw, "b": "app", "content": true}}),
    );
    assert!(diff["result"].get("isError").is_none(), "{diff}");
    assert!(!diff.to_string().contains("sk_live_"), "{diff}");
    assert!(env.ok(&["log", "--kind", "agent_served"]).stdout.is_empty());
    assert_eq!(server.finish().0, 0);
}

#[test]
fn the_server_takes_its_defaults_from_the_config() {
    let env = project();
    env.write(
        "ctx.toml",
        "[defaults]\nformat = \"xml\"\nbudget = 3000\nmax_file_bytes = 10\n",
    );
    let mut server = Server::start(&env, &["--allow-write"]);
    server.initialize("2025-11-25");
    let rendered = server.call(
        1,
        "tools/call",
        json!({"name": "render", "arguments": {"packs": ["app"]}}),
    );
    let text = rendered["result"]["content"][0]["text"]
        .as_str()
        .expect("text");
    assert!(text.starts_with("<"), "the configured format: {text}");
    let resource = server.call(2, "resources/read", json!({"uri": "ctx://pack/app"}));
    assert_eq!(
        resource["result"]["contents"][0]["mimeType"], "application/xml",
        "{resource}"
    );
    let created = server.call(
        3,
        "tools/call",
        json!({"name": "create_pack", "arguments": {"name": "w"}}),
    );
    assert_eq!(
        created["result"]["structuredContent"]["pack"]["budget"], 3000,
        "{created}"
    );
    // The configured largest file: `src/lib.rs` is over 10 bytes.
    let added = server.call(
        4,
        "tools/call",
        json!({"name": "add_artifact", "arguments": {"pack": "w", "source": "src/lib.rs"}}),
    );
    assert_eq!(added["result"]["isError"], true, "{added}");
    assert_eq!(server.finish().0, 0);
}
