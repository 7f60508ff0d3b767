//! One client connection: the revision `initialize` agreed (for the
//! handshake era), and the routing of each request to the method that
//! answers it, shaped for the revision it is served in.

use serde_json::{Map, Value, json};

use ctx_engine::Engine;
use ctx_model::AgentRequest;

use crate::cli::McpArgs;
use crate::error::CliError;
use crate::invocation::Invocation;

use super::protocol::{
    META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_PROTOCOL_VERSION, META_SERVER_INFO, Revision,
    RpcError, code, error_line, result_line,
};
use super::{prompts, resources, tools};

/// What the server tells a client about itself.
const INSTRUCTIONS: &str = "ctx serves packs: named, token-budgeted sets of files, line ranges, notes, globs, folders and git diffs. Call list_packs to see them, render to get a pack's payload within its budget, and snapshot_render to read a stored payload again (in line ranges when it is large). Every payload sent is stored as a snapshot, so it can be reproduced exactly later.";

/// How long a client may cache what does not change while the binary
/// runs (the tool list, the templates, discovery).
const STATIC_TTL_MS: u64 = 300_000;

/// Whether and how a list or read result may be cached (2026-07-28).
#[derive(Clone, Copy, Debug)]
pub enum Cache {
    /// The same for everyone, for a while.
    Static,
    /// Depends on this machine's store: stale at once.
    Store,
}

/// A client's name and version, as it gave them.
#[derive(Clone, Debug)]
pub struct Client {
    pub name: String,
    pub version: String,
}

impl Client {
    fn unknown() -> Self {
        Self {
            name: "unknown".into(),
            version: "unknown".into(),
        }
    }

    /// From an `Implementation` object (`clientInfo`).
    fn from_info(info: Option<&Value>) -> Self {
        let field = |key: &str| {
            info.and_then(|i| i.get(key))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(128).collect::<String>())
        };
        Self {
            name: field("name").unwrap_or_else(|| "unknown".into()),
            version: field("version").unwrap_or_else(|| "unknown".into()),
        }
    }
}

/// One request being answered.
pub struct Request<'a> {
    pub id: &'a Value,
    pub method: &'a str,
    pub revision: Revision,
    pub client: Client,
    pub params: Map<String, Value>,
    /// Whether the client has cancelled it by now.
    pub cancelled: &'a dyn Fn() -> bool,
}

impl Request<'_> {
    /// The provenance record of a payload sent through `via`.
    pub fn agent(&self, via: impl Into<String>) -> AgentRequest {
        AgentRequest {
            client: self.client.name.clone(),
            client_version: self.client.version.clone(),
            protocol: self.revision.as_str().into(),
            method: self.method.into(),
            via: via.into(),
        }
    }

    /// The response line for `result`, with what this revision requires
    /// of every result (and of cacheable ones).
    pub fn finish(&self, mut result: Value, cache: Option<Cache>) -> Vec<u8> {
        if self.revision.is_modern()
            && let Value::Object(obj) = &mut result
        {
            obj.insert("resultType".into(), json!("complete"));
            obj.insert("_meta".into(), json!({ META_SERVER_INFO: server_info() }));
            if let Some(cache) = cache {
                let (ttl, scope) = match cache {
                    Cache::Static => (STATIC_TTL_MS, "public"),
                    Cache::Store => (0, "private"),
                };
                obj.insert("ttlMs".into(), json!(ttl));
                obj.insert("cacheScope".into(), json!(scope));
            }
        }
        result_line(self.id, result)
    }

    /// [`Request::finish`], unless the client cancelled the request: a
    /// payload withdrawn before it is recorded is not logged as served.
    pub fn deliver(&self, result: Value, cache: Option<Cache>) -> Option<Vec<u8>> {
        (!(self.cancelled)()).then(|| self.finish(result, cache))
    }

    /// A string parameter.
    pub fn str_param(&self, key: &str) -> Result<Option<&str>, RpcError> {
        match self.params.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(RpcError::invalid_params(format!(
                "`{key}` must be a string"
            ))),
        }
    }
}

/// What the server says about itself.
pub fn server_info() -> Value {
    json!({"name": "ctx", "version": env!("CARGO_PKG_VERSION")})
}

/// The capabilities this server implements, in every revision: no list
/// changes, subscriptions, logging or completions.
fn capabilities() -> Value {
    json!({"tools": {}, "resources": {}, "prompts": {}})
}

/// One client connection's state and settings.
pub struct Session<'a> {
    inv: &'a Invocation,
    pub allow_write: bool,
    pub max_response_tokens: u64,
    /// The handshake revision agreed by `initialize`.
    negotiated: Option<Revision>,
    /// The client `initialize` named.
    client: Client,
}

impl<'a> Session<'a> {
    pub fn new(inv: &'a Invocation, args: &McpArgs) -> Self {
        Self {
            inv,
            allow_write: args.allow_write,
            max_response_tokens: args.max_response_tokens,
            negotiated: None,
            client: Client::unknown(),
        }
    }

    /// The engine, stamping events with the time of this request.
    pub fn engine(&self) -> Result<Engine, CliError> {
        self.inv.engine_now()
    }

