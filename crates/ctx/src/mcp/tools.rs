//! The tools: what they take (a JSON Schema a model can act on), what they
//! return (the serde form of the engine's outcome, the same as `--json`),
//! and how a call runs. A payload goes to the model once, as text; its
//! summary is the structured result. Tools that change packs exist only
//! when the server was started with `--allow-write`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use ctx_engine::{AddArtifact, CreatePack, LogQuery, RenderOptions, Rendered};
use ctx_model::{EventSeq, Fit, Format, SnapshotId, TokenizerKind};

use crate::error::CliError;

use super::page::page;
use super::protocol::RpcError;
use super::session::{Cache, Request, Session};

/// Events a `log` call returns when it does not say.
const LOG_LIMIT: usize = 50;
/// The most a `log` call returns.
const LOG_MAX: usize = 500;

/// One tool's definition.
struct Tool {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    input: Value,
    output: Value,
    /// Changes packs: offered only with `--allow-write`.
    writes: bool,
    destructive: bool,
    idempotent: bool,
}

/// An object schema with these properties, of which `required` must be
/// given, and no others.
fn object(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// An output schema: an object with at least these properties.
fn output(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

fn all_tools() -> Vec<Tool> {
    let pack = json!({"type": "string", "description": "A pack's name, as list_packs gives it."});
    let snapshot = json!({"type": "string", "description": "A snapshot id (16 hex digits) or a unique prefix of it."});
    vec![
        Tool {
            name: "list_packs",
            title: "List packs",
            description: "Lists every pack with its budget, tokenizer, artifact count and token total.",
            input: object(json!({}), &[]),
            output: output(json!({"packs": {"type": "array"}}), &["packs"]),
            writes: false,
            destructive: false,
            idempotent: true,
        },
        Tool {
            name: "show_pack",
            title: "Show a pack",
            description: "Shows a pack's artifacts in render order (spec, priority, tokens), as it is or as it was right after event `at` of the log.",
            input: object(
                json!({
                    "pack": pack,
                    "at": {"type": "integer", "minimum": 1, "description": "An event number from the log: show the pack as it was right after it."},
                }),
                &["pack"],
            ),
            output: output(
                json!({
                    "name": {"type": "string"},
                    "budget": {"type": "integer"},
                    "tokens": {"type": "integer"},
                    "artifacts": {"type": "array", "description": "The artifacts in render order."},
                    "artifact_count": {"type": "integer"},
                    "items": {"type": "array", "description": "The artifacts again, under their former key, kept for one release."},
                }),
                &["name", "budget", "artifacts", "artifact_count", "items"],
            ),
            writes: false,
            destructive: false,
            idempotent: true,
        },
        Tool {
            name: "render",
            title: "Render packs",
            description: "Renders packs into one payload that fits the token budget and returns it as text, with a summary of what went in and what was left out and why. The payload is stored as a snapshot whose id the summary gives; a payload over the server's response limit is not sent whole, and is read with snapshot_render in line ranges instead. Secrets are always redacted.",
            input: object(
                json!({
                    "packs": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "The packs to render, in order."},
                    "tokens": {"type": "integer", "minimum": 0, "description": "A budget in tokens for this render, instead of the packs' own."},
                    "format": {"type": "string", "enum": ["markdown", "xml", "plain", "json"], "description": "The payload's format (default: the server's configured format, markdown unless set)."},
                    "tokenizer": {"type": "string", "enum": ["o200k", "cl100k"], "description": "The tokenizer that counts the budget (default: the first pack's)."},
                    "frozen": {"type": "boolean", "description": "Use only the content captured when each artifact was added; read no file."},
                    "since": {"type": "string", "description": "A snapshot id you were given before (a render's `snapshot`): send only the items added or changed since, and list the unchanged and removed ones by path."},
                    "fit": {"type": "string", "enum": ["drop", "degrade"], "description": "Over budget, leave whole items out (drop), or show every item by its path first and then upgrade items to outlines and whole text in priority order (degrade). Default: the first pack's policy."},
                    "tree": {"type": "boolean", "description": "Put a directory tree of the items at the top of the payload."},
                    "line_numbers": {"type": "boolean", "description": "Prefix each line with its line number in the source file."},
                }),
                &["packs"],
            ),
            output: output(
                json!({
                    "snapshot": {"type": "string", "description": "The snapshot that reproduces this payload."},
                    "render_hash": {"type": "string"},
                    "tokens": {"type": "integer"},
                    "budget": {"type": "integer"},
                    "complete": {"type": "boolean", "description": "Whether the payload is in this result; if not, read it with snapshot_render."},
                    "payload_lines": {"type": "integer"},
                    "items": {"type": "array"},
                    "excluded": {"type": "array"},
                }),
                &[
                    "snapshot",
                    "render_hash",
                    "tokens",
                    "budget",
                    "complete",
                    "payload_lines",
                ],
            ),
            writes: false,
            destructive: false,
            idempotent: true,
        },
        Tool {
            name: "snapshot_list",
            title: "List snapshots",
            description: "Lists snapshots, newest first: id, time, packs, tokens, items and label. Every payload this server sent is one.",
            input: object(
                json!({"pack": {"type": "string", "description": "Only this pack's snapshots."}}),
                &[],
            ),
            output: output(json!({"snapshots": {"type": "array"}}), &["snapshots"]),
            writes: false,
            destructive: false,
            idempotent: true,
        },
        Tool {
            name: "snapshot_render",
            title: "Read a snapshot",
            description: "Returns a snapshot's payload exactly as it was rendered, or the lines start_line to end_line of it (1-based, inclusive). A range over the server's response limit is cut short; the result says where to go on.",
            input: object(
                json!({
                    "id": snapshot,
                    "start_line": {"type": "integer", "minimum": 1, "description": "The first line to return (default 1)."},
                    "end_line": {"type": "integer", "minimum": 1, "description": "The last line to return (default: the last)."},
                }),
                &["id"],
            ),
            output: output(
                json!({
                    "id": {"type": "string"},
                    "total_lines": {"type": "integer"},
                    "start_line": {"type": "integer"},
                    "end_line": {"type": "integer"},
                    "tokens": {"type": "integer", "description": "Tokens in the text returned."},
                    "next_start_line": {"type": "integer", "description": "Where the rest of the range begins, when it was cut short."},
                }),
                &["id", "total_lines", "start_line", "end_line", "tokens"],
            ),
            writes: false,
            destructive: false,
            idempotent: true,
        },
        Tool {
            name: "snapshot_diff",
            title: "Compare snapshots",
            description: "Compares two snapshots (or a snapshot and a pack's live render, given as the pack's name): items added, removed and changed, with token deltas.",
            input: object(
                json!({
                    "a": {"type": "string", "description": "A snapshot id or a pack name."},
                    "b": {"type": "string", "description": "A snapshot id or a pack name."},
                    "content": {"type": "boolean", "description": "Also give a unified diff of each changed item."},
                }),
                &["a", "b"],
            ),
            output: output(
                json!({
                    "added": {"type": "array"},
                    "removed": {"type": "array"},
                    "changed": {"type": "array"},
                    "newly_excluded": {"type": "array"},
                    "tokens_delta": {"type": "integer"},
                }),
                &["added", "removed", "changed", "tokens_delta"],
            ),
            writes: false,
            destructive: false,
            idempotent: true,
        },
        Tool {
            name: "log",
            title: "Read the history",
            description: "The history of changes to packs, newest first, including each payload sent to an agent. Pass the result's `next` as `before` for older events.",
            input: object(
                json!({
                    "pack": {"type": "string", "description": "Only this pack's events."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": LOG_MAX, "description": "How many events (default 50)."},
                    "before": {"type": "integer", "minimum": 1, "description": "Only events before this event number."},
                }),
                &[],
            ),
            output: output(json!({"events": {"type": "array"}}), &["events"]),
            writes: false,
            destructive: false,
            idempotent: true,
        },
        Tool {
            name: "create_pack",
            title: "Create a pack",
            description: "Creates an empty pack whose paths are relative to the server's folder.",
            input: object(
                json!({
                    "name": {"type": "string", "description": "1-64 of A-Z a-z 0-9 . _ -, not starting with -."},
                    "tokens": {"type": "integer", "minimum": 0, "description": "The token budget (default: the server's configured budget, 128000 unless set)."},
                    "tokenizer": {"type": "string", "enum": ["o200k", "cl100k"]},
                }),
                &["name"],
            ),
            output: output(json!({}), &[]),
            writes: true,
            destructive: false,
            idempotent: false,
        },
        Tool {
            name: "add_artifact",
            title: "Add to a pack",
            description: "Adds a source to a pack: PATH, PATH#L10-L20, DIR/ (a folder's text files), text:NOTE, glob:PATTERN, md_dir:DIR or git:diff. Paths are relative to the server's folder and must lie under the pack's root.",
            input: object(
                json!({
                    "pack": pack,
                    "source": {"type": "string", "description": "What to add."},
                    "priority": {"type": "integer", "description": "Higher renders first and is dropped last (default 0)."},
                }),
                &["pack", "source"],
            ),
            output: output(json!({}), &[]),
            writes: true,
            destructive: false,
            idempotent: true,
        },
        Tool {
            name: "remove_artifact",
            title: "Remove from a pack",
            description: "Removes an artifact from a pack, by its id, a unique prefix of the id, or its exact spec. The log keeps it; undo brings it back.",
            input: object(
                json!({
                    "pack": pack,
                    "artifact": {"type": "string", "description": "The artifact's id, id prefix or exact spec."},
                }),
                &["pack", "artifact"],
            ),
            output: output(json!({}), &[]),
            writes: true,
            destructive: true,
            idempotent: false,
        },
    ]
}

/// The tools a session offers.
fn offered(session: &Session) -> Vec<Tool> {
    all_tools()
        .into_iter()
        .filter(|t| session.allow_write || !t.writes)
        .collect()
}

/// A tool as this revision describes tools.
fn describe(tool: &Tool, req: &Request) -> Value {
    let mut value = json!({
        "name": tool.name,
        "description": tool.description,
        "inputSchema": tool.input,
    });
    if req.revision.has_annotations() {
        value["annotations"] = json!({
            "title": tool.title,
            "readOnlyHint": !tool.writes,
            "destructiveHint": tool.destructive,
            "idempotentHint": tool.idempotent,
            "openWorldHint": false,
        });
    }
    if req.revision.has_structured() {
        value["title"] = json!(tool.title);
        value["outputSchema"] = tool.output.clone();
    }
    value
}

/// `tools/list`.
pub fn list(session: &Session, req: &Request) -> Result<Vec<u8>, RpcError> {
    let (tools, next) = page(req, offered(session), |t| t.name)?;
    let mut result = json!({"tools": tools.iter().map(|t| describe(t, req)).collect::<Vec<_>>()});
    if let Some(next) = next {
        result["nextCursor"] = json!(next);
    }
    Ok(req.finish(result, Some(Cache::Static)))
}

/// A tool's result: text blocks for the model, and the structured result
/// where this revision has one.
fn result(req: &Request, texts: Vec<String>, structured: Option<Value>, is_error: bool) -> Value {
    let content: Vec<Value> = texts
        .into_iter()
        .map(|text| json!({"type": "text", "text": text}))
        .collect();
    let mut value = json!({"content": content});
    if let Some(structured) = structured
        && req.revision.has_structured()
    {
        value["structuredContent"] = structured;
    }
    if is_error {
        value["isError"] = json!(true);
    }
    value
}

/// A structured outcome, sent as JSON text and as the structured result.
fn outcome(req: &Request, value: &impl serde::Serialize) -> Vec<u8> {
    let value = serde_json::to_value(value).expect("BUG: outcomes serialize");
    let text = value.to_string();
    req.finish(result(req, vec![text], Some(value), false), None)
}

/// A failed call, told to the model in the words the CLI would print.
fn failure(req: &Request, message: String) -> Vec<u8> {
    req.finish(result(req, vec![message], None, true), None)
}

/// Why a call failed: a problem the model can act on.
struct Failed(String);

impl From<CliError> for Failed {
    fn from(e: CliError) -> Self {
        Self(e.render().trim_end().to_owned())
    }
}

impl From<ctx_engine::EngineError> for Failed {
    fn from(e: ctx_engine::EngineError) -> Self {
        CliError::from(e).into()
    }
}

/// A call's arguments as `T`, or the problem with them.
fn arguments<T: DeserializeOwned>(args: &Value) -> Result<T, Failed> {
    serde_json::from_value(args.clone()).map_err(|e| Failed(format!("invalid arguments: {e}")))
}

/// `tools/call`.
pub fn call(session: &Session, req: &Request) -> Result<Vec<u8>, RpcError> {
    let name = req
        .str_param("name")?
        .ok_or_else(|| RpcError::invalid_params("`name` is required"))?;
    let args = match req.params.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(RpcError::invalid_params("`arguments` must be an object")),
    };
    let Some(tool) = all_tools().into_iter().find(|t| t.name == name) else {
        return Err(RpcError::invalid_params(format!("Unknown tool: {name}")));
    };
    if tool.writes && !session.allow_write {
        return Ok(failure(
            req,
            format!(
                "error: `{name}` changes packs, and this server is read-only\nhint: start it as `ctx mcp --allow-write` to allow it"
            ),
        ));
    }
    let done = match name {
        "list_packs" => list_packs(session, req),
        "show_pack" => arguments(&args).and_then(|a| show_pack(session, req, a)),
        "render" => arguments(&args).and_then(|a| render(session, req, a)),
        "snapshot_list" => arguments(&args).and_then(|a| snapshot_list(session, req, a)),
        "snapshot_render" => arguments(&args).and_then(|a| snapshot_render(session, req, a)),
        "snapshot_diff" => arguments(&args).and_then(|a| snapshot_diff(session, req, a)),
        "log" => arguments(&args).and_then(|a| log(session, req, a)),
        "create_pack" => arguments(&args).and_then(|a| create_pack(session, req, a)),
        "add_artifact" => arguments(&args).and_then(|a| add_artifact(session, req, a)),
        "remove_artifact" => arguments(&args).and_then(|a| remove_artifact(session, req, a)),
        _ => unreachable!("BUG: every tool is dispatched"),
    };
    Ok(done.unwrap_or_else(|Failed(message)| failure(req, message)))
}

fn list_packs(session: &Session, req: &Request) -> Result<Vec<u8>, Failed> {
    Ok(outcome(req, &session.engine()?.list_packs()?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShowArgs {
    pack: String,
    at: Option<u64>,
}

fn show_pack(session: &Session, req: &Request, a: ShowArgs) -> Result<Vec<u8>, Failed> {
    let shown = session.engine()?.show_pack(&a.pack, a.at.map(EventSeq))?;
    Ok(outcome(req, &shown))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderArgs {
    packs: Vec<String>,
    tokens: Option<u64>,
    format: Option<Format>,
    tokenizer: Option<TokenizerKind>,
    #[serde(default)]
    frozen: bool,
    since: Option<String>,
    fit: Option<Fit>,
    #[serde(default)]
    tree: bool,
    #[serde(default)]
    line_numbers: bool,
}

fn render(session: &Session, req: &Request, a: RenderArgs) -> Result<Vec<u8>, Failed> {
    if a.packs.is_empty() {
        return Err(Failed("invalid arguments: `packs` names no pack".into()));
    }
    let options = RenderOptions {
        format: a.format.unwrap_or(session.config().format.value),
        budget: a.tokens,
        tokenizer: a.tokenizer,
        frozen: a.frozen,
        // An agent is never sent a secret.
        redact: true,
        strict: false,
        at: None,
        since: a.since,
        fit: a.fit,
        tree: a.tree,
        line_numbers: a.line_numbers,
    };
    let limit = session.max_response_tokens;
    let served = session
        .engine()?
        .serve_render(&a.packs, &options, req.agent("render"), |rendered, id| {
            let complete = rendered.tokens <= limit;
            let summary = summary(rendered, id, complete);
            let first = if complete {
                rendered.payload()
            } else {
                format!(
                    "The payload is {} tokens, over this server's limit of {limit} tokens per response, so it was not sent. It is stored as snapshot {id}: read it with snapshot_render {{\"id\": \"{id}\", \"start_line\": 1, \"end_line\": ...}}; it has {} lines.",
                    rendered.tokens, summary["payload_lines"]
                )
            };
            req.deliver(result(req, vec![first, summary.to_string()], Some(summary), false), None)
        })?;
    Ok(served.bytes.unwrap_or_default())
}

/// A render's account without its payload: what went in and what was left
/// out and why, the snapshot that holds it, and whether it was sent.
fn summary(rendered: &Rendered, id: SnapshotId, complete: bool) -> Value {
    let mut value = serde_json::to_value(rendered).expect("BUG: outcomes serialize");
    if let Value::Object(obj) = &mut value {
        obj.remove("cache");
        obj.insert("snapshot".into(), json!(id.to_string()));
        obj.insert("complete".into(), json!(complete));
        obj.insert("payload_lines".into(), json!(line_count(rendered)));
    }
    value
}

/// How many lines the payload has, as `snapshot_render` numbers them: a
/// last line without a newline counts.
fn line_count(rendered: &Rendered) -> usize {
    let newlines: usize = rendered.pieces().map(|p| p.matches('\n').count()).sum();
    let open_end = rendered.pieces().last().is_some_and(|p| !p.ends_with('\n'));
    newlines + usize::from(open_end)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotListArgs {
    pack: Option<String>,
}

fn snapshot_list(session: &Session, req: &Request, a: SnapshotListArgs) -> Result<Vec<u8>, Failed> {
    Ok(outcome(
        req,
        &session.engine()?.list_snapshots(a.pack.as_deref())?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotRenderArgs {
    id: String,
    start_line: Option<usize>,
    end_line: Option<usize>,
}

fn snapshot_render(
    session: &Session,
    req: &Request,
    a: SnapshotRenderArgs,
) -> Result<Vec<u8>, Failed> {
    let start = a.start_line.unwrap_or(1);
    if start == 0 || a.end_line == Some(0) {
        return Err(Failed(
            "invalid arguments: lines are numbered from 1".into(),
        ));
    }
    if a.end_line.is_some_and(|end| end < start) {
        return Err(Failed(
            "invalid arguments: `end_line` is before `start_line`".into(),
        ));
    }
    let limit = session.max_response_tokens;
    let served =
        session
            .engine()?
            .serve_snapshot(&a.id, req.agent("snapshot_render"), |reproduced| {
                let payload = reproduced.payload();
                let lines: Vec<&str> = payload.split_inclusive('\n').collect();
                let total = lines.len();
                let end = a.end_line.unwrap_or(total).min(total);
                let (text, last, tokens) = if start > total {
                    (String::new(), start - 1, 0)
                } else {
                    fit(&lines[start - 1..end], reproduced.tokenizer(), limit, start)
                };
                let mut structured = json!({
                    "id": reproduced.id.to_string(),
                    "total_lines": total,
                    "start_line": start,
                    "end_line": last,
                    "tokens": tokens,
                });
                if last < end {
                    structured["next_start_line"] = json!(last + 1);
                }
                req.deliver(
                    result(
                        req,
                        vec![text, structured.to_string()],
                        Some(structured),
                        false,
                    ),
                    None,
                )
            })?;
    Ok(served.bytes.unwrap_or_default())
}

/// The longest run of `lines` from the first that fits in `limit` tokens
/// (at least one line, which may not fit), the number of its last line
/// when the first is line `first`, and its count.
fn fit(lines: &[&str], kind: TokenizerKind, limit: u64, first: usize) -> (String, usize, u32) {
    let count = |text: &str| ctx_engine::tokenize::count(kind, text);
    let whole: String = lines.concat();
    let tokens = count(&whole);
    if u64::from(tokens) <= limit {
        return (whole, first + lines.len() - 1, tokens);
    }
    // Lines counted apart add up to about the count of the text they
    // make: take as many as that allows, then check the exact count.
    let mut taken = 0;
    let mut sum = 0u64;
    for line in lines {
        let n = u64::from(count(line));
        if taken > 0 && sum + n > limit {
            break;
        }
        sum += n;
        taken += 1;
    }
    loop {
        let text: String = lines[..taken].concat();
        let tokens = count(&text);
        if taken == 1 || u64::from(tokens) <= limit {
            return (text, first + taken - 1, tokens);
        }
        taken -= (taken / 20).max(1);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffArgs {
    a: String,
    b: String,
    #[serde(default)]
    content: bool,
}

fn snapshot_diff(session: &Session, req: &Request, a: DiffArgs) -> Result<Vec<u8>, Failed> {
    let mut diff = session.engine()?.diff(&a.a, &a.b, a.content)?;
    // A snapshot taken with --no-redact holds secrets as read: an agent is
    // never sent one, so the diff lines are redacted here.
    for changed in &mut diff.changed {
        if let Some(text) = &mut changed.diff
            && let std::borrow::Cow::Owned(clean) = ctx_redact::redact(text).0
        {
            *text = clean;
        }
    }
    Ok(outcome(req, &diff))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogArgs {
    pack: Option<String>,
    limit: Option<usize>,
    before: Option<u64>,
}

fn log(session: &Session, req: &Request, a: LogArgs) -> Result<Vec<u8>, Failed> {
    let engine = session.engine()?;
    let query = LogQuery {
        pack: a.pack.as_deref().map(|p| engine.pack_id(p)).transpose()?,
        since: None,
        until: None,
        kinds: Vec::new(),
    };
    let limit = a.limit.unwrap_or(LOG_LIMIT).clamp(1, LOG_MAX);
    let page = engine.log(&query, a.before.map(EventSeq), limit)?;
    Ok(outcome(req, &page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateArgs {
    name: String,
    tokens: Option<u64>,
    tokenizer: Option<TokenizerKind>,
}

fn create_pack(session: &Session, req: &Request, a: CreateArgs) -> Result<Vec<u8>, Failed> {
    let created = session.engine()?.create_pack(&CreatePack {
        name: a.name,
        root: session.cwd().to_owned(),
        budget: a.tokens.unwrap_or(session.config().budget.value),
        tokenizer: a.tokenizer.unwrap_or(session.config().tokenizer.value),
    })?;
    Ok(outcome(req, &created))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddArgs {
    pack: String,
    source: String,
    #[serde(default)]
    priority: i32,
}

fn add_artifact(session: &Session, req: &Request, a: AddArgs) -> Result<Vec<u8>, Failed> {
    let added = session.engine()?.add(&AddArtifact {
        pack: a.pack,
        source: a.source,
        cwd: session.cwd().to_owned(),
        priority: a.priority,
        options: session.config().add_options(),
        store_redacted: false,
    })?;
    Ok(outcome(req, &added))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoveArgs {
    pack: String,
    artifact: String,
}

fn remove_artifact(session: &Session, req: &Request, a: RemoveArgs) -> Result<Vec<u8>, Failed> {
    Ok(outcome(
        req,
        &session.engine()?.remove(&a.pack, &a.artifact)?,
    ))
}