    /// The settings in effect where the server was started: the defaults
    /// of what a request leaves out.
    pub fn config(&self) -> &ctx_engine::config::Config {
        &self.inv.config
    }

    /// The folder a pack created or an artifact added resolves paths in.
    pub fn cwd(&self) -> &std::path::Path {
        &self.inv.cwd
    }

    /// A notification: only the client's word that it is initialized, or
    /// a cancellation (handled as it was read); nothing is answered.
    pub fn notification(&mut self, _method: &str, _params: &Map<String, Value>) {}

    /// The response line to a request. A panic while answering is a bug in
    /// ctx; it is reported as an internal error and the server goes on.
    pub fn request(
        &mut self,
        id: &Value,
        method: &str,
        params: Map<String, Value>,
        cancelled: &dyn Fn() -> bool,
    ) -> Vec<u8> {
        let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.route(id, method, params, cancelled)
        }));
        match answered {
            Ok(Ok(line)) => line,
            Ok(Err(error)) => error_line(id, &error),
            Err(_) => error_line(
                id,
                &RpcError::new(
                    code::INTERNAL_ERROR,
                    "Internal error: see the server's stderr",
                ),
            ),
        }
    }

    fn route(
        &mut self,
        id: &Value,
        method: &str,
        params: Map<String, Value>,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Vec<u8>, RpcError> {
        if method == "initialize" {
            return Ok(self.initialize(id, &params));
        }
        let meta = params.get("_meta").and_then(Value::as_object);
        let enveloped = meta.is_some_and(|m| {
            m.contains_key(META_PROTOCOL_VERSION) || m.contains_key(META_CLIENT_CAPABILITIES)
        });
        let (revision, client) = if enveloped {
            modern(meta)?
        } else if method == "server/discover" {
            return Err(RpcError::invalid_params(format!(
                "params._meta is missing the required envelope keys: {META_PROTOCOL_VERSION}, {META_CLIENT_CAPABILITIES}"
            )));
        } else {
            // Before `initialize`, served in the newest handshake revision.
            (
                self.negotiated.unwrap_or(Revision::LATEST_HANDSHAKE),
                self.client.clone(),
            )
        };
        let req = Request {
            id,
            method,
            revision,
            client,
            params,
            cancelled,
        };
        match method {
            "ping" if !revision.is_modern() => Ok(req.finish(json!({}), None)),
            "server/discover" => Ok(req.finish(
                json!({
                    "supportedVersions": Revision::MODERN.map(Revision::as_str),
                    "capabilities": capabilities(),
                    "instructions": INSTRUCTIONS,
                }),
                Some(Cache::Static),
            )),
            "tools/list" => tools::list(self, &req),
            "tools/call" => tools::call(self, &req),
            "resources/list" => resources::list(self, &req),
            "resources/templates/list" => resources::templates(self, &req),
            "resources/read" => resources::read(self, &req),
            "prompts/list" => prompts::list(self, &req),
            "prompts/get" => prompts::get(self, &req),
            _ => Err(RpcError::new(
                code::METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
            )),
        }
    }

    /// The handshake: agrees on the requested revision when this server
    /// speaks it, else on the newest handshake revision; never an error.
    fn initialize(&mut self, id: &Value, params: &Map<String, Value>) -> Vec<u8> {
        let requested = params
            .get("protocolVersion")
            .and_then(Value::as_str)
            .and_then(Revision::parse)
            .filter(|r| !r.is_modern());
        let revision = requested.unwrap_or(Revision::LATEST_HANDSHAKE);
        self.negotiated = Some(revision);
        self.client = Client::from_info(params.get("clientInfo"));
        result_line(
            id,
            json!({
                "protocolVersion": revision.as_str(),
                "capabilities": capabilities(),
                "serverInfo": server_info(),
                "instructions": INSTRUCTIONS,
            }),
        )
    }
}

/// The revision and client of a request that carries the 2026-07-28
/// envelope, or the error that refuses it.
fn modern(meta: Option<&Map<String, Value>>) -> Result<(Revision, Client), RpcError> {
    let meta = meta.ok_or_else(|| RpcError::invalid_params("params._meta must be an object"))?;
    let missing: Vec<&str> = [META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES]
        .into_iter()
        .filter(|k| !meta.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(RpcError::invalid_params(format!(
            "params._meta is missing the required envelope keys: {}",
            missing.join(", ")
        )));
    }
    let Some(requested) = meta[META_PROTOCOL_VERSION].as_str() else {
        return Err(RpcError::invalid_params(format!(
            "params._meta.{META_PROTOCOL_VERSION} must be a string"
        )));
    };
    if !meta[META_CLIENT_CAPABILITIES].is_object() {
        return Err(RpcError::invalid_params(format!(
            "params._meta.{META_CLIENT_CAPABILITIES} must be an object"
        )));
    }
    let revision = Revision::parse(requested)
        .filter(|r| r.is_modern())
        .ok_or_else(|| {
            RpcError::new(
                code::UNSUPPORTED_PROTOCOL_VERSION,
                "Unsupported protocol version",
            )
            .with_data(json!({
                "supported": Revision::MODERN.map(Revision::as_str),
                "requested": requested,
            }))
        })?;
    Ok((revision, Client::from_info(meta.get(META_CLIENT_INFO))))
}
